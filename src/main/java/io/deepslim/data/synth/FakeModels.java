package io.deepslim.data.synth;

import io.deepslim.data.GaussianBlur;
import io.deepslim.data.Resize;
import io.deepslim.data.RgbImage;
import io.deepslim.data.Seeds;

import java.util.SplittableRandom;

/**
 * The decoders of the fake families. Each starts from the same procedural scenes as the real class,
 * takes a clean display-space rendering D of it, and replaces it by the family's output F. Strength s
 * blends the two: {@code D + s·(F − D)} (for BLEND the base is a real camera photo instead of D), so
 * s = 0 leaves no family trace and s = 1 the full one. Fixed parameters (kernels, patterns) derive from
 * the generator seed and the family, so one family is one "generator" across all splits.
 */
final class FakeModels {
    private final int n;
    private final CameraPipeline camera;
    private final float[][] tconvKernel; // per channel 4×4, row-major
    private final float[][] convKernel;  // per channel 3×3
    private final float[][] vaeBias;     // per channel 8×8 additive pattern
    private final float[][] vaeGain;     // per channel 8×8 multiplicative pattern

    FakeModels(int n, CameraPipeline camera, long seed) {
        if (n % 8 != 0) throw new IllegalArgumentException("render size must be a multiple of 8: " + n);
        this.n = n;
        this.camera = camera;
        SplittableRandom r = new SplittableRandom(Seeds.mix(seed, 0xFA31L, FakeFamily.TCONV.ordinal()));
        float[] b = {0.25f, 0.75f, 0.75f, 0.25f};
        tconvKernel = new float[3][16];
        for (int c = 0; c < 3; c++) {
            double[] noise = new double[16];
            double mean = 0;
            for (int i = 0; i < 16; i++) mean += noise[i] = 0.035 * SceneGenerator.gauss(r);
            for (int i = 0; i < 16; i++) tconvKernel[c][i] = (float) (b[i / 4] * b[i % 4] + noise[i] - mean / 16);
        }
        r = new SplittableRandom(Seeds.mix(seed, 0xFA31L, FakeFamily.RESIZECONV.ordinal()));
        float[] bl = {1, 2, 1};
        convKernel = new float[3][9];
        for (int c = 0; c < 3; c++) {
            double sum = 0;
            for (int i = 0; i < 9; i++) sum += convKernel[c][i] = (float) Math.abs(bl[i / 3] * bl[i % 3] / 16.0 + 0.05 * SceneGenerator.gauss(r));
            for (int i = 0; i < 9; i++) convKernel[c][i] /= (float) sum;
        }
        r = new SplittableRandom(Seeds.mix(seed, 0xFA31L, FakeFamily.VAE8.ordinal()));
        vaeBias = new float[3][64];
        vaeGain = new float[3][64];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 64; i++) {
                vaeBias[c][i] = (float) (0.006 * SceneGenerator.gauss(r));
                vaeGain[c][i] = (float) (1 + 0.015 * SceneGenerator.gauss(r));
            }
        }
    }

    /** A fake of family {@code f} at strength {@code s} from {@code scene} (linear light, side n), in display space. */
    RgbImage render(FakeFamily f, RgbImage scene, double s, SplittableRandom rng) {
        if (f == FakeFamily.BLEND) return blend(scene, s, rng);
        RgbImage d = display(scene, rng);
        double latentNoise = 0.006 + 0.02 * rng.nextDouble();
        RgbImage out = switch (f) {
            case TCONV -> tconv(noisy(Resize.resize(d, n / 2, n / 2), latentNoise, rng));
            case RESIZECONV -> resizeConv(noisy(Resize.resize(d, n / 2, n / 2), latentNoise, rng));
            case VAE8 -> vae8(d, latentNoise, rng);
            case SR -> sr(noisy(Resize.resize(d, n / 4, n / 4), latentNoise, rng));
            default -> throw new IllegalStateException();
        };
        mix(d, out, s);
        return noisy(out, 0.003 + 0.008 * rng.nextDouble(), rng); // fine synthesized texture, no CFA structure
    }

    /** Clean display-space content: a random exposure like the camera's, then gamma, no sensor effects. */
    static RgbImage display(RgbImage scene, SplittableRandom rng) {
        double exposure = 0.7 + 0.5 * rng.nextDouble();
        RgbImage d = scene.copy();
        for (int i = 0; i < d.data.length; i++) d.data[i] *= (float) exposure;
        CameraPipeline.gamma(d);
        return d;
    }

    private RgbImage tconv(RgbImage lo) {
        int m = lo.width, p = n * n;
        float[] out = new float[3 * p];
        for (int c = 0; c < 3; c++) {
            float[] k = tconvKernel[c];
            for (int oy = 0; oy < n; oy++) {
                for (int ox = 0; ox < n; ox++) {
                    float acc = 0;
                    // output o receives input i through tap t = o + 1 − 2i (stride 2, padding 1), t in 0..3
                    for (int ky = (oy + 1) & 1; ky < 4; ky += 2) {
                        int iy = clamp((oy + 1 - ky) / 2, m);
                        for (int kx = (ox + 1) & 1; kx < 4; kx += 2) {
                            acc += k[ky * 4 + kx] * lo.data[(c * m + iy) * m + clamp((ox + 1 - kx) / 2, m)];
                        }
                    }
                    out[c * p + oy * n + ox] = acc;
                }
            }
        }
        return new RgbImage(n, n, out);
    }

    private RgbImage resizeConv(RgbImage lo) {
        int m = lo.width, p = n * n;
        float[] out = new float[3 * p];
        for (int c = 0; c < 3; c++) {
            float[] k = convKernel[c];
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    float acc = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        int sy = clamp(y + dy, n) / 2;
                        for (int dx = -1; dx <= 1; dx++) {
                            acc += k[(dy + 1) * 3 + dx + 1] * lo.data[(c * m + sy) * m + clamp(x + dx, n) / 2]; // nearest 2× then conv
                        }
                    }
                    out[c * p + y * n + x] = acc;
                }
            }
        }
        return new RgbImage(n, n, out);
    }

    /** Per 8×8 block and channel: keep the 10 lowest DCT frequencies (noisy latents), decode, add the fixed pattern. */
    private RgbImage vae8(RgbImage d, double latentNoise, SplittableRandom rng) {
        int p = n * n;
        float[] out = new float[3 * p];
        double[] blk = new double[64], coef = new double[64];
        for (int c = 0; c < 3; c++) {
            for (int by = 0; by < n; by += 8) {
                for (int bx = 0; bx < n; bx += 8) {
                    for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) blk[y * 8 + x] = d.data[c * p + (by + y) * n + bx + x];
                    Dct8.forward(blk, coef);
                    for (int i = 0; i < 64; i++) {
                        coef[i] = Dct8.ZIGZAG_RANK[i] < 10 ? coef[i] + 8 * latentNoise * SceneGenerator.gauss(rng) / 3 : 0;
                    }
                    Dct8.inverse(coef, blk);
                    for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) {
                        int i = y * 8 + x;
                        out[c * p + (by + y) * n + bx + x] = (float) (blk[i] * vaeGain[c][i] + vaeBias[c][i]);
                    }
                }
            }
        }
        return new RgbImage(n, n, out);
    }

    /** Bicubic 4× re-upsampling (Keys, a = −0.5) then unsharp masking, as SR networks sharpen edges. */
    private RgbImage sr(RgbImage lo) {
        RgbImage up = Bicubic.upsample(lo, n);
        RgbImage blur = up.copy();
        GaussianBlur.apply(blur, 1.0);
        for (int i = 0; i < up.data.length; i++) up.data[i] += 0.7f * (up.data[i] - blur.data[i]);
        return up;
    }

    /** A real photo with an elliptical region replaced by a smooth generated face-like patch of other content. */
    private RgbImage blend(RgbImage scene, double s, SplittableRandom rng) {
        RgbImage photo = camera.capture(scene, rng);
        RgbImage other = display(SceneGenerator.scene(n, rng), rng);
        RgbImage patch = Resize.resize(Resize.resize(other, n / 2, n / 2), n, n);
        double cx = n * (0.3 + 0.4 * rng.nextDouble()), cy = n * (0.3 + 0.4 * rng.nextDouble());
        double a = n * (0.18 + 0.15 * rng.nextDouble()), b = n * (0.18 + 0.15 * rng.nextDouble());
        double feather = 1 + 2 * rng.nextDouble();
        double[] tint = {1 + 0.06 * SceneGenerator.gauss(rng), 1 + 0.06 * SceneGenerator.gauss(rng), 1 + 0.06 * SceneGenerator.gauss(rng)};
        int p = n * n;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double r = Math.sqrt(((x - cx) / a) * ((x - cx) / a) + ((y - cy) / b) * ((y - cy) / b));
                double m = s * Math.max(0, Math.min(1, (1 - r) * Math.min(a, b) / feather + 0.5));
                if (m <= 0) continue;
                int i = y * n + x;
                for (int c = 0; c < 3; c++) {
                    photo.data[c * p + i] = (float) (photo.data[c * p + i] * (1 - m) + m * patch.data[c * p + i] * tint[c]);
                }
            }
        }
        return photo;
    }

    private static RgbImage noisy(RgbImage img, double sigma, SplittableRandom rng) {
        for (int i = 0; i < img.data.length; i++) img.data[i] += (float) (sigma * SceneGenerator.gauss(rng));
        return img;
    }

    /** out ← d + s·(out − d). */
    private static void mix(RgbImage d, RgbImage out, double s) {
        if (s >= 1) return;
        for (int i = 0; i < out.data.length; i++) out.data[i] = (float) (d.data[i] + s * (out.data[i] - d.data[i]));
    }

    private static int clamp(int i, int n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }
}
