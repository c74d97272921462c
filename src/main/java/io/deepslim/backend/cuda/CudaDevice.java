package io.deepslim.backend.cuda;

import io.deepslim.backend.Device;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Storage;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A GPU as a {@link Device}: tensors allocated here own device memory from the context's caching
 * allocator (returned on {@code close()}, scope exit, or by a Cleaner when unreachable) and are
 * computed on by {@link CudaBackend}. Host code reaches the values only through explicit copies.
 */
public final class CudaDevice extends Device implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private final CudaContext ctx;

    CudaDevice(String name, CudaContext ctx) {
        super(name, new CudaBackend(ctx));
        this.ctx = ctx;
    }

    @Override
    public Storage allocate(DType dtype, long length, boolean zeroed) {
        CudaAllocator.Block b = ctx.allocator().allocate(Math.max(1, length * dtype.bytes()));
        if (zeroed) ctx.zero(b.address(), b.bytes());
        AtomicBoolean done = new AtomicBoolean();
        Runnable release = () -> {
            if (done.compareAndSet(false, true)) ctx.allocator().free(b);
        };
        Storage s = Storage.ofDevice(dtype, length, b.address(), release);
        CLEANER.register(s, release);
        return s;
    }

    @Override
    public boolean isHost() { return false; }

    /** The stream, handles, module and memory of this GPU. */
    public CudaContext context() { return ctx; }

    @Override
    public void close() { ctx.close(); }
}
