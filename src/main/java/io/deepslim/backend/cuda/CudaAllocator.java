package io.deepslim.backend.cuda;

import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Pointer;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching allocator over {@code cudaMalloc}: sizes are rounded up (512-byte granules below 1 MiB,
 * 1 MiB granules above) and freed blocks go to a free list per rounded size, so a training loop that
 * allocates the same shapes every step reuses the same blocks and device memory stays flat after
 * the first step. {@link #releaseCached()} returns the free blocks to the driver (also done once
 * when cudaMalloc reports out-of-memory). Thread-safe (blocks may be freed by the Cleaner thread).
 */
public final class CudaAllocator {
    /** One device allocation (rounded size). */
    public record Block(long address, long bytes) {}

    private final CudaContext ctx;
    private final TreeMap<Long, ArrayDeque<Long>> free = new TreeMap<>();
    private final Map<Long, Long> live = new HashMap<>();
    private long reserved, inUse, mallocs;

    CudaAllocator(CudaContext ctx) { this.ctx = ctx; }

    static long round(long bytes) {
        long g = bytes < (1 << 20) ? 512 : 1 << 20;
        return Math.max(g, (bytes + g - 1) / g * g);
    }

    /** A block of at least {@code bytes}, from the cache when one of that size is free. */
    public synchronized Block allocate(long bytes) {
        long size = round(bytes);
        ArrayDeque<Long> q = free.get(size);
        Long a = q == null ? null : q.poll();
        if (a == null) a = malloc(size);
        live.put(a, size);
        inUse += size;
        return new Block(a, size);
    }

    private long malloc(long size) {
        ctx.makeCurrent();
        Pointer p = new Pointer();
        int rc = cudart.cudaMalloc(p, size);
        if (rc == cudart.cudaErrorMemoryAllocation) {
            releaseCached();
            rc = cudart.cudaMalloc(p, size);
        }
        CudaContext.check(rc, "cudaMalloc(" + size + " bytes; " + reserved + " reserved, " + inUse + " in use)");
        reserved += size;
        mallocs++;
        return p.address();
    }

    /** Returns a block to the cache (not to the driver). */
    public synchronized void free(Block b) {
        if (live.remove(b.address()) == null) return;
        inUse -= b.bytes();
        free.computeIfAbsent(b.bytes(), k -> new ArrayDeque<>()).push(b.address());
    }

    /** Frees every cached (unused) block with cudaFree after the stream is idle. */
    public synchronized void releaseCached() {
        ctx.sync();
        for (var e : free.entrySet()) {
            for (long a : e.getValue()) {
                cudart.cudaFree(CudaContext.ptr(a));
                reserved -= e.getKey();
            }
        }
        free.clear();
    }

    /** Bytes obtained from the driver (in use + cached). */
    public synchronized long reservedBytes() { return reserved; }

    /** Bytes held by live tensors and workspaces. */
    public synchronized long inUseBytes() { return inUse; }

    /** How many cudaMalloc calls were made so far (flat over a steady training loop). */
    public synchronized long mallocCount() { return mallocs; }
}
