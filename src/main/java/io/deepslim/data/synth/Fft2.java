package io.deepslim.data.synth;

/** In-place radix-2 complex FFT in one and two dimensions (sizes must be powers of two). */
public final class Fft2 {
    private Fft2() {}

    /** Transforms {@code n} complex values starting at {@code off} with stride {@code step}; inverse is unscaled. */
    public static void fft(double[] re, double[] im, int off, int step, int n, boolean inverse) {
        if (Integer.bitCount(n) != 1) throw new IllegalArgumentException("FFT size must be a power of two: " + n);
        for (int i = 1, j = 0; i < n; i++) { // bit-reversal permutation
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) j ^= bit;
            j ^= bit;
            if (i < j) {
                int a = off + i * step, b = off + j * step;
                double t = re[a]; re[a] = re[b]; re[b] = t;
                t = im[a]; im[a] = im[b]; im[b] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            double ang = 2 * Math.PI / len * (inverse ? 1 : -1);
            double wr = Math.cos(ang), wi = Math.sin(ang);
            for (int i = 0; i < n; i += len) {
                double cr = 1, ci = 0;
                for (int k = 0; k < len / 2; k++) {
                    int a = off + (i + k) * step, b = off + (i + k + len / 2) * step;
                    double xr = re[b] * cr - im[b] * ci, xi = re[b] * ci + im[b] * cr;
                    re[b] = re[a] - xr; im[b] = im[a] - xi;
                    re[a] += xr; im[a] += xi;
                    double t = cr * wr - ci * wi;
                    ci = cr * wi + ci * wr;
                    cr = t;
                }
            }
        }
    }

    /** 2-D transform of an {@code n}×{@code n} row-major complex array. */
    public static void fft2(double[] re, double[] im, int n, boolean inverse) {
        for (int y = 0; y < n; y++) fft(re, im, y * n, 1, n, inverse);
        for (int x = 0; x < n; x++) fft(re, im, x, n, n, inverse);
    }

    /** Smallest power of two ≥ {@code n}. */
    public static int pow2(int n) {
        int p = 1;
        while (p < n) p <<= 1;
        return p;
    }
}
