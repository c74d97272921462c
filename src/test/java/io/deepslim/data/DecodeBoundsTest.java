package io.deepslim.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Decode memory is bounded: big headers are refused, large images are decoded subsampled, failures name the file. */
class DecodeBoundsTest {
    @TempDir Path tmp;

    @Test void defaultCapRefusesA100MegapixelHeaderBeforeDecoding() throws Exception {
        Path bomb = Bombs.headerOnly(tmp.resolve("bomb.png"), 10_000, 10_000);
        ImageTooLargeException e = assertThrows(ImageTooLargeException.class, () -> new ImageDecoder().probe(bomb));
        assertTrue(e.getMessage().contains("bomb.png") && e.getMessage().contains("10000x10000"), e.getMessage());
        assertThrows(ImageTooLargeException.class, () -> new ImageDecoder().decode(bomb, 32));
        // the cap is a setting: raised, the same header is accepted (then the missing data is the error)
        assertArrayEquals(new int[]{10_000, 10_000}, new ImageDecoder().withMaxPixels(200_000_000L).probe(bomb));
        assertThrows(IllegalArgumentException.class, () -> new ImageDecoder().withMaxPixels(0));
    }

    @Test void largeImagesAreDecodedSubsampledWithinTheBudget() throws Exception {
        Path big = Bombs.png(tmp.resolve("big.png"), 5000, 4000, 0x0AC81E, false); // 20 MP, above the 16 MP full-decode budget
        ImageDecoder dec = new ImageDecoder();
        RgbImage forTraining = dec.decode(big, 32);
        assertTrue(forTraining.height >= 4 * 32 && forTraining.height < 8 * 32, "about 4× the training size: " + forTraining.height);
        assertEquals(5000.0 / 4000, (double) forTraining.width / forTraining.height, 0.02, "aspect ratio kept");
        RgbImage anySize = dec.decode(big);
        assertTrue((long) anySize.width * anySize.height <= ImageDecoder.DEFAULT_MAX_DECODE_PIXELS, anySize.width + "x" + anySize.height);
        assertTrue(anySize.width >= 2500, "no smaller than the budget needs: " + anySize.width);
        for (RgbImage img : new RgbImage[]{forTraining, anySize}) {
            assertEquals(0x0A / 255f, img.get(0, 7, 5), 1e-6);
            assertEquals(0xC8 / 255f, img.get(1, img.width - 1, img.height - 1), 1e-6);
            assertEquals(0x1E / 255f, img.get(2, 3, img.height / 2), 1e-6);
        }
    }

    @Test void imagesWithinTheBudgetDecodeExactlyAsBefore() throws Exception {
        Path f = Fixtures.image(tmp.resolve("small.png"), 300, 200, 3);
        ImageDecoder dec = new ImageDecoder();
        RgbImage full = dec.decode(f), hinted = dec.decode(f, 32);
        assertEquals(300, hinted.width);
        assertEquals(200, hinted.height);
        assertArrayEquals(full.data, hinted.data, 0f);
    }

    @Test void aWorkerThatFailsNamesTheFileAndTheCause() {
        ImageSource src = new ImageSource() {
            @Override public int size() { return 6; }
            @Override public int label(int i) { return i % 2; }
            @Override public String generator(int i) { return "g"; }
            @Override public String describe(int i) { return "/data/img-" + i + ".png"; }
            @Override public RgbImage image(int i) {
                if (i == 4) throw new OutOfMemoryError("Java heap space");
                return RgbImage.blank(8, 8);
            }
        };
        try (DataLoader l = new DataLoader(src, new Preprocessor(TransformConfig.eval(8), new ImageDecoder()),
                LoaderConfig.evaluation(2).withWorkers(3), new SkipLog(m -> { }))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> { for (Batch b : l.epoch(0)) b.count(); });
            assertTrue(e.getMessage().contains("/data/img-4.png"), e.getMessage());
            assertTrue(e.getMessage().contains("Java heap space"), e.getMessage());
        }
    }

    @Test void pluginsAreRegisteredExplicitlyOnceNotAtClassLoading() throws Exception {
        try (InputStream in = ImageDecoder.class.getResourceAsStream("ImageDecoder.class")) {
            String bytes = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertFalse(bytes.contains("<clinit>"), "ImageDecoder must not have a static initializer");
        }
        ImageDecoder.registerPlugins();
        int before = count(ImageIO.getImageReadersByFormatName("jpeg"));
        ImageDecoder.registerPlugins();
        assertEquals(before, count(ImageIO.getImageReadersByFormatName("jpeg")), "registering twice changes nothing");
        assertTrue(before >= 2, "TwelveMonkeys' JPEG reader is registered beside the JDK's");
    }

    private static int count(Iterator<ImageReader> it) {
        int n = 0;
        for (; it.hasNext(); it.next()) n++;
        return n;
    }

    /**
     * Six PNGs of ~60 KB declaring 20 MP (about 320 MB each decoded as float RGB), and one declaring 100 MP,
     * loaded with four workers in a JVM of 256 MB: nothing dies, the huge header is skipped by name.
     */
    @Test void bombFolderLoadsInASmallHeap() throws Exception {
        Path root = tmp.resolve("bombs");
        Path first = Bombs.png(root.resolve("real/r0.png"), 4500, 4500, 0x336699, true);
        assertTrue(Files.size(first) < 100_000, "a bomb is small on disk: " + Files.size(first));
        Bombs.headerOnly(root.resolve("fake/huge.png"), 10_000, 10_000);
        for (String n : new String[]{"real/r1.png", "real/r2.png", "fake/f0.png", "fake/f1.png", "fake/f2.png"}) {
            Files.copy(first, root.resolve(n));
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), BombLoadMain.class.getName(), root.toString(), "4"));
        Path log = tmp.resolve("child.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child finished");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("loaded 6 skipped 1"), out);
        assertTrue(out.contains("huge.png") && out.contains("10000x10000"), out);
    }
}
