package io.deepslim.backend.nativ;

import io.deepslim.backend.cpu.CpuBackend;
import io.deepslim.tensor.Tensor;

import java.util.Optional;

/**
 * Handle on the native kernel library with one dispatch path ("portable", "avx2",
 * "avx512-vnni"). The library loads on the first call of {@link #get()}, never when an engine
 * class loads; a failed load prints one warning line and every caller keeps its Java path.
 */
public final class NativeKernels {
    /** Dispatch path codes of deepslim_native.h. */
    public static final int PORTABLE = 0, AVX2 = 1, AVX512_VNNI = 2;

    private final int path;
    private final int threads;

    private NativeKernels(int path, int threads) {
        this.path = path;
        this.threads = Math.max(1, threads);
    }

    private static final class Loaded {
        static final String FAILURE;
        static final NativeKernels BEST;

        static {
            NativeKernels k = null;
            String failure = null;
            try {
                k = new NativeKernels(NativeLibrary.ds_best_path(), Runtime.getRuntime().availableProcessors());
            } catch (Throwable t) {  // UnsatisfiedLinkError, ExceptionInInitializerError, NoClassDefFoundError
                failure = t.getClass().getSimpleName() + ": " + t.getMessage();
                System.err.println("deepslim: native kernels unavailable (" + failure + "); using the Java kernels");
            }
            BEST = k;
            FAILURE = failure;
        }
    }

    /** The kernels on this CPU's best path, or empty when the native library could not load. */
    public static Optional<NativeKernels> get() { return Optional.ofNullable(Loaded.BEST); }

    /** Why the library did not load, or null when it did. */
    public static String loadFailure() { return Loaded.FAILURE; }

    /** One line for `deepslim info` / `bench`: "native kernels: avx2" or why they are absent. */
    public static String describe() {
        return get().map(k -> "native kernels: " + k.pathName() + " (" + k.threads + " threads)")
                .orElse("native kernels: unavailable (" + Loaded.FAILURE + "), Java kernels in use");
    }

    /** The same library on another path (tests and benchmarks force "portable" to compare). */
    public NativeKernels withPath(int path) {
        if (path < PORTABLE || path > AVX512_VNNI) throw new IllegalArgumentException("unknown native path " + path);
        return new NativeKernels(path, threads);
    }

    /** The same path with another thread count. */
    public NativeKernels withThreads(int threads) { return new NativeKernels(path, threads); }

    /** The path code requested (the library narrows it to what the CPU has). */
    public int path() { return path; }

    /** Name of the path that really runs. */
    public String pathName() { return NativeLibrary.ds_path_name(path); }

    public int threads() { return threads; }

    /** The best path this CPU supports. */
    public int bestPath() { return NativeLibrary.ds_best_path(); }

    /** True when {@code t} lives in host memory that native code can address. */
    static boolean onHost(Tensor t) { return t.device().backend() instanceof CpuBackend; }

    /** {@link #onHost} for engine code outside this package. */
    public static boolean onHostDevice(Tensor t) { return onHost(t); }

    /** Address of the first element of contiguous {@code t}. */
    static long addr(Tensor t) {
        return t.storage().pointer().address() + (long) t.offset() * t.dtype().bytes();
    }

    /** Address of {@code t}, 0 for null. */
    static long addrOrNull(Tensor t) { return t == null ? 0 : addr(t.contiguousRaw()); }
}
