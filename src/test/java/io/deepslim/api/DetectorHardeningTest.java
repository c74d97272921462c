package io.deepslim.api;

import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The embedded path under stress: many threads on one detector, native memory over many predictions and
 * over repeated load/close, and hostile images. Sizes scale with -Ddeepslim.hardening.scale (default 1).
 */
class DetectorHardeningTest {
    static final int SCALE = Integer.getInteger("deepslim.hardening.scale", 1);
    @TempDir static Path dir;
    static Path dense, pruned;
    static List<BufferedImage> images = new ArrayList<>();
    static List<byte[]> encoded = new ArrayList<>();

    @BeforeAll
    static void fixtures() throws Exception {
        dense = ApiFixtures.denseModel(dir, 7);
        pruned = ApiFixtures.prunedModel(dir, 8);
        for (int i = 0; i < 12; i++) {
            BufferedImage bi = ApiFixtures.image(48 + 3 * i, 64 - 2 * i, 300 + i);
            images.add(bi);
            encoded.add(ApiFixtures.png(bi));
        }
    }

    @Test
    void eightThreadsGiveExactlyTheSequentialResults() throws Exception {
        for (Path model : List.of(dense, pruned)) {
            try (Detector d = Detector.load(model)) {
                assertConcurrentEqualsSequential(d, 8, (model == dense ? 300 : 100) * SCALE); // 2,400 and 800 predictions at scale 1
            }
        }
    }

    @Test
    void fusedCompressedGraphsAreSafeToShareBetweenThreads(@TempDir Path tmp) throws Exception {
        // the 90%-pruned vgg45m runs its sparse kernels (cached per-geometry offsets, per-thread tiles) and the int8 one
        // its chained int8 convs, each with BN, ReLU and pools fused: the kernels' shared state must not leak between callers
        for (String how : List.of("prune90", "int8")) {
            try (Detector d = Detector.load(ApiFixtures.compressedVgg(tmp, how, 31, 32))) {
                assertConcurrentEqualsSequential(d, 4, 40 * SCALE);
            }
        }
    }

    /** {@code threads} threads × {@code perThread} predictions on one detector, alternating input kinds: each equals the sequential answer. */
    private static void assertConcurrentEqualsSequential(Detector d, int threads, int perThread) throws Exception {
        String model = d.modelFile().getFileName().toString();
        double[] expected = new double[images.size()];
        for (int i = 0; i < expected.length; i++) expected[i] = d.predict(images.get(i)).pFake();
        assertTrue(Arrays.stream(expected).distinct().count() > images.size() / 2, model + ": fixture images must score differently");
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> jobs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t;
                jobs.add(pool.submit(() -> {
                    start.await();
                    int done = 0;
                    for (int r = 0; r < perThread; r++) {
                        int i = (r * 5 + offset) % images.size();
                        // alternate input kinds so the decoder runs concurrently as well
                        Prediction p = r % 2 == 0 ? d.predict(images.get(i)) : d.predict(encoded.get(i));
                        if (p.pFake() != expected[i]) {
                            throw new AssertionError(model + " thread " + offset + " round " + r + " image " + i
                                    + ": " + p.pFake() + " != " + expected[i]);
                        }
                        done++;
                    }
                    return done;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : jobs) total += f.get();
            assertEquals(threads * perThread, total);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nativeMemoryStaysFlatOverManyPredictions() throws Exception {
        int n = 10_000; // at 32 px, so that CI stays quick
        try (Detector d = Detector.load(ApiFixtures.prunedModel(dir, 9, 32))) {
            for (int i = 0; i < 50; i++) d.predict(images.get(i % images.size())); // warm-up: workspaces allocated once
            long before = Pointer.totalBytes();
            long peak = before;
            for (int i = 0; i < n; i++) {
                d.predict(images.get(i % images.size()));
                if (i % 500 == 0) peak = Math.max(peak, Pointer.totalBytes());
            }
            long after = Pointer.totalBytes();
            assertTrue(after - before <= 64 * 1024, "native bytes grew from " + before + " to " + after + " over " + n + " predictions");
            assertTrue(peak - before <= 4L << 20, "native bytes peaked " + (peak - before) + " above the start");
        }
    }

    @Test
    void repeatedLoadAndCloseOfADenseModelReturnsEveryNativeByte() throws Exception {
        cycle(dense, 3); // warm-up: backend workspaces, class loading
        // storages left unreachable by earlier tests are freed by GC at unpredictable times: settle them first,
        // so the baseline is not lowered under our feet (the cycles below then run without any GC help)
        long before = settle(Long.MIN_VALUE);
        long one = held(dense, before);
        cycle(dense, 30);
        long after = Pointer.totalBytes();
        // no garbage collection involved: close() itself frees the weights
        assertTrue(after - before <= 64 * 1024, "native bytes " + before + " → " + after + " after 30 load/close cycles (one model holds " + one + ")");
    }

    @Test
    void repeatedLoadAndCloseOfACompressedModelStaysBounded() throws Exception {
        // the compressed-file reader allocates its encoded tensors outside any scope; they are garbage, reclaimed by GC
        cycle(pruned, 3);
        long before = settle(Long.MIN_VALUE);
        long one = held(pruned, before);
        cycle(pruned, 30);
        long after = settle(before + 64 * 1024);
        assertTrue(after - before <= 64 * 1024, "native bytes " + before + " → " + after + " after 30 load/close cycles and GC (one model holds " + one + ")");
    }

    /** Native bytes one loaded model holds while open. */
    private static long held(Path model, long before) throws Exception {
        long one;
        try (Detector d = Detector.load(model)) {
            d.predict(images.get(0));
            one = Pointer.totalBytes() - before;
        }
        assertTrue(one > 100_000, "a loaded model must hold native memory, or this test measures nothing: " + one);
        return one;
    }

    /** Native bytes after garbage collection has had a chance to release unreachable storages (stops early at {@code target}). */
    private static long settle(long target) throws InterruptedException {
        long bytes = Pointer.totalBytes();
        for (int i = 0; i < 20 && bytes > target; i++) {
            System.gc();
            Thread.sleep(100);
            bytes = Pointer.totalBytes();
        }
        return bytes;
    }

    private static void cycle(Path model, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            try (Detector d = Detector.load(model)) {
                d.predict(images.get(i % images.size()));
            }
        }
    }

    @Test
    void badImagesThrowTheDocumentedExceptionAndTheDetectorKeepsWorking() throws Exception {
        byte[] good = encoded.get(3);
        byte[] jpeg = ApiFixtures.encode(images.get(4), "jpeg");
        byte[] corrupt = good.clone();
        for (int i = 40; i < corrupt.length; i += 7) corrupt[i] ^= 0x5A; // header intact, data scrambled
        List<byte[]> bad = List.of(
                new byte[0],                                        // empty
                Arrays.copyOf(jpeg, jpeg.length / 2),               // truncated JPEG
                Arrays.copyOf(good, good.length / 3),               // truncated PNG
                corrupt,                                            // corrupt PNG data
                ApiFixtures.pngClaiming(200_000, 200_000),          // huge dimensions, refused from the header
                ApiFixtures.pngClaiming(0, 10),                     // impossible dimensions
                "not an image at all".getBytes(),                   // wrong format: text
                new byte[]{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0});      // wrong format: zip
        try (Detector d = Detector.load(dense, DetectorOptions.defaults().withImageLimits(1 << 20, 4096, 4096L * 4096))) {
            double want = d.predict(good).pFake();
            int i = 0;
            for (byte[] b : bad) {
                int k = i++;
                InvalidImageException e = assertThrows(InvalidImageException.class, () -> d.predict(b), "bad input " + k);
                assertFalse(e.getMessage().isBlank());
                assertThrows(InvalidImageException.class, () -> d.predict(new ByteArrayInputStream(b)), "bad stream " + k);
                Path f = Files.write(dir.resolve("bad" + k + ".png"), b);
                assertThrows(InvalidImageException.class, () -> d.predict(f), "bad file " + k);
                assertEquals(want, d.predict(good).pFake(), "detector still works after bad input " + k);
            }
            byte[] tooLong = new byte[(1 << 20) + 1];
            System.arraycopy(good, 0, tooLong, 0, good.length);
            InvalidImageException e = assertThrows(InvalidImageException.class, () -> d.predict((InputStream) new ByteArrayInputStream(tooLong)));
            assertTrue(e.getMessage().contains("limit"), e.getMessage());
            assertThrows(InvalidImageException.class, () -> d.predict(new BufferedImage(4097, 2, BufferedImage.TYPE_INT_RGB)));
            assertThrows(InvalidImageException.class, () -> d.predict((BufferedImage) null));
            assertThrows(InvalidImageException.class, () -> d.predict(dir.resolve("missing.png")));
            List<Path> batch = List.of(Files.write(dir.resolve("ok.png"), good), dir.resolve("bad6.png"));
            InvalidImageException be = assertThrows(InvalidImageException.class, () -> d.predictFiles(batch));
            assertTrue(be.getMessage().contains("bad6.png"), be.getMessage());
            assertEquals(want, d.predict(good).pFake());
        }
    }
}
