package io.deepslim.backend;

/** Geometry of a 2-D pooling window (square kernel/stride/padding). */
public record PoolParams(int kernel, int stride, int pad) {
    public PoolParams {
        if (kernel < 1 || stride < 1 || pad < 0 || pad > kernel / 2) {
            throw new IllegalArgumentException("pool2d: invalid kernel=" + kernel + " stride=" + stride + " padding=" + pad
                    + " (need kernel ≥ 1, stride ≥ 1, 0 ≤ padding ≤ kernel/2)");
        }
    }

    public int out(int in) { return Math.floorDiv(in + 2 * pad - kernel, stride) + 1; }
}
