package io.deepslim.data;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class TransformsTest {
    /** A 16×16 image whose left half is bright: asymmetric, so a flip is visible. */
    private static RgbImage halves() {
        RgbImage img = RgbImage.blank(16, 16);
        for (int c = 0; c < 3; c++) for (int y = 0; y < 16; y++) for (int x = 0; x < 8; x++) img.data[(c * 16 + y) * 16 + x] = 1;
        return img;
    }

    private static RgbImage noise(int n, long seed) {
        RgbImage img = RgbImage.blank(n, n);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < img.data.length; i++) img.data[i] = (float) r.nextDouble();
        return img;
    }

    @Test void flipWithHalfProbabilityFlipsAboutHalf() {
        Preprocessor p = new Preprocessor(TransformConfig.eval(16).withoutNormalization().withFlip(0.5), new ImageDecoder());
        RgbImage src = halves();
        int flipped = 0;
        for (int i = 0; i < 2000; i++) {
            RgbImage out = p.transform(src, new SplittableRandom(i));
            if (out.get(0, 0, 0) < 0.5) flipped++;
        }
        assertTrue(flipped > 900 && flipped < 1100, "flipped " + flipped + " of 2000");
        assertEquals(1f, src.get(0, 0, 0), "the input is not modified");
    }

    @Test void probabilityZeroAndOneAreExact() {
        RgbImage src = halves();
        Preprocessor never = new Preprocessor(TransformConfig.eval(16).withoutNormalization(), new ImageDecoder());
        Preprocessor always = new Preprocessor(TransformConfig.eval(16).withoutNormalization().withFlip(1), new ImageDecoder());
        for (int i = 0; i < 50; i++) {
            assertEquals(1f, never.transform(src, new SplittableRandom(i)).get(0, 0, 0));
            assertEquals(0f, always.transform(src, new SplittableRandom(i)).get(0, 0, 0));
        }
    }

    private static double highFrequencyEnergy(RgbImage img) {
        double e = 0;
        for (int c = 0; c < 3; c++) for (int y = 0; y < img.height; y++) for (int x = 1; x < img.width; x++) {
            double d = img.get(c, x, y) - img.get(c, x - 1, y);
            e += d * d;
        }
        return e;
    }

    @Test void blurReducesHighFrequencyEnergyMoreForLargerSigma() {
        RgbImage a = noise(32, 1), b = a.copy(), c = a.copy();
        GaussianBlur.apply(b, 0.8);
        GaussianBlur.apply(c, 2.5);
        double ea = highFrequencyEnergy(a), eb = highFrequencyEnergy(b), ec = highFrequencyEnergy(c);
        assertTrue(eb < 0.4 * ea && ec < 0.3 * eb, ea + " " + eb + " " + ec);
        double meanA = 0, meanC = 0;
        for (int i = 0; i < a.data.length; i++) { meanA += a.data[i]; meanC += c.data[i]; }
        assertEquals(meanA / a.data.length, meanC / a.data.length, 0.01, "blur keeps the mean");
    }

    @Test void blurAugmentationAppliesWithItsProbability() {
        Preprocessor p = new Preprocessor(TransformConfig.eval(32).withoutNormalization().withBlur(0.3, 1, 3), new ImageDecoder());
        RgbImage src = noise(32, 2);
        double e0 = highFrequencyEnergy(src);
        int blurred = 0;
        for (int i = 0; i < 400; i++) if (highFrequencyEnergy(p.transform(src, new SplittableRandom(i))) < 0.5 * e0) blurred++;
        assertTrue(blurred > 90 && blurred < 150, "blurred " + blurred + " of 400");
    }

    @Test void jpegRecompressionChangesPixelsMoreAtLowQuality() {
        RgbImage src = noise(32, 3);
        GaussianBlur.apply(src, 1.5); // photo-like: JPEG at 4:2:0 wipes pure colour noise at any quality
        double err95 = mse(src, JpegCodec.roundTrip(src, 95)), err30 = mse(src, JpegCodec.roundTrip(src, 30));
        assertTrue(err95 > 0 && err30 > 2 * err95, err95 + " " + err30);
        Preprocessor p = new Preprocessor(TransformConfig.eval(32).withoutNormalization().withJpeg(1, 30, 100), new ImageDecoder());
        assertTrue(mse(src, p.transform(src, new SplittableRandom(5))) > 0);
    }

    private static double mse(RgbImage a, RgbImage b) {
        double s = 0;
        for (int i = 0; i < a.data.length; i++) s += (a.data[i] - b.data[i]) * (a.data[i] - b.data[i]);
        return s / a.data.length;
    }

    @Test void areaDownscaleAveragesBlocksAndBilinearUpscaleInterpolates() {
        RgbImage src = noise(8, 4);
        RgbImage half = Resize.resize(src, 4, 4);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) {
            float want = (src.get(1, 2 * x, 2 * y) + src.get(1, 2 * x + 1, 2 * y) + src.get(1, 2 * x, 2 * y + 1) + src.get(1, 2 * x + 1, 2 * y + 1)) / 4;
            assertEquals(want, half.get(1, x, y), 1e-5);
        }
        RgbImage thirds = Resize.resize(noise(9, 5), 2, 3); // 4.5 and 3 source pixels per output: weights sum to 1
        assertEquals(2, thirds.width);
        RgbImage line = RgbImage.blank(2, 1);
        line.data[1] = 1; // red: 0, 1
        RgbImage up = Resize.resize(line, 4, 1); // half-pixel centres: 0, 0.25, 0.75, 1
        assertArrayEquals(new float[]{0, 0.25f, 0.75f, 1}, java.util.Arrays.copyOf(up.data, 4), 1e-6f);
        RgbImage same = Resize.resize(src, 8, 8);
        assertArrayEquals(src.data, same.data, 1e-6f);
    }

    @Test void cropResizesBackAndNormalizationUsesMeanStd() {
        TransformConfig cfg = TransformConfig.eval(8).withCrop(1, 0.5);
        Preprocessor p = new Preprocessor(cfg, new ImageDecoder());
        RgbImage out = p.transform(noise(32, 6), new SplittableRandom(1));
        assertEquals(8, out.width);
        assertEquals(8, out.height);
        float[] dst = new float[3 * 64];
        RgbImage grey = RgbImage.blank(8, 8);
        java.util.Arrays.fill(grey.data, 0.5f);
        p.write(grey, dst, 0);
        assertEquals((0.5f - 0.485f) / 0.229f, dst[0], 1e-5);
        assertEquals((0.5f - 0.406f) / 0.225f, dst[2 * 64], 1e-5);
    }

    @Test void configValidates() {
        assertThrows(IllegalArgumentException.class, () -> TransformConfig.eval(0));
        assertThrows(IllegalArgumentException.class, () -> TransformConfig.eval(8).withFlip(1.5));
        assertThrows(IllegalArgumentException.class, () -> TransformConfig.eval(8).withJpeg(0.5, 50, 20));
        TransformConfig c = TransformConfig.cnnDetection(224, 0.5);
        assertEquals(3.0, c.blurSigmaMax());
        assertEquals(30, c.jpegQualityMin());
        assertTrue(c.augments());
    }
}
