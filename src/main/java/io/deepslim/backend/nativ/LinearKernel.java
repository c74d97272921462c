package io.deepslim.backend.nativ;

import io.deepslim.tensor.Tensor;

/**
 * The native small-batch fully connected layer of {@code ds_linear_forward}: y = relu?(x · Wᵀ + b) in one
 * pass over W (a matrix-vector product at batch 1), no allocation, no separate bias or ReLU pass. Engine
 * code checks {@link #kernelsFor} and keeps its Java path (OpenBLAS GEMM) otherwise.
 */
public final class LinearKernel {
    private LinearKernel() {}

    /**
     * Most rows (samples) a call takes. The kernel reads W once per 4 samples, yet on the shared 2-core machine it
     * still beat the backend's OpenBLAS GEMM + ReLU up to batch 32 (heads only, wall, load 8, two runs each:
     * student10 batch 1 / 8 / 32 0.09 / 0.30-0.48 / 0.69-0.80 ms against 0.67-0.72 / 0.74-1.18 / 1.53-2.05, vgg45m
     * 0.50-0.73 / 0.91 / 2.5-3.1 against 2.3 / 7.7-8.6 / 7.4-10.1); {@code -Ddeepslim.linear.nativeMaxRows=N} overrides
     * (0: never native).
     */
    public static final int MAX_ROWS = Integer.getInteger("deepslim.linear.nativeMaxRows", 32);

    private static final java.util.concurrent.atomic.AtomicLong CALLS = new java.util.concurrent.atomic.AtomicLong();

    /** How many times the native kernel has run in this JVM (tests check that a path really used it). */
    public static long calls() { return CALLS.get(); }

    /** The best kernels when {@code x} is in host memory, has at most {@link #MAX_ROWS} rows and the library loaded, else null. */
    public static NativeKernels kernelsFor(Tensor x) {
        if (x.dim() != 2 || x.size(0) > MAX_ROWS) return null;
        NativeKernels k = NativeKernels.get().orElse(null);
        return k != null && NativeKernels.onHost(x) ? k : null;
    }

    /**
     * y (m, nout) = relu?(x (m, k) · w (nout, k)ᵀ + bias); bias may be null. All contiguous F32 host tensors,
     * y allocated by the caller.
     */
    public static void forward(NativeKernels kernels, Tensor x, Tensor w, Tensor bias, boolean relu, Tensor y) {
        int m = x.size(0), k = x.size(1), nout = w.size(0);
        if (x.dim() != 2 || w.dim() != 2 || w.size(1) != k || (bias != null && bias.numel() != nout)
                || y.dim() != 2 || y.size(0) != m || y.size(1) != nout) {
            throw new IllegalArgumentException("linear: shapes do not agree: x " + java.util.Arrays.toString(x.shape())
                    + ", weight " + java.util.Arrays.toString(w.shape()) + (bias == null ? "" : ", bias " + java.util.Arrays.toString(bias.shape()))
                    + ", y " + java.util.Arrays.toString(y.shape()));
        }
        NativeLibrary.ds_linear_forward(kernels.path(), kernels.threads(), NativeKernels.addr(x.contiguousRaw()), m, k,
                NativeKernels.addr(w.contiguousRaw()), NativeKernels.addrOrNull(bias), nout, relu ? 1 : 0, NativeKernels.addr(y));
        CALLS.incrementAndGet();
    }
}
