package io.deepslim.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parallelism works from any caller: a loop started inside another ForkJoinPool's task (a parallel
 * stream, a CompletableFuture) still spreads over the backend's own workers. Counts threads, not time.
 */
class ParallelPoolTest {
    /** Runs a 16-item loop whose items wait until two of them run at once (or 5 s pass); returns the threads used. */
    private static Set<Thread> threadsUsed(Parallel par) {
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        CountDownLatch together = new CountDownLatch(2);
        par.forEach(16, 1 << 20, i -> {
            seen.add(Thread.currentThread());
            together.countDown();
            try {
                together.await(5, TimeUnit.SECONDS);   // a single-threaded run waits here once, then goes on alone
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return seen;
    }

    @Test
    void usesSeveralWorkersFromInsideAForkJoinTask() throws Exception {
        Parallel par = new Parallel(4);
        ForkJoinPool outer = new ForkJoinPool(2);
        try {
            Set<Thread> fromTask = outer.submit(() -> threadsUsed(par)).get(30, TimeUnit.SECONDS);
            assertTrue(fromTask.size() > 1, "from a ForkJoinPool task the loop ran on " + fromTask.size() + " thread(s)");
        } finally {
            outer.shutdown();
        }
        Set<Thread> fromFuture = CompletableFuture.supplyAsync(() -> threadsUsed(par)).get(30, TimeUnit.SECONDS);   // common pool
        assertTrue(fromFuture.size() > 1, "from a CompletableFuture the loop ran on " + fromFuture.size() + " thread(s)");
        assertTrue(threadsUsed(par).size() > 1, "from a plain thread");
    }

    @Test
    void nestedLoopsOnItsOwnWorkersRunInline() {
        Parallel par = new Parallel(4);
        Set<Thread> inner = ConcurrentHashMap.newKeySet();
        par.forEach(4, 1 << 20, i -> {
            Thread outerThread = Thread.currentThread();
            par.forEach(8, 1 << 20, j -> assertEquals(outerThread, Thread.currentThread()));
            inner.add(outerThread);
        });
        assertTrue(inner.size() >= 1);
    }
}
