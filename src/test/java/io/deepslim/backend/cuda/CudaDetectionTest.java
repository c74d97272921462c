package io.deepslim.backend.cuda;

import io.deepslim.engine.Devices;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** GPU detection never breaks CPU users: these run on machines without a GPU (and skip where a driver exists). */
class CudaDetectionTest {

    static boolean driverPresent() {
        for (String d : new String[]{"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/cuda/compat"}) {
            if (Files.exists(Path.of(d, "libcuda.so.1"))) return true;
        }
        String ld = System.getenv("LD_LIBRARY_PATH");
        return ld != null && Arrays.stream(ld.split(":")).anyMatch(d -> !d.isEmpty() && Files.exists(Path.of(d, "libcuda.so.1")));
    }

    /** The device-pointer wrapper handed to cudaMemcpy / cuBLAS / cuDNN carries the address it was given (no GPU needed). */
    @Test
    void devicePointerWrapperKeepsItsAddress() {
        long a = 0x7f00_1234_5600L;
        assertEquals(a, CudaContext.ptr(a).address());
        assertEquals(0L, CudaContext.ptr(a).position());
    }

    @Test
    void noDriverIsOneClearLineAndCpuCarriesOn() {
        assumeFalse(driverPresent(), "an NVIDIA driver is installed here; the GPU suites cover this machine");
        Devices.Probe p = Devices.probe("cuda");
        assertFalse(p.available());
        assertEquals("cuda: no NVIDIA driver (libcuda.so.1 not found); the CPU device carries on", p.problem());
        assertFalse(p.problem().contains("\n"));
        // a second request gives the same answer (nothing half-initialized) and the CPU device still computes
        assertEquals(p.problem(), Devices.probe("cuda").problem());
        Tensor a = Tensor.of(new float[]{1, 2, 3, 4}, 2, 2);
        assertArrayEquals(new float[]{7, 10, 15, 22}, a.matmul(a).toFloatArray(), 0f);
    }

    @Test
    void fatbinIsPackagedWhenNvccExists() {
        boolean nvcc = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, "nvcc")));
        org.junit.jupiter.api.Assumptions.assumeTrue(nvcc || Boolean.getBoolean("deepslim.requireFatbin"),
                "nvcc is not on PATH: cuda/build.sh skipped the kernels");
        assertTrue(CudaDevices.hasFatbin(), "cuda/build.sh ran with nvcc present but " + CudaDevices.FATBIN + " is missing");
        byte[] fatbin = CudaDevices.fatbin();
        assertTrue(fatbin.length > 10_000, "fatbin of " + fatbin.length + " bytes");
        // the fatbin magic (0xBA55ED50, little endian) and every kernel the backend launches by name
        assertEquals(0x50, fatbin[0] & 0xff);
        assertEquals(0xED, fatbin[1] & 0xff);
        String text = new String(fatbin, java.nio.charset.StandardCharsets.ISO_8859_1);
        for (String k : new String[]{"ds_binary_f32", "ds_int8_gemm_dp4a", "ds_csr_linear_f32", "ds_lowrank_linear_f32", "ds_adam_step_f32", "ds_maxpool_forward_f32"}) {
            assertTrue(text.contains(k), "kernel " + k + " missing from the fatbin");
        }
    }

    @Test
    void engineRunsWithoutTheCudaPresetsOnTheClasspath() throws Exception {
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains(File.separator + "org" + File.separator + "bytedeco" + File.separator + "cuda" + File.separator))
                .collect(Collectors.joining(File.pathSeparator));
        assertNotNull(cp);
        Process proc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                CudaAbsentMain.class.getName()).redirectErrorStream(true).start();
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        String out = new String(proc.getInputStream().readAllBytes());
        assertEquals(0, proc.exitValue(), out);
        assertTrue(out.contains("cuda: the CUDA presets (org.bytedeco:cuda 13.x jars) are not on the classpath"), out);
        assertTrue(out.contains("cpu ok 22.0"), out);
    }
}
