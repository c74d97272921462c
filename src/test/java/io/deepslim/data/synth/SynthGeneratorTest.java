package io.deepslim.data.synth;

import io.deepslim.data.Dataset;
import io.deepslim.data.Layouts;
import io.deepslim.data.RgbImage;
import io.deepslim.data.Sample;
import io.deepslim.data.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

class SynthGeneratorTest {
    @TempDir Path tmp;

    @Test void writesForenSynthsLayoutDeterministicallyForAnyThreadCount() throws Exception {
        SynthConfig cfg = SynthConfig.defaults(32, 3, 1, 2, 9).withThreads(1);
        AtomicLong last = new AtomicLong();
        long n = SynthGenerator.generate(tmp.resolve("a"), cfg, (done, total) -> last.accumulateAndGet(done, Math::max));
        assertEquals(cfg.total(), n);
        assertEquals(2 * 5 * 6, n);
        assertEquals(n, last.get(), "progress reaches the total");
        assertEquals(n, SynthGenerator.generate(tmp.resolve("b"), cfg.withThreads(3), null), "count without a progress callback");

        Dataset d = Layouts.detect(tmp.resolve("a"), 0);
        assertEquals("forensynths", d.layout());
        assertEquals(30, d.split(Split.TRAIN).size());
        assertEquals(10, d.split(Split.VAL).size());
        assertEquals(20, d.split(Split.TEST).size());
        for (FakeFamily f : FakeFamily.values()) {
            assertEquals(6, d.generator(f.id()).count(1));
            assertEquals(6, d.generator(f.id()).count(0));
        }
        for (Sample s : d.samples()) {
            Path twin = tmp.resolve("b").resolve(tmp.resolve("a").relativize(s.path()));
            assertArrayEquals(Files.readAllBytes(s.path()), Files.readAllBytes(twin), s.path().toString());
        }
        assertTrue(Files.exists(tmp.resolve("a/synth.json")));
    }

    @Test void realImagesAreIndependentDrawsAndSplitsDiffer() {
        SynthGenerator g = new SynthGenerator(SynthConfig.defaults(32, 0, 0, 0, 3));
        RgbImage a = g.render(Split.TRAIN, FakeFamily.TCONV, 0, 0);
        assertFalse(Arrays.equals(a.data, g.render(Split.TRAIN, FakeFamily.VAE8, 0, 0).data), "real of another family folder");
        assertFalse(Arrays.equals(a.data, g.render(Split.TEST, FakeFamily.TCONV, 0, 0).data), "same index in another split");
        assertFalse(Arrays.equals(a.data, g.render(Split.TRAIN, FakeFamily.TCONV, 0, 1).data));
        assertArrayEquals(a.data, g.render(Split.TRAIN, FakeFamily.TCONV, 0, 0).data, "deterministic");
        assertFalse(Arrays.equals(a.data, new SynthGenerator(SynthConfig.defaults(32, 0, 0, 0, 4)).render(Split.TRAIN, FakeFamily.TCONV, 0, 0).data));
        assertEquals(32, g.renderFinal(Split.VAL, FakeFamily.SR, 1, 5).width);
        assertEquals(20, new SynthGenerator(SynthConfig.defaults(20, 0, 0, 0, 3)).render(Split.TRAIN, FakeFamily.VAE8, 1, 0).width, "sizes that are not multiples of 8");
    }

    @Test void strengthZeroRemovesTheFamilyTrace() {
        SynthConfig full = SynthConfig.defaults(32, 0, 0, 0, 5);
        SynthConfig none = full.withStrengths(Map.of(FakeFamily.TCONV, 0.0));
        double dFull = checkerboard(new SynthGenerator(full), 40), dNone = checkerboard(new SynthGenerator(none), 40);
        assertTrue(dFull > 4 * dNone, "checkerboard energy full " + dFull + " vs none " + dNone);
    }

    /** Mean energy of the (−1)^(x+y) component of the grey image, over n fakes. */
    private static double checkerboard(SynthGenerator g, int n) {
        double e = 0;
        for (int i = 0; i < n; i++) {
            RgbImage img = g.render(Split.TRAIN, FakeFamily.TCONV, 1, i);
            double s = 0;
            int p = img.plane();
            for (int y = 0; y < img.height; y++) for (int x = 0; x < img.width; x++) {
                int k = y * img.width + x;
                s += ((x + y) % 2 == 0 ? 1 : -1) * (img.data[k] + img.data[p + k] + img.data[2 * p + k]);
            }
            e += (s / p) * (s / p);
        }
        return e / n;
    }

    @Test void configValidation() {
        assertThrows(IllegalArgumentException.class, () -> SynthConfig.defaults(4, 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> SynthConfig.defaults(32, 1, 1, 1, 1).withStrengths(Map.of(FakeFamily.SR, 2.0)));
        assertThrows(IllegalArgumentException.class, () -> SynthConfig.defaults(32, 1, 1, 1, 1).withFamilies(List.of()));
        assertThrows(IllegalArgumentException.class, () -> FakeFamily.of("stylegan9"));
        assertEquals(FakeFamily.RESIZECONV, FakeFamily.of("ResizeConv"));
    }
}
