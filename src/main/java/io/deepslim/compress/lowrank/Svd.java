package io.deepslim.compress.lowrank;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas;

/**
 * Thin singular value decomposition A = U·diag(s)·Vᵀ of a row-major m×n matrix through LAPACK's
 * divide-and-conquer {@code sgesdd} (OpenBLAS preset). With k = min(m, n): u is m×k, s has k
 * values in descending order, vt is k×n, all row-major.
 */
public record Svd(int m, int n, float[] u, float[] s, float[] vt) {
    /** Decomposes {@code a} (m×n, row-major; not modified). */
    public static Svd of(float[] a, int m, int n) {
        if (m <= 0 || n <= 0 || a.length != m * n) throw new IllegalArgumentException("svd: " + a.length + " values for a " + m + "x" + n + " matrix");
        LapackLoader.check();
        int k = Math.min(m, n);
        float[] work = a.clone(), s = new float[k], u = new float[m * k], vt = new float[k * n];
        // row-major: lda = n, ldu = k (columns of U), ldvt = n
        int info = openblas.LAPACKE_sgesdd(openblas.LAPACK_ROW_MAJOR, (byte) 'S', m, n, work, n, s, u, k, vt, n);
        if (info != 0) throw new IllegalStateException("LAPACK sgesdd failed with info=" + info + (info > 0 ? " (did not converge)" : " (bad argument)"));
        return new Svd(m, n, u, s, vt);
    }

    /** Loads OpenBLAS (which bundles LAPACK) on first use, with a clear message when it cannot. */
    private static final class LapackLoader {
        static final Throwable PROBLEM;

        static {
            Throwable p = null;
            try {
                Loader.load(openblas.class);
            } catch (Throwable t) {
                p = t;
            }
            PROBLEM = p;
        }

        static void check() {
            if (PROBLEM != null) throw new UnsupportedOperationException("low-rank factorization needs LAPACK from the OpenBLAS native library, which did not load: " + PROBLEM);
        }
    }
}
