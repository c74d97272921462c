package io.deepslim.backend.cuda;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

import java.util.HashMap;
import java.util.Map;

/**
 * One GPU's working state: the stream every call is queued on, the cuBLAS and cuDNN handles bound
 * to it, the kernel module loaded from the fatbin ({@code cuModuleLoadData}), the caching allocator
 * and a growable convolution workspace. Closing it frees all of them. Calls are serialized on this
 * object (one stream); host reads synchronize the stream first.
 */
public final class CudaContext implements AutoCloseable {
    private final int device;
    private final boolean tf32;
    private final CUstream_st stream = new CUstream_st();
    private final cublasContext blas = new cublasContext();
    private final cudnnContext dnn = new cudnnContext();
    private final CUmod_st module = new CUmod_st();
    private final Map<String, CUfunc_st> functions = new HashMap<>();
    private final CudaAllocator allocator;
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);
    private CudaAllocator.Block workspace;
    private boolean closed;

    private CudaContext(int device, boolean tf32) {
        this.device = device;
        this.tf32 = tf32;
        this.allocator = new CudaAllocator(this);
    }

    /** Opens GPU {@code device}: stream, cuBLAS (fp32, or TF32 when asked), cuDNN, the kernel module. */
    public static CudaContext open(int device, byte[] fatbin, boolean tf32) {
        CudaContext c = new CudaContext(device, tf32);
        c.makeCurrent();
        check(cudart.cudaStreamCreate(c.stream), "cudaStreamCreate");
        checkBlas(cublas.cublasCreate_v2(c.blas), "cublasCreate");
        checkBlas(cublas.cublasSetStream_v2(c.blas, c.stream), "cublasSetStream");
        checkBlas(cublas.cublasSetMathMode(c.blas, tf32 ? cublas.CUBLAS_TF32_TENSOR_OP_MATH : cublas.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
        checkDnn(cudnn.cudnnCreate(c.dnn), "cudnnCreate");
        checkDnn(cudnn.cudnnSetStream(c.dnn, c.stream), "cudnnSetStream");
        BytePointer image = new BytePointer(fatbin.length);
        image.put(fatbin);
        checkDriver(cudart.cuModuleLoadData(c.module, image), "cuModuleLoadData(deepslim_kernels.fatbin)");
        image.deallocate();
        return c;
    }

    /** Whether cuBLAS/cuDNN may use TF32 tensor cores (off by default: fp32 results). */
    public boolean tf32() { return tf32; }

    public int deviceIndex() { return device; }

    public CudaAllocator allocator() { return allocator; }

    CUstream_st stream() { return stream; }

    cublasContext blas() { return blas; }

    cudnnContext dnn() { return dnn; }

    /** The runtime API binds the device's primary context per thread; do it once per calling thread. */
    void makeCurrent() {
        if (!current.get()) {
            check(cudart.cudaSetDevice(device), "cudaSetDevice");
            current.set(true);
        }
    }

    /** A device pointer as a JavaCPP pointer (for cuBLAS / cuDNN / memcpy arguments). */
    static FloatPointer ptr(long deviceAddress) {
        // the parameter must not be called "address": inside the anonymous subclass that name is
        // Pointer's own field, which would assign the field to itself and hand CUDA a null pointer
        return new FloatPointer((Pointer) null) {
            { this.address = deviceAddress; }
        };
    }

    private final LaunchArgs launchArgs = new LaunchArgs();
    private long launches, syncs;
    /** cuBLAS alpha / beta (host pointer mode), used under this object's lock. */
    final FloatPointer alpha = new FloatPointer(1), beta = new FloatPointer(1);

    /**
     * Launches kernel {@code name} on the stream; arguments as {@link LaunchArgs#pack} takes them
     * (Long = device pointer or 64-bit integer, Integer = int, Float = float, int[] = ds_index struct).
     */
    synchronized void launch(String name, int gridX, int gridY, int blockX, int blockY, int sharedBytes, Object... args) {
        makeCurrent();
        CUfunc_st f = functions.computeIfAbsent(name, n -> {
            CUfunc_st fn = new CUfunc_st();
            checkDriver(cudart.cuModuleGetFunction(fn, module, n), "cuModuleGetFunction(" + n + ")");
            return fn;
        });
        PointerPointer<Pointer> params = launchArgs.pack(name, args);
        launches++;
        checkDriver(cudart.cuLaunchKernel(f, gridX, gridY, 1, blockX, blockY, 1, sharedBytes, stream, params, (PointerPointer<?>) null),
                "cuLaunchKernel(" + name + ")");
    }

    /** Kernel launches and stream synchronizations so far (the GPU check reports them per forward pass). */
    public synchronized long[] counters() { return new long[]{launches, syncs}; }

    /** A 1-D grid-stride launch over n elements. */
    void launch1d(String name, long n, Object... args) {
        int blocks = (int) Math.max(1, Math.min((n + 255) / 256, 65535L * 8));
        launch(name, blocks, 1, 256, 1, 0, args);
    }

    /** Copies host → device (synchronous with respect to the stream). */
    synchronized void upload(Pointer host, long deviceAddress, long bytes) {
        makeCurrent();
        check(cudart.cudaMemcpyAsync(ptr(deviceAddress), host, bytes, cudart.cudaMemcpyHostToDevice, stream), "cudaMemcpy H2D");
        sync();
    }

    /** Copies device → host after the queued work finished. */
    synchronized void download(long deviceAddress, Pointer host, long bytes) {
        makeCurrent();
        check(cudart.cudaMemcpyAsync(host, ptr(deviceAddress), bytes, cudart.cudaMemcpyDeviceToHost, stream), "cudaMemcpy D2H");
        sync();
    }

    /** Device → device copy on the stream. */
    synchronized void copyOnDevice(long src, long dst, long bytes) {
        makeCurrent();
        check(cudart.cudaMemcpyAsync(ptr(dst), ptr(src), bytes, cudart.cudaMemcpyDeviceToDevice, stream), "cudaMemcpy D2D");
    }

    /** Sets {@code bytes} bytes to zero on the stream. */
    synchronized void zero(long address, long bytes) {
        makeCurrent();
        check(cudart.cudaMemsetAsync(ptr(address), 0, bytes, stream), "cudaMemsetAsync");
    }

    /** Waits for everything queued on the stream (and reports asynchronous kernel errors). */
    public synchronized void sync() {
        makeCurrent();
        syncs++;
        check(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    /** A workspace of at least {@code bytes} for cuDNN (grown, never shrunk); address 0 when none is needed. */
    synchronized long workspace(long bytes) {
        if (bytes == 0) return 0;
        if (workspace == null || workspace.bytes() < bytes) {
            if (workspace != null) allocator.free(workspace);
            workspace = allocator.allocate(bytes);
        }
        return workspace.address();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        makeCurrent();
        cudart.cudaStreamSynchronize(stream);
        if (workspace != null) allocator.free(workspace);
        allocator.releaseCached();
        cudart.cuModuleUnload(module);
        cudnn.cudnnDestroy(dnn);
        cublas.cublasDestroy_v2(blas);
        cudart.cudaStreamDestroy(stream);
    }

    static void check(int rc, String what) {
        if (rc != 0) throw new CudaException(what + " failed: " + cudart.cudaGetErrorString(rc).getString() + " (" + rc + ")");
    }

    static void checkDriver(int rc, String what) {
        if (rc != 0) throw new CudaException(what + " failed: CUresult " + rc);
    }

    static void checkBlas(int rc, String what) {
        if (rc != 0) throw new CudaException(what + " failed: cublasStatus " + rc);
    }

    static void checkDnn(int rc, String what) {
        if (rc != 0) throw new CudaException(what + " failed: " + cudnn.cudnnGetErrorString(rc).getString());
    }

    /** A failed CUDA, cuBLAS or cuDNN call (with the call and the library's error text). */
    public static final class CudaException extends RuntimeException {
        CudaException(String message) { super("cuda: " + message); }
    }
}
