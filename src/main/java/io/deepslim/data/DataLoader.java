package io.deepslim.data;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Streams batches of preprocessed images from an {@link ImageSource}. Decoding runs on a pool of
 * {@code workers} threads, at most {@code prefetchBatches} batches ahead of the consumer, so memory stays
 * bounded whatever the dataset size. Each image is decoded into its own slot of the batch array with a
 * random stream derived from (seed, epoch, image index), so the output for a seed does not depend on the
 * number of threads or on timing. Bad files are skipped (and logged in the {@link SkipLog}) unless strict.
 * One epoch is iterated at a time; starting another cancels the previous one. Close to stop the threads.
 */
public final class DataLoader implements AutoCloseable {
    private final ImageSource source;
    private final Preprocessor pre;
    private final LoaderConfig cfg;
    private final SkipLog skips;
    private final ExecutorService pool;
    private EpochIterator current;

    public DataLoader(ImageSource source, Preprocessor pre, LoaderConfig cfg, SkipLog skips) {
        this.source = source;
        this.pre = pre;
        this.cfg = cfg;
        this.skips = skips;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(cfg.workers(), r -> {
            Thread t = new Thread(r, "deepslim-loader-" + n.incrementAndGet());
            t.setDaemon(true); // a loader that is never closed must not keep the JVM alive
            return t;
        });
    }

    /** Number of images in the source (before skipping bad ones). */
    public int size() { return source.size(); }

    /** Number of batches per epoch if no file is skipped. */
    public int batchesPerEpoch() {
        int n = source.size(), b = cfg.batchSize();
        return cfg.dropLast() ? n / b : (n + b - 1) / b;
    }

    /** The skip log shared by all epochs. */
    public SkipLog skips() { return skips; }

    /** The order in which epoch {@code epoch} visits the source's images. */
    public int[] order(int epoch) {
        int n = source.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (cfg.shuffle()) {
            SplittableRandom r = new SplittableRandom(Seeds.mix(cfg.seed(), epoch, -1L));
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = order[i]; order[i] = order[j]; order[j] = t;
            }
        }
        return order;
    }

    /** The batches of epoch {@code epoch}; iterate it once. */
    public synchronized Iterable<Batch> epoch(int epoch) {
        return () -> start(epoch);
    }

    private synchronized Iterator<Batch> start(int epoch) {
        if (pool.isShutdown()) throw new IllegalStateException("loader is closed");
        if (current != null) current.cancel();
        current = new EpochIterator(epoch, order(epoch));
        return current;
    }

    @Override public synchronized void close() {
        if (current != null) current.cancel();
        pool.shutdownNow();
    }

    /** The error for a decode thread that died on {@code where} (an Error such as OutOfMemoryError). */
    static IllegalStateException workerFailed(String where, Throwable cause) {
        String hint = cause instanceof OutOfMemoryError
                ? "; use fewer --workers, a lower --max-pixels, or a larger Java heap (-Xmx)" : "";
        return new IllegalStateException("loader worker failed on " + where + ": " + cause + hint, cause);
    }

    /** One batch being decoded: its images' source indices, the shared output array, and per-slot outcome. */
    private static final class Pending {
        final int[] idx;
        final float[] data;
        final Future<?>[] futures;
        final String[] error;
        final BadImageException[] cause;

        Pending(int[] idx, int per) {
            this.idx = idx;
            this.data = new float[idx.length * per];
            this.futures = new Future<?>[idx.length];
            this.error = new String[idx.length];
            this.cause = new BadImageException[idx.length];
        }
    }

    private final class EpochIterator implements Iterator<Batch> {
        private final int epoch;
        private final int[] order;
        private final int nBatches;
        private final ArrayDeque<Pending> inflight = new ArrayDeque<>();
        private int submitted;
        private Batch peeked;

        EpochIterator(int epoch, int[] order) {
            this.epoch = epoch;
            this.order = order;
            int b = cfg.batchSize();
            this.nBatches = cfg.dropLast() ? order.length / b : (order.length + b - 1) / b;
            fill();
        }

        private void fill() {
            while (inflight.size() < cfg.prefetchBatches() && submitted < nBatches) inflight.add(submit(submitted++));
        }

        private Pending submit(int b) {
            int from = b * cfg.batchSize(), to = Math.min(order.length, from + cfg.batchSize());
            int[] idx = java.util.Arrays.copyOfRange(order, from, to);
            int s = pre.config().size(), per = 3 * s * s;
            Pending p = new Pending(idx, per);
            for (int k = 0; k < idx.length; k++) {
                final int slot = k;
                p.futures[k] = pool.submit(() -> decode(p, slot, per));
            }
            return p;
        }

        private void decode(Pending p, int slot, int per) {
            int i = p.idx[slot];
            try {
                SplittableRandom rng = new SplittableRandom(Seeds.mix(cfg.seed(), epoch, i));
                pre.write(pre.transform(source.image(i), rng), p.data, slot * per);
            } catch (BadImageException e) {
                p.error[slot] = e.getMessage();
                p.cause[slot] = e;
            } catch (RuntimeException e) {
                // a reader bug on one hostile file must not end a long run
                p.error[slot] = "unexpected " + e;
                p.cause[slot] = new BadImageException(null, source.describe(i) + ": " + e, e);
            }
        }

        @Override public boolean hasNext() {
            while (peeked == null && !inflight.isEmpty()) {
                peeked = finish(inflight.poll());
                fill();
            }
            return peeked != null;
        }

        @Override public Batch next() {
            if (!hasNext()) throw new NoSuchElementException();
            Batch b = peeked;
            peeked = null;
            return b;
        }

        /** Waits for a batch and compacts out skipped slots; null when every image in it was bad. */
        private Batch finish(Pending p) {
            for (int k = 0; k < p.futures.length; k++) {
                try {
                    p.futures[k].get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while loading", e);
                } catch (ExecutionException e) {
                    throw workerFailed(source.describe(p.idx[k]), e.getCause());
                }
            }
            int s = pre.config().size(), per = 3 * s * s, n = 0;
            for (int k = 0; k < p.idx.length; k++) {
                if (p.error[k] == null) { n++; continue; }
                if (cfg.strict()) throw new IllegalStateException("strict mode: bad image " + p.error[k], p.cause[k]);
                skips.skip(source.describe(p.idx[k]), p.error[k]);
            }
            if (n == 0) return null;
            float[] data = n == p.idx.length ? p.data : new float[n * per];
            int[] labels = new int[n], idx = new int[n];
            String[] gens = new String[n];
            int j = 0;
            for (int k = 0; k < p.idx.length; k++) {
                if (p.error[k] != null) continue;
                if (data != p.data) System.arraycopy(p.data, k * per, data, j * per, per);
                idx[j] = p.idx[k];
                labels[j] = source.label(p.idx[k]);
                gens[j] = source.generator(p.idx[k]);
                j++;
            }
            return new Batch(data, labels, gens, idx, s);
        }

        void cancel() {
            for (Pending p : inflight) for (Future<?> f : p.futures) f.cancel(false);
            inflight.clear();
            submitted = nBatches;
        }
    }
}
