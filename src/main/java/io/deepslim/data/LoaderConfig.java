package io.deepslim.data;

/**
 * How a {@link DataLoader} batches: batch size, per-epoch shuffling by (seed, epoch), decode threads,
 * how many batches may be decoded ahead, whether to drop a short last batch, and strict mode (a bad
 * file stops the run instead of being skipped).
 */
public record LoaderConfig(int batchSize, boolean shuffle, long seed, int workers, int prefetchBatches,
                           boolean dropLast, boolean strict) {
    public LoaderConfig {
        if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be positive: " + batchSize);
        if (workers <= 0) throw new IllegalArgumentException("workers must be positive: " + workers);
        if (prefetchBatches <= 0) throw new IllegalArgumentException("prefetchBatches must be positive: " + prefetchBatches);
    }

    /** Shuffled training batches, one decode thread per available processor, 3 batches ahead. */
    public static LoaderConfig training(int batchSize, long seed) {
        return new LoaderConfig(batchSize, true, seed, Runtime.getRuntime().availableProcessors(), 3, false, false);
    }

    /** In-order evaluation batches. */
    public static LoaderConfig evaluation(int batchSize) {
        return new LoaderConfig(batchSize, false, 0, Runtime.getRuntime().availableProcessors(), 3, false, false);
    }

    public LoaderConfig withWorkers(int w) { return new LoaderConfig(batchSize, shuffle, seed, w, prefetchBatches, dropLast, strict); }

    public LoaderConfig withStrict(boolean s) { return new LoaderConfig(batchSize, shuffle, seed, workers, prefetchBatches, dropLast, s); }

    public LoaderConfig withPrefetch(int p) { return new LoaderConfig(batchSize, shuffle, seed, workers, p, dropLast, strict); }

    public LoaderConfig withDropLast(boolean d) { return new LoaderConfig(batchSize, shuffle, seed, workers, prefetchBatches, d, strict); }
}
