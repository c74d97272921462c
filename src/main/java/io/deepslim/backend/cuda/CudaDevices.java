package io.deepslim.backend.cuda;

import io.deepslim.backend.Device;

import java.io.IOException;
import java.io.InputStream;

/**
 * Builds the {@code "cuda"} device (registered in {@code io.deepslim.engine.Devices}) after checking,
 * in order, everything it needs; the first thing missing becomes the one-line reason the device is
 * unavailable, and the CPU device carries on. Nothing here runs until someone asks for "cuda".
 */
public final class CudaDevices {
    /** The CUDA major version the presets are built against (org.bytedeco:cuda 13.1-9.19). */
    public static final int CUDA_MAJOR = 13;
    /** Resource holding the kernels compiled from cuda/*.cu by cuda/build.sh. */
    public static final String FATBIN = "/io/deepslim/backend/cuda/deepslim_kernels.fatbin";

    private CudaDevices() {}

    /** The "cuda" device on GPU 0, or an {@link IllegalStateException} naming what is missing. */
    public static Device create() {
        String why = whyUnavailable();
        if (why != null) throw new IllegalStateException(why);
        boolean tf32 = Boolean.getBoolean("deepslim.cuda.tf32");
        return new CudaDevice("cuda", CudaContext.open(0, fatbin(), tf32));
    }

    /**
     * Null when a CUDA device can be built here, else one line naming what is missing: the presets
     * on the classpath, the NVIDIA driver, the CUDA runtime / cuBLAS / cuDNN libraries, a driver new
     * enough for CUDA 13, a visible GPU, or the kernel fatbin.
     */
    public static String whyUnavailable() {
        try {
            Class.forName("org.bytedeco.cuda.global.cudart", false, CudaDevices.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return "cuda: the CUDA presets (org.bytedeco:cuda " + CUDA_MAJOR + ".x jars) are not on the classpath";
        }
        try {
            return CudaLibraries.check();
        } catch (LinkageError e) {
            return "cuda: " + CudaLibraries.explain(e);
        }
    }

    static byte[] fatbin() {
        try (InputStream in = CudaDevices.class.getResourceAsStream(FATBIN)) {
            if (in == null) throw new IllegalStateException("cuda: kernel fatbin " + FATBIN + " is missing (the jar was built without nvcc)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cuda: cannot read " + FATBIN + ": " + e.getMessage(), e);
        }
    }

    /** True when the kernel fatbin is packaged (build check; needs no GPU). */
    public static boolean hasFatbin() { return CudaDevices.class.getResource(FATBIN) != null; }
}
