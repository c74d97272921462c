package io.deepslim.data.synth;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link SynthGenerator} writes: image side, images per class per family in each split, the fake
 * families and their strengths (0 = no trace … 1 = full trace), the JPEG quality applied to both classes
 * (0 = lossless PNG), the seed, and the number of threads.
 */
public record SynthConfig(int size, int train, int val, int test, List<FakeFamily> families,
                          Map<FakeFamily, Double> strengths, int jpegQuality, long seed, int threads) {
    /** Number of simulated real cameras (each with its own sensor pattern). */
    public static final int CAMERAS = 4;

    public SynthConfig {
        if (size < 8) throw new IllegalArgumentException("size must be at least 8: " + size);
        if (train < 0 || val < 0 || test < 0) throw new IllegalArgumentException("counts must be ≥ 0");
        if (families.isEmpty()) throw new IllegalArgumentException("at least one family");
        if (jpegQuality < 0 || jpegQuality > 100) throw new IllegalArgumentException("jpegQuality 0 (PNG) or 1..100: " + jpegQuality);
        if (threads <= 0) throw new IllegalArgumentException("threads must be positive");
        families = List.copyOf(families);
        Map<FakeFamily, Double> s = new EnumMap<>(FakeFamily.class);
        for (FakeFamily f : families) {
            double v = strengths.getOrDefault(f, 1.0);
            if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException("strength of " + f.id() + " must be in [0,1]: " + v);
            s.put(f, v);
        }
        strengths = Map.copyOf(s);
    }

    /** All five families at full strength, JPEG 90, one thread per processor. */
    public static SynthConfig defaults(int size, int train, int val, int test, long seed) {
        return new SynthConfig(size, train, val, test, List.of(FakeFamily.values()), Map.of(), 90, seed,
                Runtime.getRuntime().availableProcessors());
    }

    /** Strength of family {@code f}. */
    public double strength(FakeFamily f) { return strengths.getOrDefault(f, 1.0); }

    /** Images written in total (both classes, all families and splits). */
    public long total() { return 2L * families.size() * ((long) train + val + test); }

    public SynthConfig withFamilies(List<FakeFamily> f) { return new SynthConfig(size, train, val, test, f, strengths, jpegQuality, seed, threads); }

    public SynthConfig withStrengths(Map<FakeFamily, Double> s) { return new SynthConfig(size, train, val, test, families, s, jpegQuality, seed, threads); }

    public SynthConfig withJpegQuality(int q) { return new SynthConfig(size, train, val, test, families, strengths, q, seed, threads); }

    public SynthConfig withThreads(int t) { return new SynthConfig(size, train, val, test, families, strengths, jpegQuality, seed, t); }
}
