package io.deepslim.data.synth;

import io.deepslim.data.RgbImage;

/**
 * A fixed forensic feature for the realism check: the azimuthally averaged log power spectrum of the
 * grey high-pass residual (image minus its 3×3 mean), plus the log energy at the checkerboard (period 2),
 * period-4 and period-8 peak frequencies relative to their neighbours.
 */
final class SpectralFeatures {
    static final int BINS = 12;

    private SpectralFeatures() {}

    static double[] of(RgbImage img) {
        int n = img.width, p = n * n;
        double[] g = new double[p];
        for (int i = 0; i < p; i++) g[i] = (img.data[i] + img.data[p + i] + img.data[2 * p + i]) / 3;
        double[] re = new double[p], im = new double[p];
        for (int y = 0; y < n; y++) for (int x = 0; x < n; x++) {
            double s = 0;
            for (int dy = -1; dy <= 1; dy++) for (int dx = -1; dx <= 1; dx++) {
                s += g[Math.floorMod(y + dy, n) * n + Math.floorMod(x + dx, n)];
            }
            re[y * n + x] = g[y * n + x] - s / 9;
        }
        Fft2.fft2(re, im, n, false);
        double[] pow = new double[p];
        for (int i = 0; i < p; i++) pow[i] = re[i] * re[i] + im[i] * im[i];
        double[] bins = new double[BINS];
        int[] cnt = new int[BINS];
        double rmax = Math.sqrt(2) * n / 2;
        for (int v = 0; v < n; v++) for (int u = 0; u < n; u++) {
            int fu = Math.min(u, n - u), fv = Math.min(v, n - v);
            int b = (int) Math.min(BINS - 1, Math.sqrt(fu * fu + fv * fv) / rmax * BINS);
            bins[b] += pow[v * n + u];
            cnt[b]++;
        }
        double[] f = new double[BINS + 3];
        for (int b = 0; b < BINS; b++) f[b] = Math.log(1e-12 + bins[b] / Math.max(1, cnt[b]));
        f[BINS] = peak(pow, n, 2);
        f[BINS + 1] = peak(pow, n, 4);
        f[BINS + 2] = peak(pow, n, 8);
        return f;
    }

    /** Mean log ratio of power at multiples of n/period to the power one bin beside them. */
    private static double peak(double[] pow, int n, int period) {
        int step = n / period;
        double s = 0;
        int c = 0;
        for (int v = 0; v < n; v += step) for (int u = 0; u < n; u += step) {
            if (u == 0 && v == 0) continue;
            if (period > 2 && (u % (n / 2) == 0) && (v % (n / 2) == 0)) continue; // leave the checkerboard to period 2
            double nb = (pow[v * n + (u + 1) % n] + pow[((v + 1) % n) * n + u]
                    + pow[v * n + Math.floorMod(u - 1, n)] + pow[Math.floorMod(v - 1, n) * n + u]) / 4;
            s += Math.log((1e-12 + pow[v * n + u]) / (1e-12 + nb));
            c++;
        }
        return s / c;
    }
}
