package io.deepslim.data.synth;

/** Orthonormal 8×8 DCT-II and its inverse, with the JPEG zig-zag rank of each coefficient. */
final class Dct8 {
    private static final double[] C = new double[64]; // C[k*8+x] = basis k at x
    /** Zig-zag position (0 = DC) of coefficient index v*8+u. */
    static final int[] ZIGZAG_RANK = new int[64];

    static {
        for (int k = 0; k < 8; k++) {
            double a = k == 0 ? Math.sqrt(1.0 / 8) : Math.sqrt(2.0 / 8);
            for (int x = 0; x < 8; x++) C[k * 8 + x] = a * Math.cos((2 * x + 1) * k * Math.PI / 16);
        }
        int rank = 0;
        for (int s = 0; s < 15; s++) {
            for (int i = 0; i <= s; i++) {
                int v = (s % 2 == 0) ? s - i : i, u = s - v;
                if (u < 8 && v < 8) ZIGZAG_RANK[v * 8 + u] = rank++;
            }
        }
    }

    private Dct8() {}

    /** coef[v*8+u] = Σ block[y*8+x]·C[v][y]·C[u][x]. */
    static void forward(double[] block, double[] coef) {
        double[] t = new double[64];
        for (int y = 0; y < 8; y++) for (int u = 0; u < 8; u++) {
            double s = 0;
            for (int x = 0; x < 8; x++) s += block[y * 8 + x] * C[u * 8 + x];
            t[y * 8 + u] = s;
        }
        for (int v = 0; v < 8; v++) for (int u = 0; u < 8; u++) {
            double s = 0;
            for (int y = 0; y < 8; y++) s += t[y * 8 + u] * C[v * 8 + y];
            coef[v * 8 + u] = s;
        }
    }

    /** The inverse of {@link #forward}. */
    static void inverse(double[] coef, double[] block) {
        double[] t = new double[64];
        for (int v = 0; v < 8; v++) for (int x = 0; x < 8; x++) {
            double s = 0;
            for (int u = 0; u < 8; u++) s += coef[v * 8 + u] * C[u * 8 + x];
            t[v * 8 + x] = s;
        }
        for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) {
            double s = 0;
            for (int v = 0; v < 8; v++) s += t[v * 8 + x] * C[v * 8 + y];
            block[y * 8 + x] = s;
        }
    }
}
