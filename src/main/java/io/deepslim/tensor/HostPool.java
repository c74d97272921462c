package io.deepslim.tensor;

import org.bytedeco.javacpp.BytePointer;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Keeps closed large host blocks for reuse instead of handing them back to the C library.
 *
 * <p>Why: glibc serves blocks above its mmap threshold (at most 32 MiB) with a fresh mmap and
 * unmaps them on free, so every call that allocates such a block page-faults all of it again.
 * On these VMs a first touch costs ≈ 30 µs per 4 KiB page — measured: writing a fresh 103 MB
 * block took ≈ 800 ms, the same write into a reused block ≈ 20 ms. Batch-1 activations at 224²
 * stay under the threshold and glibc recycles them; batch 8 ones (≥ 100 MB) did not, which made
 * vgg45m at batch 8 cost 3.6× per image what batch 1 does.
 *
 * <p>Blocks of at least {@code minBytes} are rounded up to a size class (8 per power of two, so
 * at most 12.5% slack) and, when closed, kept on an idle list of at most {@code maxIdleBytes}
 * (least recently closed dropped first). An allocation takes an idle block of its class if there
 * is one. Smaller blocks go straight to malloc/free.
 */
final class HostPool {
    /** The process-wide pool behind {@link Storage}: blocks ≥ 1 MiB, idle cap from {@code deepslim.hostPool.maxBytes}. */
    static final HostPool SHARED = new HostPool(1L << 20, defaultMaxIdle());

    private final long minBytes, maxIdleBytes;
    /** Idle blocks, most recently closed last. */
    private final ArrayDeque<Block> idle = new ArrayDeque<>();
    private long idleBytes, reused, allocated;
    /** Bytes of blocks handed out and not yet released (any size), and the most since the last {@link #resetPeak}. */
    private final java.util.concurrent.atomic.AtomicLong liveBytes = new java.util.concurrent.atomic.AtomicLong(),
            peakBytes = new java.util.concurrent.atomic.AtomicLong();

    HostPool(long minBytes, long maxIdleBytes) {
        this.minBytes = minBytes;
        this.maxIdleBytes = maxIdleBytes;
    }

    /** Default idle cap: half the JVM's heap limit (which JavaCPP also uses as its off-heap limit), at most 4 GiB; 0 turns pooling off. */
    private static long defaultMaxIdle() {
        String p = System.getProperty("deepslim.hostPool.maxBytes");
        if (p != null) {
            try {
                return Math.max(0, Long.parseLong(p.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("deepslim.hostPool.maxBytes: expected a byte count, got '" + p + "'");
            }
        }
        return Math.min(4L << 30, Runtime.getRuntime().maxMemory() / 2);
    }

    /** The bytes actually allocated for a request of {@code nbytes}: its size class when pooled, else nbytes. */
    long sizeClass(long nbytes) {
        if (nbytes < minBytes || maxIdleBytes == 0) return nbytes;
        long step = Long.highestOneBit(nbytes) / 8;
        return (nbytes + step - 1) / step * step;
    }

    /** An allocated block and its size in bytes (its class size when pooled). */
    record Block(BytePointer pointer, long size) {}

    /** A block of at least {@code nbytes} (≥ 1): a reused idle block of the same class, or a new one. */
    Block allocate(long nbytes) {
        long size = sizeClass(nbytes);
        long now = liveBytes.addAndGet(size);
        peakBytes.accumulateAndGet(now, Math::max);
        if (nbytes >= minBytes && maxIdleBytes > 0) {
            synchronized (this) {
                for (Iterator<Block> it = idle.descendingIterator(); it.hasNext(); ) {
                    Block b = it.next();
                    if (b.size == size) {
                        it.remove();
                        idleBytes -= size;
                        reused++;
                        return b;
                    }
                }
                allocated++;
            }
        }
        return new Block(new BytePointer(size), size);
    }

    /** Takes back a block from {@link #allocate}; frees it when it is not pooled or the idle list would overflow. */
    void release(Block b) {
        liveBytes.addAndGet(-b.size);
        if (b.size < minBytes || b.size > maxIdleBytes) {
            b.pointer.deallocate();
            return;
        }
        ArrayDeque<Block> drop = new ArrayDeque<>();
        synchronized (this) {
            idle.addLast(b);
            idleBytes += b.size;
            while (idleBytes > maxIdleBytes) {
                Block old = idle.removeFirst();
                idleBytes -= old.size;
                drop.add(old);
            }
        }
        for (Block d : drop) d.pointer.deallocate();
    }

    /** Frees every idle block. */
    void trim() {
        ArrayDeque<Block> drop;
        synchronized (this) {
            drop = new ArrayDeque<>(idle);
            idle.clear();
            idleBytes = 0;
        }
        for (Block d : drop) d.pointer.deallocate();
    }

    /** Bytes in blocks handed out and not released now (what live tensors hold). */
    long liveBytes() { return liveBytes.get(); }

    /** The most {@link #liveBytes} since the last {@link #resetPeak} (or since start). */
    long peakBytes() { return peakBytes.get(); }

    /** Starts a new peak measurement at the current live bytes. */
    void resetPeak() { peakBytes.set(liveBytes.get()); }

    /** Bytes held idle now. */
    synchronized long idleBytes() { return idleBytes; }

    /** Allocations served from the idle list so far. */
    synchronized long reused() { return reused; }

    /** Pooled-size allocations that needed a new block so far. */
    synchronized long allocated() { return allocated; }
}
