package io.deepslim.data.synth;

import io.deepslim.data.RgbImage;

import java.util.SplittableRandom;

/**
 * Procedural scenes in linear light, the shared content of real and fake images: a 1/f-noise textured
 * background with a colour gradient, and a few soft-edged textured shapes (ellipses, rotated rectangles).
 * Natural images have roughly 1/f amplitude spectra, so spectral detectors cannot tell content apart.
 */
public final class SceneGenerator {
    private SceneGenerator() {}

    /** A scene of side {@code n}, values in (0, 1]. */
    public static RgbImage scene(int n, SplittableRandom rng) {
        double[][] tex = noisePair(n, 0.9 + 0.5 * rng.nextDouble(), rng);  // luminance texture + chroma
        double[][] tex2 = noisePair(n, 0.8 + 0.6 * rng.nextDouble(), rng); // texture for shapes
        float[] d = new float[3 * n * n];
        int p = n * n;
        double[] base = color(rng, 0.08, 0.6), chroma = color(rng, -1, 1), grad = color(rng, -0.3, 0.3);
        double texAmp = 0.08 + 0.3 * rng.nextDouble(), chromaAmp = 0.02 + 0.06 * rng.nextDouble();
        double ga = rng.nextDouble() * 2 * Math.PI, gc = Math.cos(ga), gs = Math.sin(ga);
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                int i = y * n + x;
                double g = ((x - n / 2.0) * gc + (y - n / 2.0) * gs) / n;
                for (int c = 0; c < 3; c++) {
                    d[c * p + i] = (float) (base[c] * (1 + texAmp * tex[0][i]) + chromaAmp * chroma[c] * tex[1][i] + grad[c] * g);
                }
            }
        }
        int shapes = 2 + rng.nextInt(6);
        for (int s = 0; s < shapes; s++) shape(d, n, tex2[s & 1], rng);
        for (int i = 0; i < d.length; i++) d[i] = Math.max(0.002f, Math.min(1f, d[i]));
        return new RgbImage(n, n, d);
    }

    /** Paints one shape with antialiased edges (coverage from the signed distance to its outline). */
    private static void shape(float[] d, int n, double[] tex, SplittableRandom rng) {
        int p = n * n;
        double cx = rng.nextDouble() * n, cy = rng.nextDouble() * n;
        double a = n * (0.06 + 0.3 * rng.nextDouble()), b = a * (0.4 + 0.6 * rng.nextDouble());
        double th = rng.nextDouble() * Math.PI, ct = Math.cos(th), st = Math.sin(th);
        boolean rect = rng.nextBoolean();
        double[] col = color(rng, 0.03, 0.9);
        double texAmp = 0.05 + 0.3 * rng.nextDouble();
        int ox = rng.nextInt(n), oy = rng.nextInt(n); // texture offset so shapes do not share a pattern
        int x0 = (int) Math.max(0, cx - a - 2), x1 = (int) Math.min(n - 1, cx + a + 2);
        int y0 = (int) Math.max(0, cy - a - 2), y1 = (int) Math.min(n - 1, cy + a + 2);
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double u = (x - cx) * ct + (y - cy) * st, v = -(x - cx) * st + (y - cy) * ct;
                double sd = rect ? Math.max(Math.abs(u) - a, Math.abs(v) - b)
                        : (Math.sqrt((u / a) * (u / a) + (v / b) * (v / b)) - 1) * b;
                double cov = Math.max(0, Math.min(1, 0.5 - sd));
                if (cov <= 0) continue;
                double t = tex[((y + oy) % n) * n + (x + ox) % n];
                int i = y * n + x;
                for (int c = 0; c < 3; c++) {
                    d[c * p + i] = (float) (d[c * p + i] * (1 - cov) + cov * col[c] * (1 + texAmp * t));
                }
            }
        }
    }

    private static double[] color(SplittableRandom rng, double lo, double hi) {
        return new double[]{lo + (hi - lo) * rng.nextDouble(), lo + (hi - lo) * rng.nextDouble(), lo + (hi - lo) * rng.nextDouble()};
    }

    /**
     * Two independent Gaussian fields of side {@code n} with amplitude spectrum ∝ 1/f^β, unit variance:
     * the real and imaginary parts of one inverse FFT of random complex coefficients.
     */
    static double[][] noisePair(int n, double beta, SplittableRandom rng) {
        int m = Fft2.pow2(n);
        double[] re = new double[m * m], im = new double[m * m];
        for (int v = 0; v < m; v++) {
            int fv = Math.min(v, m - v);
            for (int u = 0; u < m; u++) {
                int fu = Math.min(u, m - u);
                double f = Math.sqrt(fu * fu + fv * fv);
                if (f == 0) continue;
                double amp = Math.pow(f, -beta);
                re[v * m + u] = amp * gauss(rng);
                im[v * m + u] = amp * gauss(rng);
            }
        }
        Fft2.fft2(re, im, m, true);
        return new double[][]{crop(re, m, n), crop(im, m, n)};
    }

    private static double[] crop(double[] a, int m, int n) {
        double[] out = new double[n * n];
        double s = 0, s2 = 0;
        for (int y = 0; y < n; y++) for (int x = 0; x < n; x++) {
            double v = a[y * m + x];
            out[y * n + x] = v;
            s += v; s2 += v * v;
        }
        double mean = s / out.length, sd = Math.sqrt(Math.max(1e-12, s2 / out.length - mean * mean));
        for (int i = 0; i < out.length; i++) out[i] = (out[i] - mean) / sd;
        return out;
    }

    /** A standard normal draw (Box–Muller; SplittableRandom has no nextGaussian in Java 17). */
    static double gauss(SplittableRandom rng) {
        double u = rng.nextDouble(), v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
