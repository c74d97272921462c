package io.deepslim.backend.cpu;

/**
 * The matrices of a Winograd minimal-filtering algorithm F(m×m, 3×3) (Lavin & Gray, 2016):
 * a t×t input tile d (t = m + 2) and a 3×3 filter g give the m×m output tile
 * Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A. Each 2-D transform is done as two 1-D passes whose inner
 * loops run over a chunk of tiles (one array per tile element, indexed from 0), so the JIT vectorizes them.
 */
final class WinogradTransform {
    /** F(2×2, 3×3): 16 products per 4 outputs (2.25× fewer multiplications than direct). */
    static final WinogradTransform F2 = new WinogradTransform(2,
            new double[][]{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}},
            new double[][]{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}},
            new double[][]{{1, 1, 1, 0}, {0, 1, -1, -1}});

    /** F(4×4, 3×3) with interpolation points 0, ±1, ±2: 36 products per 16 outputs (4× fewer). */
    static final WinogradTransform F4 = new WinogradTransform(4,
            new double[][]{
                    {4, 0, -5, 0, 1, 0},
                    {0, -4, -4, 1, 1, 0},
                    {0, 4, -4, -1, 1, 0},
                    {0, -2, -1, 2, 1, 0},
                    {0, 2, -1, -2, 1, 0},
                    {0, 4, 0, -5, 0, 1}},
            new double[][]{
                    {1 / 4.0, 0, 0},
                    {-1 / 6.0, -1 / 6.0, -1 / 6.0},
                    {-1 / 6.0, 1 / 6.0, -1 / 6.0},
                    {1 / 24.0, 1 / 12.0, 1 / 6.0},
                    {1 / 24.0, -1 / 12.0, 1 / 6.0},
                    {0, 0, 1}},
            new double[][]{
                    {1, 1, 1, 1, 1, 0},
                    {0, 1, -1, 2, -2, 0},
                    {0, 1, 1, 4, 4, 0},
                    {0, 1, -1, 8, -8, 1}});

    /** Output tile side m and input tile side t = m + 2. */
    final int m, t;
    /** Bᵀ (t×t) and Aᵀ (m×t) in float, for the data transforms. */
    final float[][] bt, at;
    /** G (t×3) in double, for the one-time filter transform. */
    final double[][] g;

    private WinogradTransform(int m, double[][] bt, double[][] g, double[][] at) {
        this.m = m;
        this.t = m + 2;
        this.bt = toFloat(bt);
        this.at = toFloat(at);
        this.g = g;
    }

    private static float[][] toFloat(double[][] a) {
        float[][] f = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            f[i] = new float[a[i].length];
            for (int j = 0; j < a[i].length; j++) f[i][j] = (float) a[i][j];
        }
        return f;
    }

    /**
     * U[ξ][k][c] = (G w[k][c] Gᵀ)[ξ] for every filter of w (K, C, 3, 3), computed in double;
     * with {@code flipped}, the filter of the transposed convolution instead — w'[c][k] = w[k][c]
     * rotated by 180° — so the result is (t², C, K) for backward data.
     */
    float[] filter(float[] w, int kOut, int cIn, boolean flipped) {
        int tt = t * t, rows = flipped ? cIn : kOut, cols = flipped ? kOut : cIn;
        float[] u = new float[tt * rows * cols];
        double[] tmp = new double[t * 3];
        for (int k = 0; k < kOut; k++) {
            for (int c = 0; c < cIn; c++) {
                int base = (k * cIn + c) * 9;
                // tmp = G · g (t×3)
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j < 3; j++) {
                        double s = 0;
                        for (int r = 0; r < 3; r++) {
                            int idx = flipped ? base + (2 - r) * 3 + (2 - j) : base + r * 3 + j;
                            s += g[i][r] * w[idx];
                        }
                        tmp[i * 3 + j] = s;
                    }
                }
                int row = flipped ? c : k, col = flipped ? k : c;
                // U = tmp · Gᵀ (t×t)
                for (int i = 0; i < t; i++) {
                    for (int l = 0; l < t; l++) {
                        double s = 0;
                        for (int j = 0; j < 3; j++) s += tmp[i * 3 + j] * g[l][j];
                        u[((i * t + l) * rows + row) * cols + col] = (float) s;
                    }
                }
            }
        }
        return u;
    }

    /** Tiles per transform chunk: a chunk's t² rows of every operand stay in L1. */
    static final int CHUNK = 64;

    /** V = Bᵀ d B for n tiles: d, tmp and v are t² rows of at least n floats (ξ = i·t + l). */
    void input(float[][] d, float[][] tmp, float[][] v, int n) {
        // tmp[i][s] = Σ_r Bᵀ[i][r] d[r][s], then v[i][l] = Σ_s Bᵀ[l][s] tmp[i][s]
        for (int s = 0; s < t; s++) input1d(d, s, t, tmp, s, t, n);
        for (int i = 0; i < t; i++) input1d(tmp, i * t, 1, v, i * t, 1, n);
    }

    /** Y = Aᵀ M A + bias for n tiles: mv is t² rows, tmp m·t rows, out m² rows (a·m + b). */
    void output(float[][] mv, float[][] tmp, float[][] out, int n, float bias) {
        // tmp[a][l] = Σ_i Aᵀ[a][i] M[i][l], then out[a][b] = Σ_l Aᵀ[b][l] tmp[a][l] + bias
        for (int l = 0; l < t; l++) output1d(mv, l, t, tmp, l, t, n, 0f);
        for (int a = 0; a < m; a++) output1d(tmp, a * t, 1, out, a * m, 1, n, bias);
    }

    /** dst[dBase + i·dStep] = Σ_r Bᵀ[i][r] src[sBase + r·sStep], row-wise over n tiles. */
    private void input1d(float[][] src, int sBase, int sStep, float[][] dst, int dBase, int dStep, int n) {
        if (m == 4) {
            // Bᵀ of F(4×4) with shared terms: 14 additions/multiplications for 6 outputs
            float[] d0 = src[sBase], d1 = src[sBase + sStep], d2 = src[sBase + 2 * sStep], d3 = src[sBase + 3 * sStep];
            float[] d4 = src[sBase + 4 * sStep], d5 = src[sBase + 5 * sStep];
            float[] o0 = dst[dBase], o1 = dst[dBase + dStep], o2 = dst[dBase + 2 * dStep], o3 = dst[dBase + 3 * dStep];
            float[] o4 = dst[dBase + 4 * dStep], o5 = dst[dBase + 5 * dStep];
            // four loops of at most six arrays each: a bigger body is not unrolled, hence not vectorized, by C2
            for (int j = 0; j < n; j++) o0[j] = 4f * d0[j] - 5f * d2[j] + d4[j];
            for (int j = 0; j < n; j++) o5[j] = 4f * d1[j] - 5f * d3[j] + d5[j];
            for (int j = 0; j < n; j++) {
                float a = d4[j] - 4f * d2[j], b = d3[j] - 4f * d1[j];
                o1[j] = a + b;
                o2[j] = a - b;
            }
            for (int j = 0; j < n; j++) {
                float c = d4[j] - d2[j], e = 2f * (d3[j] - d1[j]);
                o3[j] = c + e;
                o4[j] = c - e;
            }
        } else { // F(2×2)
            float[] d0 = src[sBase], d1 = src[sBase + sStep], d2 = src[sBase + 2 * sStep], d3 = src[sBase + 3 * sStep];
            float[] o0 = dst[dBase], o1 = dst[dBase + dStep], o2 = dst[dBase + 2 * dStep], o3 = dst[dBase + 3 * dStep];
            for (int j = 0; j < n; j++) {
                float x0 = d0[j], x1 = d1[j], x2 = d2[j], x3 = d3[j];
                o0[j] = x0 - x2;
                o1[j] = x1 + x2;
                o2[j] = x2 - x1;
                o3[j] = x1 - x3;
            }
        }
    }

    /** dst[dBase + a·dStep] = Σ_i Aᵀ[a][i] src[sBase + i·sStep] + init, row-wise over n tiles. */
    private void output1d(float[][] src, int sBase, int sStep, float[][] dst, int dBase, int dStep, int n, float init) {
        if (m == 4) {
            float[] m0 = src[sBase], m1 = src[sBase + sStep], m2 = src[sBase + 2 * sStep], m3 = src[sBase + 3 * sStep];
            float[] m4 = src[sBase + 4 * sStep], m5 = src[sBase + 5 * sStep];
            float[] y0 = dst[dBase], y1 = dst[dBase + dStep], y2 = dst[dBase + 2 * dStep], y3 = dst[dBase + 3 * dStep];
            for (int j = 0; j < n; j++) {
                float s12 = m1[j] + m2[j], s34 = m3[j] + m4[j];
                y0[j] = init + m0[j] + s12 + s34;
                y2[j] = init + s12 + 4f * s34;
            }
            for (int j = 0; j < n; j++) {
                float d12 = m1[j] - m2[j], d34 = m3[j] - m4[j];
                y1[j] = init + d12 + 2f * d34;
                y3[j] = init + d12 + 8f * d34 + m5[j];
            }
        } else { // F(2×2)
            float[] m0 = src[sBase], m1 = src[sBase + sStep], m2 = src[sBase + 2 * sStep], m3 = src[sBase + 3 * sStep];
            float[] y0 = dst[dBase], y1 = dst[dBase + dStep];
            for (int j = 0; j < n; j++) {
                y0[j] = init + m0[j] + m1[j] + m2[j];
                y1[j] = init + m1[j] - m2[j] - m3[j];
            }
        }
    }
}
