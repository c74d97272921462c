package io.deepslim.data.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.data.BadImageException;
import io.deepslim.data.ImageDecoder;
import io.deepslim.data.JpegCodec;
import io.deepslim.data.RgbImage;
import io.deepslim.data.Seeds;
import io.deepslim.data.Split;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes the synthetic real-vs-fake dataset in the ForenSynths layout:
 * {@code <out>/{train,val,test}/<family>/{0_real,1_fake}/NNNNNN.{jpg|png}}. Every image has its own
 * seed, mixed from (seed, split, family, class, index): splits never share a seed, the real images of
 * each family folder are independent draws, and the output is identical for any thread count. Both
 * classes are rendered at the same size (S rounded up to a multiple of 8, cropped to S) and go through
 * the same 8-bit quantization and JPEG encoder and quality, so neither is a shortcut.
 * Thread-safe after construction.
 */
public final class SynthGenerator {
    /** Receives progress from worker threads: images done so far out of the total. */
    @FunctionalInterface
    public interface Progress { void update(long done, long total); }

    private final SynthConfig cfg;
    private final int renderSize;
    private final CameraPipeline camera;
    private final FakeModels fakes;

    public SynthGenerator(SynthConfig cfg) {
        this.cfg = cfg;
        this.renderSize = (cfg.size() + 7) / 8 * 8;
        this.camera = new CameraPipeline(renderSize, SynthConfig.CAMERAS, cfg.seed());
        this.fakes = new FakeModels(renderSize, camera, cfg.seed());
    }

    public SynthConfig config() { return cfg; }

    /** Image {@code index} of a class (0 real, 1 fake) in a family folder of a split, before quantization. */
    public RgbImage render(Split split, FakeFamily family, int label, int index) {
        SplittableRandom rng = new SplittableRandom(Seeds.mix(cfg.seed(), 0x5EEDL, split.ordinal(), family.ordinal(), label, index));
        RgbImage scene = SceneGenerator.scene(renderSize, rng);
        RgbImage img = label == 0 ? camera.capture(scene, rng) : fakes.render(family, scene, cfg.strength(family), rng);
        return cropToSize(img);
    }

    /** The file bytes (JPEG at the configured quality, or PNG) of a rendered image. */
    public byte[] encode(RgbImage img) {
        BufferedImage bi = img.toBufferedImage();
        if (cfg.jpegQuality() > 0) return JpegCodec.encode(bi, cfg.jpegQuality());
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try {
            ImageIO.write(bi, "png", bos);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    /** The image exactly as written to disk and decoded back (values in [0,1]). */
    public RgbImage renderFinal(Split split, FakeFamily family, int label, int index) {
        try {
            return new ImageDecoder().decode(encode(render(split, family, label, index)), null);
        } catch (BadImageException e) {
            throw new IllegalStateException("could not decode a synthetic image", e);
        }
    }

    /** File name extension of the written images. */
    public String extension() { return cfg.jpegQuality() > 0 ? "jpg" : "png"; }

    /** Writes the whole dataset under {@code out} (plus {@code out/synth.json} describing it); returns the image count. */
    public static long generate(Path out, SynthConfig cfg, Progress progress) throws IOException {
        SynthGenerator g = new SynthGenerator(cfg);
        Split[] splits = {Split.TRAIN, Split.VAL, Split.TEST};
        int[] counts = {cfg.train(), cfg.val(), cfg.test()};
        List<Runnable> jobs = new ArrayList<>();
        AtomicLong done = new AtomicLong();
        long total = cfg.total();
        for (int si = 0; si < splits.length; si++) {
            if (counts[si] == 0) continue; // no empty split folders: readers treat an empty class folder as an error
            for (FakeFamily f : cfg.families()) {
                for (int label = 0; label < 2; label++) {
                    Path dir = out.resolve(splits[si].folderName()).resolve(f.id()).resolve(label == 0 ? "0_real" : "1_fake");
                    Files.createDirectories(dir);
                    for (int from = 0; from < counts[si]; from += 32) { // chunks: few tasks, smooth progress
                        int start = from, to = Math.min(counts[si], from + 32), lab = label;
                        Split split = splits[si];
                        jobs.add(() -> {
                            for (int i = start; i < to; i++) {
                                write(dir.resolve(String.format("%06d.%s", i, g.extension())), g.encode(g.render(split, f, lab, i)));
                                long d = done.incrementAndGet();
                                if (progress != null) progress.update(d, total);
                            }
                        });
                    }
                }
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(cfg.threads());
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (Runnable r : jobs) fs.add(pool.submit(r));
            for (Future<?> f : fs) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException u) throw u.getCause();
            throw new IllegalStateException("synthetic generation failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        writeDescription(out, cfg);
        return done.get();
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeDescription(Path out, SynthConfig cfg) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("generator", "deepslim synth");
        m.put("layout", "forensynths");
        m.put("size", cfg.size());
        m.put("perClassPerFamily", Map.of("train", cfg.train(), "val", cfg.val(), "test", cfg.test()));
        Map<String, Double> s = new LinkedHashMap<>();
        for (FakeFamily f : cfg.families()) s.put(f.id(), cfg.strength(f));
        m.put("families", s);
        m.put("jpegQuality", cfg.jpegQuality());
        m.put("seed", cfg.seed());
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("synth.json").toFile(), m);
    }

    private RgbImage cropToSize(RgbImage img) {
        int s = cfg.size();
        if (img.width == s) return img;
        float[] d = new float[3 * s * s];
        for (int c = 0; c < 3; c++) for (int y = 0; y < s; y++) {
            System.arraycopy(img.data, (c * img.height + y) * img.width, d, (c * s + y) * s, s);
        }
        return new RgbImage(s, s, d);
    }
}
