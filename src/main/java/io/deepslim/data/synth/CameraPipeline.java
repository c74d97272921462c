package io.deepslim.data.synth;

import io.deepslim.data.GaussianBlur;
import io.deepslim.data.RgbImage;
import io.deepslim.data.Seeds;

import java.util.SplittableRandom;

/**
 * The "real" class: a simplified camera. Lens blur → exposure → Bayer RGGB mosaic (one colour per
 * photosite) → the camera's fixed multiplicative sensor pattern (PRNU) → shot and read noise →
 * bilinear demosaic → gamma 1/2.2. The demosaic leaves the periodic inter-channel correlations and the
 * noise the spectral traces real-image detectors learn; the PRNU pattern is fixed per camera.
 */
public final class CameraPipeline {
    private final int n;
    private final float[][] prnu; // per camera: n×n multiplicative deviation, std ≈ 1%

    /** {@code cameras} cameras for images of side {@code n}; their sensor patterns derive from {@code seed}. */
    public CameraPipeline(int n, int cameras, long seed) {
        this.n = n;
        this.prnu = new float[cameras][];
        for (int c = 0; c < cameras; c++) {
            SplittableRandom r = new SplittableRandom(Seeds.mix(seed, 0xCA3E2AL, c));
            float[] k = new float[n * n];
            for (int i = 0; i < k.length; i++) k[i] = (float) (0.01 * SceneGenerator.gauss(r));
            prnu[c] = k;
        }
    }

    /** Number of simulated cameras. */
    public int cameras() { return prnu.length; }

    /** Photographs {@code scene} (linear light, side n) with a random camera, exposure and ISO. */
    public RgbImage capture(RgbImage scene, SplittableRandom rng) {
        if (scene.width != n || scene.height != n) throw new IllegalArgumentException("scene must be " + n + "x" + n);
        float[] k = prnu[rng.nextInt(prnu.length)];
        double exposure = 0.7 + 0.5 * rng.nextDouble();
        double gain = 0.0008 + 0.004 * rng.nextDouble(), read = 0.001 + 0.003 * rng.nextDouble();
        RgbImage lens = scene.copy();
        GaussianBlur.apply(lens, 0.5 + 0.3 * rng.nextDouble());
        int p = n * n;
        float[] raw = new float[p];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                int i = y * n + x, c = bayer(x, y);
                double v = lens.data[c * p + i] * exposure * (1 + k[i]);
                v += Math.sqrt(Math.max(v, 0) * gain) * SceneGenerator.gauss(rng) + read * SceneGenerator.gauss(rng);
                raw[i] = (float) v;
            }
        }
        RgbImage rgb = demosaic(raw, n);
        gamma(rgb);
        return rgb;
    }

    /** Colour of the RGGB photosite at (x, y): 0 red, 1 green, 2 blue. */
    static int bayer(int x, int y) {
        return ((y & 1) == 0) ? ((x & 1) == 0 ? 0 : 1) : ((x & 1) == 0 ? 1 : 2);
    }

    /** Bilinear demosaic of an RGGB mosaic; borders mirror without repeating the edge (keeps CFA parity). */
    static RgbImage demosaic(float[] raw, int n) {
        float[] out = new float[3 * n * n];
        int p = n * n;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                int i = y * n + x, c = bayer(x, y);
                float v = raw[i];
                float cross = (at(raw, n, x - 1, y) + at(raw, n, x + 1, y) + at(raw, n, x, y - 1) + at(raw, n, x, y + 1)) / 4;
                float diag = (at(raw, n, x - 1, y - 1) + at(raw, n, x + 1, y - 1) + at(raw, n, x - 1, y + 1) + at(raw, n, x + 1, y + 1)) / 4;
                float horiz = (at(raw, n, x - 1, y) + at(raw, n, x + 1, y)) / 2, vert = (at(raw, n, x, y - 1) + at(raw, n, x, y + 1)) / 2;
                float r, g, b;
                if (c == 0) { r = v; g = cross; b = diag; }
                else if (c == 2) { b = v; g = cross; r = diag; }
                else if ((y & 1) == 0) { g = v; r = horiz; b = vert; } // green on a red row
                else { g = v; r = vert; b = horiz; }                    // green on a blue row
                out[i] = r; out[p + i] = g; out[2 * p + i] = b;
            }
        }
        return new RgbImage(n, n, out);
    }

    private static float at(float[] a, int n, int x, int y) {
        x = x < 0 ? -x : (x >= n ? 2 * n - 2 - x : x);
        y = y < 0 ? -y : (y >= n ? 2 * n - 2 - y : y);
        return a[y * n + x];
    }

    /** Linear light → display values, x^(1/2.2), clamped to [0,1]. */
    static void gamma(RgbImage img) {
        float[] d = img.data;
        for (int i = 0; i < d.length; i++) d[i] = (float) Math.pow(Math.max(0, Math.min(1, d[i])), 1 / 2.2);
    }
}
