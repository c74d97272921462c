package io.deepslim.data;

import java.nio.file.Path;
import java.util.SplittableRandom;

/** Applies a {@link TransformConfig} to images and writes normalized CHW floats; stateless and thread-safe. */
public final class Preprocessor {
    private final TransformConfig cfg;
    private final ImageDecoder decoder;

    public Preprocessor(TransformConfig cfg, ImageDecoder decoder) {
        this.cfg = cfg;
        this.decoder = decoder;
    }

    public TransformConfig config() { return cfg; }

    public ImageDecoder decoder() { return decoder; }

    /** Decodes {@code file} and writes 3×S×S normalized floats to {@code dst[off..]}. */
    public void load(Path file, SplittableRandom rng, float[] dst, int off) throws BadImageException {
        write(transform(decoder.decode(file, cfg.size()), rng), dst, off);
    }

    /**
     * Augments and resizes {@code img} to S×S (values still in [0,1]). Every random number is drawn in a
     * fixed order whether or not its augmentation fires, so one sample's stream never shifts another's.
     */
    public RgbImage transform(RgbImage img, SplittableRandom rng) {
        double uBlur = rng.nextDouble(), sigma = cfg.blurSigmaMin() + rng.nextDouble() * (cfg.blurSigmaMax() - cfg.blurSigmaMin());
        double uJpeg = rng.nextDouble();
        int quality = cfg.jpegQualityMin() + rng.nextInt(cfg.jpegQualityMax() - cfg.jpegQualityMin() + 1);
        double uCrop = rng.nextDouble(), scale = cfg.cropMinScale() + rng.nextDouble() * (1 - cfg.cropMinScale());
        double px = rng.nextDouble(), py = rng.nextDouble();
        double uFlip = rng.nextDouble();

        RgbImage x = img;
        if (uBlur < cfg.blurProb()) {
            if (x == img) x = img.copy();
            GaussianBlur.apply(x, sigma);
        }
        if (uJpeg < cfg.jpegProb()) x = JpegCodec.roundTrip(x, quality);
        int s = cfg.size();
        if (uCrop < cfg.cropProb()) {
            int cw = Math.max(1, (int) Math.round(x.width * scale)), ch = Math.max(1, (int) Math.round(x.height * scale));
            int x0 = (int) Math.floor(px * (x.width - cw + 1)), y0 = (int) Math.floor(py * (x.height - ch + 1));
            x = Resize.crop(x, Math.min(x0, x.width - cw), Math.min(y0, x.height - ch), cw, ch, s, s);
        } else if (x.width != s || x.height != s) {
            x = Resize.resize(x, s, s);
        } else if (x == img) {
            x = img.copy();
        }
        if (uFlip < cfg.flipProb()) x.flipHorizontal();
        return x;
    }

    /** Normalizes an S×S image into {@code dst[off .. off + 3·S·S)}. */
    public void write(RgbImage x, float[] dst, int off) {
        float[] mean = cfg.mean(), std = cfg.std();
        int n = x.plane();
        for (int c = 0; c < 3; c++) {
            float m = mean[c], inv = 1f / std[c];
            int b = c * n;
            for (int i = 0; i < n; i++) dst[off + b + i] = (x.data[b + i] - m) * inv;
        }
    }
}
