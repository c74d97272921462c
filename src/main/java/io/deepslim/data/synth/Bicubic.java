package io.deepslim.data.synth;

import io.deepslim.data.RgbImage;

/** Separable bicubic (Keys, a = −0.5) upsampling with half-pixel centres and clamped borders. */
final class Bicubic {
    private Bicubic() {}

    /** {@code src} (square) upsampled to {@code out} × {@code out}. */
    static RgbImage upsample(RgbImage src, int out) {
        int m = src.width;
        int[] i0 = new int[out];
        float[][] w = new float[out][4];
        for (int o = 0; o < out; o++) {
            double pos = (o + 0.5) * m / out - 0.5;
            int f = (int) Math.floor(pos);
            double t = pos - f;
            i0[o] = f - 1;
            for (int k = 0; k < 4; k++) w[o][k] = (float) keys(t - (k - 1));
        }
        float[] tmp = new float[3 * m * out], dst = new float[3 * out * out];
        for (int c = 0; c < 3; c++) for (int y = 0; y < m; y++) for (int o = 0; o < out; o++) {
            float s = 0;
            for (int k = 0; k < 4; k++) s += w[o][k] * src.data[(c * m + y) * m + clamp(i0[o] + k, m)];
            tmp[(c * m + y) * out + o] = s;
        }
        for (int c = 0; c < 3; c++) for (int o = 0; o < out; o++) for (int x = 0; x < out; x++) {
            float s = 0;
            for (int k = 0; k < 4; k++) s += w[o][k] * tmp[(c * m + clamp(i0[o] + k, m)) * out + x];
            dst[(c * out + o) * out + x] = s;
        }
        return new RgbImage(out, out, dst);
    }

    private static double keys(double x) {
        double a = -0.5, t = Math.abs(x);
        if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
        if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
        return 0;
    }

    private static int clamp(int i, int n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }
}
