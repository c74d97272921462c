package io.deepslim.backend.cuda;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Loads the CUDA preset libraries one by one and turns each possible failure into a sentence. Only
 * {@link CudaDevices} calls it, after checking that the preset classes exist (so loading this class
 * cannot fail on a CPU-only classpath).
 */
final class CudaLibraries {
    private CudaLibraries() {}

    /** Null when driver, runtime, cuBLAS, cuDNN and a device are usable; else the reason. */
    static String check() {
        // JavaCPP's load error only says "no jnicudart": name the missing dependency ourselves first
        if (!findable("libcuda.so.1")) return "cuda: no NVIDIA driver (libcuda.so.1 not found); the CPU device carries on";
        if (!findable("libcudart.so." + CudaDevices.CUDA_MAJOR)) return "cuda: " + explain(new UnsatisfiedLinkError("libcudart"));
        if (!findable("libcublas.so." + CudaDevices.CUDA_MAJOR)) return "cuda: " + explain(new UnsatisfiedLinkError("libcublas"));
        if (!findable("libcudnn_cnn.so.9")) return "cuda: " + explain(new UnsatisfiedLinkError("libcudnn"));
        Loader.load(cudart.class);
        int[] v = new int[1];
        int rc = cudart.cudaDriverGetVersion(v);
        if (rc != 0) return "cuda: the NVIDIA driver did not answer (cudaDriverGetVersion error " + rc + ")";
        if (v[0] / 1000 < CudaDevices.CUDA_MAJOR) {
            return "cuda: the NVIDIA driver supports CUDA " + v[0] / 1000 + "." + v[0] % 1000 / 10
                    + "; the CUDA " + CudaDevices.CUDA_MAJOR + " presets need a driver for CUDA " + CudaDevices.CUDA_MAJOR + " or newer";
        }
        int[] n = new int[1];
        rc = cudart.cudaGetDeviceCount(n);
        if (rc != 0 || n[0] == 0) {
            return "cuda: no CUDA device visible (" + (rc != 0 ? cudart.cudaGetErrorString(rc).getString() : "0 devices") + ")";
        }
        Loader.load(cublas.class);
        Loader.load(cudnn.class);
        long dnn = cudnn.cudnnGetVersion();
        if (dnn / 10000 != 9) return "cuda: cuDNN " + dnn + " found; the presets need cuDNN 9";
        if (!CudaDevices.hasFatbin()) return "cuda: kernel fatbin " + CudaDevices.FATBIN + " is missing (the jar was built without nvcc)";
        return null;
    }

    /**
     * Whether the dynamic loader can find {@code lib}: in LD_LIBRARY_PATH, in the loader cache
     * (/etc/ld.so.cache lists every cached library name), or in the usual library folders.
     */
    static boolean findable(String lib) {
        List<String> dirs = new ArrayList<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) dirs.addAll(Arrays.asList(ld.split(":")));
        dirs.addAll(List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib64", "/lib",
                "/usr/local/cuda/lib64", "/usr/local/cuda/compat"));
        for (String d : dirs) if (!d.isEmpty() && Files.exists(Path.of(d, lib))) return true;
        try {
            byte[] cache = Files.readAllBytes(Path.of("/etc/ld.so.cache"));
            return new String(cache, StandardCharsets.ISO_8859_1).contains("/" + lib + '\0');
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A one-line reading of a failed library load: which shared library is missing and what to do. */
    static String explain(LinkageError e) {
        String m = String.valueOf(e.getMessage()) + (e.getCause() != null ? " " + e.getCause().getMessage() : "");
        if (m.contains("libcuda.so")) return "no NVIDIA driver (libcuda.so.1 not found); the CPU device carries on";
        if (m.contains("libcudart")) return "CUDA " + CudaDevices.CUDA_MAJOR + " runtime libcudart.so." + CudaDevices.CUDA_MAJOR + " not found; add its folder to LD_LIBRARY_PATH";
        if (m.contains("libcublas")) return "cuBLAS (libcublas.so." + CudaDevices.CUDA_MAJOR + ") not found; add its folder to LD_LIBRARY_PATH";
        if (m.contains("libcudnn")) return "cuDNN 9 (libcudnn*.so.9) not found; add its folder to LD_LIBRARY_PATH";
        return "CUDA libraries failed to load: " + m.lines().findFirst().orElse(m);
    }
}
