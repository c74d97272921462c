package io.deepslim.data;

import io.deepslim.data.synth.FakeFamily;
import io.deepslim.data.synth.SynthConfig;
import io.deepslim.data.synth.SynthGenerator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Not a unit test: measures loader throughput at 224 px from 256 px JPEGs (the 140k-faces format) with
 * the default worker count, with CNNDetection augmentation, and from the uint8 cache.
 * Run: {@code mvn -q -o test-compile && java -cp target/classes:target/test-classes:$(cat cp.txt) io.deepslim.data.LoaderBench [images]}
 */
public final class LoaderBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Path dir = Files.createTempDirectory("deepslim-bench");
        int perClass = (n + 1) / 2;
        SynthGenerator.generate(dir, new SynthConfig(256, perClass, 0, 0, List.of(FakeFamily.TCONV), java.util.Map.of(), 90, 1,
                Runtime.getRuntime().availableProcessors()), null);
        Dataset d = Layouts.detect(dir, 0).split(Split.TRAIN);
        int workers = Runtime.getRuntime().availableProcessors();
        System.out.printf("%d JPEGs of 256x256 (q90), output 224x224, batch 64, %d workers (default)%n", d.size(), workers);
        ImageDecoder dec = new ImageDecoder();
        SkipLog log = SkipLog.logging();
        LoaderConfig cfg = LoaderConfig.training(64, 1);
        time("JPEG -> 224, eval transform", ImageSource.files(d.samples(), dec), new Preprocessor(TransformConfig.eval(224), dec), cfg, log);
        time("JPEG -> 224, CNNDetection aug p=0.5", ImageSource.files(d.samples(), dec), new Preprocessor(TransformConfig.cnnDetection(224, 0.5), dec), cfg, log);
        Path cacheFile = dir.resolve("cache-224.u8");
        long t0 = System.nanoTime();
        try (ImageCache c = ImageCache.openOrBuild(cacheFile, d.samples(), 224, dec, workers, log, false)) {
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("cache build: %.1f s (%.0f images/s), %d MB%n", s, d.size() / s, Files.size(cacheFile) >> 20);
            time("cache -> 224, eval transform", c, new Preprocessor(TransformConfig.eval(224), dec), cfg, log);
            time("cache -> 224, flip only", c, new Preprocessor(TransformConfig.eval(224).withFlip(0.5), dec), cfg, log);
        }
    }

    private static void time(String what, ImageSource src, Preprocessor pre, LoaderConfig cfg, SkipLog log) {
        try (DataLoader l = new DataLoader(src, pre, cfg, log)) {
            for (Batch b : l.epoch(0)) { if (b.count() == 0) throw new AssertionError(); } // warm-up epoch
            long t0 = System.nanoTime();
            int n = 0;
            for (int e = 1; e <= 2; e++) for (Batch b : l.epoch(e)) n += b.count();
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%-40s %7.0f images/s%n", what, n / s);
        }
    }
}
