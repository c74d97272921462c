package io.deepslim.benchmarks;

import io.deepslim.backend.ConvParams;
import io.deepslim.backend.cpu.CpuBackend;
import io.deepslim.backend.cpu.Gemm;
import io.deepslim.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * conv2d backward-filter of vgg45m's 3×3 layers (64×64 input by default, batch 32) on the CPU backend:
 * the native Winograd F(4×4) backward-filter ({@code -Ddeepslim.winograd.native.bwf=always}: also the shapes
 * its rule leaves out) vs the im2col + OpenBLAS path ({@code -Ddeepslim.winograd.native.bwf=off}), alternating inside every round, median of the reps per
 * round, median over rounds. {@code --clock cpu} (with {@code --threads 1}) times the calling thread's CPU
 * time, which the other load on a shared machine changes less than wall time. The figures set
 * {@code WinogradKernel.wantedBackwardFilter}'s rule.
 *
 * <pre>
 * java -XX:ActiveProcessorCount=1 -cp $CP io.deepslim.benchmarks.BackwardFilterBench --threads 1 --clock cpu
 * </pre>
 */
public final class BackwardFilterBench {
    private BackwardFilterBench() {}

    public static void main(String[] args) throws Exception {
        if (java.util.Arrays.asList(args).contains("--help")) {
            System.out.println("BackwardFilterBench [--size 64] [--batch 32] [--rounds 5] [--reps 3] [--threads 2] [--clock wall|cpu] "
                    + "[--shapes cin,cout,map;...]: native Winograd vs im2col backward-filter per vgg45m layer, alternating");
            return;
        }
        int size = Integer.parseInt(DenseVersus.arg(args, "--size", "64"));
        int batch = Integer.parseInt(DenseVersus.arg(args, "--batch", "32"));
        int rounds = Integer.parseInt(DenseVersus.arg(args, "--rounds", "5"));
        int reps = Integer.parseInt(DenseVersus.arg(args, "--reps", "3"));
        int threads = Integer.parseInt(DenseVersus.arg(args, "--threads", "2"));
        boolean cpu = DenseVersus.arg(args, "--clock", "wall").equals("cpu");
        if (cpu && threads != 1) throw new IllegalArgumentException("--clock cpu needs --threads 1");
        String shapes = DenseVersus.arg(args, "--shapes", "3,64," + size + ";64,64," + size + ";64,128," + size / 2 + ";128,128," + size / 2
                + ";128,256," + size / 4 + ";256,256," + size / 4 + ";256,512," + size / 8 + ";512,128," + size / 16);
        CpuBackend be = new CpuBackend(Gemm.best(), threads);
        ConvParams same = ConvParams.of(1, 1, 1);
        StringBuilder out = new StringBuilder(String.format("CPU: %s; %d thread(s); %s; batch %d; %d rounds x %d reps, alternating, medians%n"
                + "load average at start: %s%n| layer cin->cout @map | native Winograd ms | im2col + sgemm ms | native / im2col |%n|---|---|---|---|%n",
                Files.lines(Path.of("/proc/cpuinfo")).filter(l -> l.startsWith("model name")).findFirst().orElse("?").replaceFirst("model name\\s*:\\s*", ""),
                threads, cpu ? "calling thread's CPU time" : "wall time", batch, rounds, reps, Files.readString(Path.of("/proc/loadavg")).trim()));
        System.out.print(out);
        for (String s : shapes.split(";")) {
            String[] p = s.split(",");
            int cin = Integer.parseInt(p[0]), cout = Integer.parseInt(p[1]), hw = Integer.parseInt(p[2]);
            Random rng = new Random(1);
            Tensor x = Tensor.randn(rng, 1f, batch, cin, hw, hw), dy = Tensor.randn(rng, 1f, batch, cout, hw, hw), dw = Tensor.zeros(cout, cin, 3, 3);
            Runnable r = () -> be.conv2dBackwardFilter(x, dy, same, dw);
            List<Double> on = new ArrayList<>(), off = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                on.add(DenseVersus.withProperty("deepslim.winograd.native.bwf=always", () -> time(r, reps, cpu)));
                off.add(DenseVersus.withProperty("deepslim.winograd.native.bwf=off", () -> time(r, reps, cpu)));
            }
            double a = DenseVersus.median(on), b = DenseVersus.median(off);
            String line = String.format("| %d->%d @%d | %.1f | %.1f | %.2f× |%n", cin, cout, hw, a, b, a / b);
            System.out.print(line);
            out.append(line);
            x.close();
            dy.close();
            dw.close();
        }
        out.append(String.format("load average at end: %s%n", Files.readString(Path.of("/proc/loadavg")).trim()));
        String file = DenseVersus.arg(args, "--out", null);
        if (file != null) Files.writeString(Path.of(file), out.toString());
    }

    private static double time(Runnable r, int reps, boolean cpu) {
        r.run();
        List<Double> t = new ArrayList<>();
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < reps; i++) {
            long c0 = mx.getCurrentThreadCpuTime(), t0 = System.nanoTime();
            r.run();
            t.add(cpu ? (mx.getCurrentThreadCpuTime() - c0) / 1e6 : (System.nanoTime() - t0) / 1e6);
        }
        return DenseVersus.median(t);
    }
}
