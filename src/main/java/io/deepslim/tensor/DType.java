package io.deepslim.tensor;

/** Element types a tensor can hold. */
public enum DType {
    F32(4), I8(1), I32(4);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /** Size of one element in bytes. */
    public int bytes() { return bytes; }
}
