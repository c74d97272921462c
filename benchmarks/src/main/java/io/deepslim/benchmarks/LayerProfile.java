package io.deepslim.benchmarks;

import io.deepslim.autograd.GradMode;
import io.deepslim.infer.InferenceFusion;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Module;
import io.deepslim.nn.Sequential;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Per-layer time of a zoo model's fused forward: every leaf of every feature block and head runs
 * alone on the previous leaf's output, median of {@code --reps} runs per round, median over rounds
 * (all layers of one round back to back, so load changes hit every layer alike).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.deepslim.benchmarks.LayerProfile --models student10 --size 224
 * java -XX:ActiveProcessorCount=1 -cp ... LayerProfile --models student10 --clock cpu
 * java -cp ... LayerProfile --models vgg45m --compress int8static [--int8-path avx2]
 * java -cp ... LayerProfile --models vgg45m --compress dense,prune40,prune30,prune20,prune10
 * </pre>
 * {@code --compress V[,V...]} profiles the model compressed as CompressBench's variant V (calibrated on the
 * profiling input), then fused, one table per variant ({@code --variants} is the same option); {@code --int8-path avx2} forces its int8 layers onto the AVX2 path.
 * {@code --clock cpu} times the calling thread's CPU time instead of wall time: with one processor
 * (so the kernels run on the caller alone) that is the single-thread cost, which other load on a
 * shared machine changes far less than wall time.
 */
public final class LayerProfile {
    private LayerProfile() {}

    private record Step(String name, Module m) {}

    private static void leaves(String prefix, Module m, List<Step> out) {
        if (m instanceof Sequential seq) {
            for (int i = 0; i < seq.size(); i++) {
                if (!(seq.get(i) instanceof Layers.Identity)) leaves(prefix + "." + i, seq.get(i), out);
            }
        } else {
            out.add(new Step(prefix + " " + m.summary().split("\n")[0], m));
        }
    }

    /** Median of {@code reps} runs after one untimed run, in wall or calling-thread CPU ms. */
    private static double roundMs(Runnable r, int reps, boolean cpu) {
        if (!cpu) return DenseVersus.roundMs(r, reps);
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        r.run();
        List<Double> t = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            if (cold) evictCaches();
            long t0 = mx.getCurrentThreadCpuTime();
            r.run();
            t.add((mx.getCurrentThreadCpuTime() - t0) / 1e6);
        }
        return DenseVersus.median(t);
    }

    /** --cold: before every timed run, write a buffer larger than the caches (untimed), so weights come from memory. */
    private static boolean cold;
    private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();
    private static final long[] EVICT = new long[12 << 20];  // 96 MiB

    private static void evictCaches() {
        for (int i = 0; i < EVICT.length; i += 8) EVICT[i]++;
    }

    public static void main(String[] args) throws Exception {
        cold = java.util.Arrays.asList(args).contains("--cold");
        String[] models = DenseVersus.arg(args, "--models", "student10").split(",");
        int size = Integer.parseInt(DenseVersus.arg(args, "--size", "224"));
        int batch = Integer.parseInt(DenseVersus.arg(args, "--batch", "1"));
        int rounds = Integer.parseInt(DenseVersus.arg(args, "--rounds", "5"));
        int reps = Integer.parseInt(DenseVersus.arg(args, "--reps", "5"));
        String clock = DenseVersus.arg(args, "--clock", "wall");
        if (!clock.equals("wall") && !clock.equals("cpu")) throw new IllegalArgumentException("--clock: expected wall or cpu, got " + clock);
        boolean cpu = clock.equals("cpu");
        String[] variants = DenseVersus.arg(args, "--compress", DenseVersus.arg(args, "--variants", "dense")).split(",");
        boolean avx2 = DenseVersus.arg(args, "--int8-path", "best").equals("avx2");
        StringBuilder out = new StringBuilder();
        out.append(String.format("load average at start: %s", Files.readString(Path.of("/proc/loadavg"))));
        for (String arch : models) for (String compress : variants) {
            ZooNet src = Zoo.create(arch, size, 2, 1);
            src.eval();
            Tensor x0 = Tensor.randn(new Random(2), 1f, batch, 3, size, size);
            if (!compress.equals("dense")) CompressBench.compress(src, compress, x0);
            ZooNet net = InferenceFusion.fuse(src);
            if (avx2) CompressVersus.forceAvx2(net);
            List<Step> steps = new ArrayList<>();
            for (String f : net.featureNames()) leaves(f, net.children().get(f), steps);
            int firstHead = steps.size();
            for (String h : net.headNames()) leaves(h, net.children().get(h), steps);
            List<List<Double>> times = new ArrayList<>();
            for (int i = 0; i < steps.size(); i++) times.add(new ArrayList<>());
            List<Double> whole = new ArrayList<>();
            List<List<Double>> chain = new ArrayList<>();
            for (int i = 0; i < steps.size(); i++) chain.add(new ArrayList<>());
            for (int r = 0; r < rounds; r++) {
                try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
                    Tensor x = x0;
                    for (int i = 0; i < steps.size(); i++) {
                        Module m = steps.get(i).m();
                        if (i == firstHead) x = io.deepslim.ops.Ops.flatten(x, 1);
                        Tensor in = x;
                        times.get(i).add(roundMs(() -> {
                            try (TensorScope inner = TensorScope.open()) { m.forward(in); }
                        }, reps, cpu));
                        x = m.forward(in);
                    }
                }
                // the same layers once more as one chain (each on the previous output, no repeats): their time inside a forward
                for (int rep = 0; rep < reps; rep++) {
                    try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
                        Tensor x = x0;
                        for (int i = 0; i < steps.size(); i++) {
                            if (i == firstHead) x = io.deepslim.ops.Ops.flatten(x, 1);
                            long t0 = cpu ? MX.getCurrentThreadCpuTime() : System.nanoTime();
                            x = steps.get(i).m().forward(x);
                            chain.get(i).add(((cpu ? MX.getCurrentThreadCpuTime() : System.nanoTime()) - t0) / 1e6);
                        }
                    }
                }
                whole.add(roundMs(() -> {
                    try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) { net.forward(x0); }
                }, reps, cpu));
            }
            out.append(String.format("%n%s %s%s %d² batch %d (%d rounds × %d reps, medians, %s)%n%n| layer | ms | in a chain ms |%n|---|---|---|%n", arch, compress, avx2 ? " (int8 forced to avx2)" : "", size, batch, rounds, reps,
                    cpu ? "calling thread's CPU time, " + Runtime.getRuntime().availableProcessors() + " processor(s)" : "wall time"));
            double sum = 0, chainSum = 0;
            for (int i = 0; i < steps.size(); i++) {
                double ms = DenseVersus.median(times.get(i));
                sum += ms;
                double cms = DenseVersus.median(chain.get(i));
                chainSum += cms;
                // the summary now, after the runs: compressed layers name the kernel that ran
                String name = steps.get(i).name().split(" ")[0] + " " + steps.get(i).m().summary().split("\n")[0];
                out.append(String.format("| %s | %.2f | %.2f |%n", name, ms, cms));
            }
            out.append(String.format("| sum of layers | %.2f | %.2f |%n| whole forward | %.2f | |%n", sum, chainSum, DenseVersus.median(whole)));
        }
        out.append(String.format("%nload average at end: %s", Files.readString(Path.of("/proc/loadavg"))));
        System.out.print(out);
        String file = DenseVersus.arg(args, "--out", null);
        if (file != null) Files.writeString(Path.of(file), out.toString());
    }
}
