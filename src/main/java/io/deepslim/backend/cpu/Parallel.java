package io.deepslim.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * A small fork-join helper owned by one CPU backend: its own pool (never the common pool), so work
 * splits the same whether the caller is a plain thread, a parallel stream, a CompletableFuture or
 * any other ForkJoinPool task. Only calls from this pool's own workers (nested loops) run inline.
 */
final class Parallel {
    private final ForkJoinPool pool;
    private final int threads;

    Parallel(int threads) {
        this.threads = Math.max(1, threads);
        this.pool = this.threads > 1 ? new ForkJoinPool(this.threads) : null;
    }

    int threads() { return threads; }

    /**
     * Runs body(i) for i in [0, n). Splits only when {@code workPerItem * n} is large enough to
     * repay a fork, so tiny tensors stay on the calling thread.
     */
    void forEach(int n, long workPerItem, IntConsumer body) {
        if (pool == null || n < 2 || workPerItem * n < 32_768 || inOwnPool()) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        int chunks = Math.min(n, threads * 4);
        pool.invoke(new Range(0, n, (n + chunks - 1) / chunks, body));
    }

    /** True on one of this pool's workers: the outer loop already spreads over every thread. */
    private boolean inOwnPool() {
        return Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool;
    }

    private static final class Range extends RecursiveAction {
        private final int lo, hi, grain;
        private final IntConsumer body;

        Range(int lo, int hi, int grain, IntConsumer body) {
            this.lo = lo;
            this.hi = hi;
            this.grain = grain;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (hi - lo <= grain) {
                for (int i = lo; i < hi; i++) body.accept(i);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Range(lo, mid, grain, body), new Range(mid, hi, grain, body));
        }
    }
}
