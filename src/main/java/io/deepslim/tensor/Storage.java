package io.deepslim.tensor;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * An owned block of memory, allocated by a {@link io.deepslim.backend.Device}. Today every device
 * keeps it off-heap on the host: native code (OpenBLAS, native/ kernels) reads it in place, Java
 * kernels through a direct buffer view. The host views ({@link #floats()}, {@link #bytes()},
 * {@link #pointer()}) are for backends and file I/O only; other code copies explicitly
 * ({@code Tensor.toFloatArray}, {@code Tensor.copyFrom}). HostAccessTest enforces that.
 *
 * <p>{@link #version()} counts writes made through the public mutators (optimizer steps,
 * {@code Tensor.copyFrom}, in-place fills), so caches of values derived from the storage (packed
 * weights) can tell when they are stale. Released explicitly by {@link #close()} or, as a safety
 * net, by JavaCPP's deallocator when the storage becomes unreachable.
 */
public final class Storage implements AutoCloseable {
    private final DType dtype;
    private final long length;
    private BytePointer pointer;
    private long blockBytes;              // host: the size of the block behind pointer (≥ the bytes used; see HostPool)
    private ByteBuffer bytes;             // host views; null for device memory
    private FloatBuffer floats;
    private volatile long version;
    private Map<String, Object> packs;      // packed forms of this content, by kind; guarded by this
    private long packsBuilt;
    // device memory (a GPU allocation): its address and how to give it back; 0 / null for host storage
    private long deviceAddress;
    private Runnable release;

    private Storage(DType dtype, long length, long deviceAddress, Runnable release) {
        this.dtype = dtype;
        this.length = length;
        this.deviceAddress = deviceAddress;
        this.release = release;
        TensorScope.register(this);
    }

    /**
     * Wraps device memory (not host-addressable) of {@code length} elements at {@code address};
     * {@code release} gives it back on {@link #close()}. Devices with their own memory call this.
     */
    public static Storage ofDevice(DType dtype, long length, long address, Runnable release) {
        if (address == 0 || release == null) throw new IllegalArgumentException("device storage needs an address and a release action");
        return new Storage(dtype, length, address, release);
    }

    private Storage(DType dtype, long length, boolean zero) {
        long nbytes = length * dtype.bytes();
        if (length < 0 || nbytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("storage of " + length + " " + dtype + " elements is out of range (max 2 GiB)");
        }
        this.dtype = dtype;
        this.length = length;
        // malloc of 0 bytes may return null: keep at least one byte so every storage has an address
        HostPool.Block block = HostPool.SHARED.allocate(Math.max(1, nbytes));
        this.pointer = block.pointer();
        this.blockBytes = block.size();
        if (pointer.isNull()) throw new OutOfMemoryError("cannot allocate " + nbytes + " bytes off-heap");
        if (zero) Pointer.memset(pointer, 0, Math.max(1, nbytes));
        this.bytes = pointer.capacity(Math.max(1, nbytes)).asByteBuffer().order(ByteOrder.nativeOrder());
        this.floats = dtype == DType.F32 ? bytes.asFloatBuffer() : null;
        TensorScope.register(this);
    }

    /** Host bytes live tensors hold now (blocks handed out by the pool and not released), process-wide. */
    public static long hostBytesLive() { return HostPool.SHARED.liveBytes(); }

    /** The most {@link #hostBytesLive} since the last {@link #resetHostBytesPeak}: a call's footprint, measured. */
    public static long hostBytesPeak() { return HostPool.SHARED.peakBytes(); }

    /** Starts a new {@link #hostBytesPeak} measurement at the current live bytes. */
    public static void resetHostBytesPeak() { HostPool.SHARED.resetPeak(); }

    /** Allocates {@code length} zeroed host elements (devices call this; other code asks a Device). */
    public static Storage zeros(DType dtype, long length) { return new Storage(dtype, length, true); }

    /**
     * Frees the large host blocks that closed storages left for reuse (see {@code HostPool}; at
     * most {@code deepslim.hostPool.maxBytes}, default half the JVM heap limit, are kept).
     */
    public static void trimHostPool() { HostPool.SHARED.trim(); }

    /** Allocates {@code length} host elements whose content is unspecified. */
    public static Storage uninitialized(DType dtype, long length) { return new Storage(dtype, length, false); }

    public DType dtype() { return dtype; }

    public long length() { return length; }

    public boolean isReleased() { return release == null ? pointer == null : deviceAddress == 0; }

    /** True when the memory is host-addressable; false for device (GPU) memory. */
    public boolean isHost() { return release == null; }

    /** The device address of element 0 (device storage only). */
    public long deviceAddress() {
        if (release == null) throw new IllegalStateException("host storage has no device address");
        if (deviceAddress == 0) throw new IllegalStateException("tensor storage was already released");
        return deviceAddress;
    }

    /** Write counter: changes whenever the content was written through a public mutator. */
    public long version() { return version; }

    /** Marks the content as changed (callers that write through raw backend primitives); drops the packed forms. */
    public synchronized void bumpVersion() {
        version++;
        dropPacks();
    }

    /**
     * The packing contract: a backend-specific form of this content (a re-laid-out weight, int8
     * codes with row sums, a sparse format), built by {@code pack} on first use and reused until
     * the content changes ({@link #bumpVersion()}) or the storage is closed, which also closes
     * packed values that are {@link AutoCloseable}. {@code kind} must name the backend, the layout
     * and everything else the packed form depends on (shape, offset, groups).
     */
    @SuppressWarnings("unchecked")
    public synchronized <T> T packed(String kind, Supplier<T> pack) {
        check();
        if (packs == null) packs = new HashMap<>();
        Object v = packs.get(kind);
        if (v == null) {
            v = pack.get();
            packs.put(kind, v);
            packsBuilt++;
        }
        return (T) v;
    }

    /** How many packed forms were built for this storage so far (for tests and diagnostics). */
    public synchronized long packsBuilt() { return packsBuilt; }

    private void dropPacks() {
        if (packs == null) return;
        for (Object v : packs.values()) {
            if (v instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException("closing a packed weight failed", e);
                }
            }
        }
        packs = null;
    }

    /** Direct float view of host memory (F32 only). Index i is element i. */
    public FloatBuffer floats() {
        checkHost();
        if (floats == null) throw new IllegalStateException("storage holds " + dtype + ", not F32");
        return floats;
    }

    /** Direct byte view of host memory, native byte order. */
    public ByteBuffer bytes() {
        checkHost();
        return bytes;
    }

    /** The native address of element {@code offset}, as a FloatPointer for BLAS calls (host memory). */
    public FloatPointer floatPointer(long offset) {
        checkHost();
        return new FloatPointer(pointer).position(offset);
    }

    /** The raw pointer (byte-addressed), for native kernels. */
    public BytePointer pointer() {
        checkHost();
        return pointer;
    }

    private void checkHost() {
        check();
        if (release != null) {
            throw new IllegalStateException("tensor lives in device memory; copy it to the host with toFloatArray() or toHost()");
        }
    }

    private void check() {
        if (release != null) {
            if (deviceAddress == 0) throw new IllegalStateException("tensor storage was already released");
            return;
        }
        if (pointer == null) throw new IllegalStateException("tensor storage was already released");
    }

    @Override
    public void close() {
        synchronized (this) {
            dropPacks();
        }
        if (release != null) {
            if (deviceAddress != 0) {
                deviceAddress = 0;
                release.run();
            }
            return;
        }
        if (pointer != null) {
            BytePointer p = pointer;
            pointer = null;
            bytes = null;
            floats = null;
            HostPool.SHARED.release(new HostPool.Block(p, blockBytes));
        }
    }
}
