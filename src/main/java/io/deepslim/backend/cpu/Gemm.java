package io.deepslim.backend.cpu;

import org.bytedeco.javacpp.FloatPointer;

import java.nio.FloatBuffer;

/**
 * Row-major single-precision GEMM: OpenBLAS through the JavaCPP preset when its native library
 * loads, otherwise the plain-Java loop below (which is also the reference the tests compare with).
 */
public final class Gemm {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private final boolean useBlas;
    private final int blasThreads;

    private Gemm(boolean useBlas, int blasThreads) {
        if (blasThreads < 1) throw new IllegalArgumentException("blasThreads must be ≥ 1, got " + blasThreads);
        this.useBlas = useBlas;
        this.blasThreads = blasThreads;
    }

    /** OpenBLAS (single-threaded: the CPU backend runs independent GEMMs on its own threads) if it loads, Java otherwise. */
    public static Gemm best() { return best(1); }

    /** OpenBLAS running each call on {@code blasThreads} of its own threads, if it loads; Java otherwise. */
    public static Gemm best(int blasThreads) { return new Gemm(BlasLoader.AVAILABLE, blasThreads); }

    /** The plain-Java reference. */
    public static Gemm reference() { return new Gemm(false, 1); }

    /** OpenBLAS threads per call (1 unless asked for with {@link #best(int)}). */
    public int blasThreads() { return blasThreads; }

    public boolean usesBlas() { return useBlas; }

    /** Human-readable reason when OpenBLAS did not load (null when it did). */
    public static String blasProblem() { return BlasLoader.PROBLEM; }

    /**
     * C[M,N] = alpha·op(A)·op(B) + beta·C, all row-major with leading dimensions lda/ldb/ldc,
     * starting at element offsets aOff/bOff/cOff of the given storages.
     */
    public void sgemm(boolean ta, boolean tb, int m, int n, int k, float alpha,
                      FloatPointer aPtr, FloatBuffer a, int aOff, int lda,
                      FloatPointer bPtr, FloatBuffer b, int bOff, int ldb, float beta,
                      FloatPointer cPtr, FloatBuffer c, int cOff, int ldc) {
        if (m == 0 || n == 0) return;
        if (useBlas) {
            BlasLoader.useThreads(blasThreads);
            org.bytedeco.openblas.global.openblas.cblas_sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS,
                    m, n, k, alpha, aPtr.position(aOff), lda, bPtr.position(bOff), ldb, beta, cPtr.position(cOff), ldc);
            return;
        }
        javaSgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** Plain loops, i-p-j order so the inner loop walks rows of B and C contiguously when B is not transposed. */
    static void javaSgemm(boolean ta, boolean tb, int m, int n, int k, float alpha,
                          FloatBuffer a, int aOff, int lda, FloatBuffer b, int bOff, int ldb, float beta,
                          FloatBuffer c, int cOff, int ldc) {
        float[] row = new float[n];
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(row, 0f);
            for (int p = 0; p < k; p++) {
                float av = ta ? a.get(aOff + p * lda + i) : a.get(aOff + i * lda + p);
                if (av == 0f) continue;
                if (tb) {
                    for (int j = 0; j < n; j++) row[j] += av * b.get(bOff + j * ldb + p);
                } else {
                    int base = bOff + p * ldb;
                    for (int j = 0; j < n; j++) row[j] += av * b.get(base + j);
                }
            }
            int cb = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                float prev = beta == 0f ? 0f : beta * c.get(cb + j);
                c.put(cb + j, prev + alpha * row[j]);
            }
        }
    }

    /** Loads OpenBLAS on first use of this class, never at Gemm class load. */
    private static final class BlasLoader {
        static final boolean AVAILABLE;
        static final String PROBLEM;
        /** OpenBLAS's thread count is process-wide native state: this mirrors it so each Gemm's setting is applied only on change. */
        private static int current = 1;

        static {
            boolean ok;
            String problem = null;
            try {
                org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas.class);
                // One OpenBLAS thread: the CPU backend runs independent GEMMs on its own threads.
                // OpenBLAS's threads spin against ours (and against any other load): measured here,
                // a 64×256×288 sgemm took 6.1 ms with 2 OpenBLAS threads and 0.11 ms with one.
                org.bytedeco.openblas.global.openblas.blas_set_num_threads(1);
                ok = true;
            } catch (Throwable t) {
                ok = false;
                problem = "OpenBLAS native library did not load (" + t + "); using the plain-Java GEMM";
                System.err.println("deepslim: " + problem);
            }
            AVAILABLE = ok;
            PROBLEM = problem;
        }

        /** Applies a Gemm's thread count before its call (a no-op while it is unchanged). */
        static synchronized void useThreads(int threads) {
            if (threads != current) {
                org.bytedeco.openblas.global.openblas.blas_set_num_threads(threads);
                current = threads;
            }
        }
    }

}
