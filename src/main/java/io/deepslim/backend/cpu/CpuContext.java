package io.deepslim.backend.cpu;

/**
 * The thread settings of one CPU backend, passed in explicitly rather than set globally.
 *
 * @param threads     workers of the backend's own fork-join pool (1 = run on the calling thread)
 * @param blasThreads OpenBLAS threads per GEMM call (1: the backend already runs independent GEMMs
 *                    on its own threads; OpenBLAS's setting is process-wide, so a Gemm applies its
 *                    count before each call when it differs from the last one applied)
 */
public record CpuContext(int threads, int blasThreads) {
    public CpuContext {
        if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        if (blasThreads < 1) throw new IllegalArgumentException("blasThreads must be ≥ 1, got " + blasThreads);
    }

    /** One worker per available processor, single-threaded OpenBLAS. */
    public static CpuContext defaults() { return new CpuContext(Runtime.getRuntime().availableProcessors(), 1); }
}
