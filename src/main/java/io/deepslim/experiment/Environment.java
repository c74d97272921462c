package io.deepslim.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where a run was measured: CPU model and flags, cores, Java, OS, deepslim version. */
public record Environment(String cpu, String simd, int threads, String java, String os, String deepslim) {
    /** This machine now. */
    public static Environment current() {
        String cpu = "unknown CPU", simd = "";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (cpu.startsWith("unknown") && line.startsWith("model name")) cpu = line.substring(line.indexOf(':') + 1).trim();
                if (simd.isEmpty() && line.startsWith("flags")) {
                    String f = " " + line + " ";
                    simd = f.contains(" avx512_vnni ") ? "AVX-512 VNNI" : f.contains(" avx512f ") ? "AVX-512" : f.contains(" avx2 ") ? "AVX2" : "no AVX2";
                }
            }
        } catch (IOException | RuntimeException e) {
            cpu = System.getProperty("os.arch");
        }
        String v = Environment.class.getPackage().getImplementationVersion();
        return new Environment(cpu, simd, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vendor") + " " + System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"), v != null ? v : "0.1.0-SNAPSHOT (classes)");
    }

    /** As JSON fields. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", cpu);
        m.put("simd", simd);
        m.put("threads", threads);
        m.put("java", java);
        m.put("os", os);
        m.put("deepslim", deepslim);
        return m;
    }

    /** One line for reports. */
    public String line() {
        return String.format("%s (%s), %d threads; Java %s; %s; deepslim %s", cpu, simd, threads, java, os, deepslim);
    }
}
