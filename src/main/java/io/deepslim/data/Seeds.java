package io.deepslim.data;

/** Deterministic seed mixing (SplitMix64 finalizer), so derived random streams do not overlap by accident. */
public final class Seeds {
    private Seeds() {}

    /** A well-mixed 64-bit value of {@code a} and {@code b}; a bijection in {@code b} for a fixed {@code a}. */
    public static long mix(long a, long b) {
        return fmix(fmix(a) + b * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);
    }

    /** Mixes any number of values in order. */
    public static long mix(long a, long... rest) {
        long h = a;
        for (long r : rest) h = mix(h, r);
        return h;
    }

    /** The SplitMix64 finalizer: a bijection of 64-bit values with good avalanche. */
    public static long fmix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
