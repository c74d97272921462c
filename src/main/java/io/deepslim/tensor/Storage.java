package io.deepslim.tensor;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * An owned block of memory, allocated by a {@link io.deepslim.backend.Device}. Today every device
 * keeps it off-heap on the host: native code (OpenBLAS, native/ kernels) reads it in place, Java
 * kernels through a direct buffer view. The host views ({@link #floats()}, {@link #bytes()},
 * {@link #pointer()}) are for backends and file I/O only; other code copies explicitly
 * ({@code Tensor.toFloatArray}, {@code Tensor.copyFrom}). HostAccessTest enforces that.
 *
 * <p>{@link #version()} counts writes made through the public mutators (optimizer steps,
 * {@code Tensor.copyFrom}, in-place fills), so caches of values derived from the storage (packed
 * weights) can tell when they are stale. Released explicitly by {@link #close()} or, as a safety
 * net, by JavaCPP's deallocator when the storage becomes unreachable.
 */
public final class Storage implements AutoCloseable {
    private final DType dtype;
    private final long length;
    private BytePointer pointer;
    private ByteBuffer bytes;
    private FloatBuffer floats;
    private volatile long version;

    private Storage(DType dtype, long length, boolean zero) {
        long nbytes = length * dtype.bytes();
        if (length < 0 || nbytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("storage of " + length + " " + dtype + " elements is out of range (max 2 GiB)");
        }
        this.dtype = dtype;
        this.length = length;
        // malloc of 0 bytes may return null: keep at least one byte so every storage has an address
        this.pointer = new BytePointer(Math.max(1, nbytes));
        if (pointer.isNull()) throw new OutOfMemoryError("cannot allocate " + nbytes + " bytes off-heap");
        if (zero) Pointer.memset(pointer, 0, Math.max(1, nbytes));
        this.bytes = pointer.capacity(Math.max(1, nbytes)).asByteBuffer().order(ByteOrder.nativeOrder());
        this.floats = dtype == DType.F32 ? bytes.asFloatBuffer() : null;
        TensorScope.register(this);
    }

    /** Allocates {@code length} zeroed host elements (devices call this; other code asks a Device). */
    public static Storage zeros(DType dtype, long length) { return new Storage(dtype, length, true); }

    /** Allocates {@code length} host elements whose content is unspecified. */
    public static Storage uninitialized(DType dtype, long length) { return new Storage(dtype, length, false); }

    public DType dtype() { return dtype; }

    public long length() { return length; }

    public boolean isReleased() { return pointer == null; }

    /** True when the memory is host-addressable (every storage today; device memory later). */
    public boolean isHost() { return true; }

    /** Write counter: changes whenever the content was written through a public mutator. */
    public long version() { return version; }

    /** Marks the content as changed (callers that write through raw backend primitives). */
    public void bumpVersion() { version++; }

    /** Direct float view (F32 only). Index i is element i. */
    public FloatBuffer floats() {
        check();
        if (floats == null) throw new IllegalStateException("storage holds " + dtype + ", not F32");
        return floats;
    }

    /** Direct byte view, native byte order. */
    public ByteBuffer bytes() {
        check();
        return bytes;
    }

    /** The native address of element {@code offset}, as a FloatPointer for BLAS calls. */
    public FloatPointer floatPointer(long offset) {
        check();
        return new FloatPointer(pointer).position(offset);
    }

    /** The raw pointer (byte-addressed), for native kernels. */
    public BytePointer pointer() {
        check();
        return pointer;
    }

    private void check() {
        if (pointer == null) throw new IllegalStateException("tensor storage was already released");
    }

    @Override
    public void close() {
        if (pointer != null) {
            BytePointer p = pointer;
            pointer = null;
            bytes = null;
            floats = null;
            p.deallocate();
        }
    }
}
