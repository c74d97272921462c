package io.deepslim.benchmarks;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.nativ.NativeKernels;
import io.deepslim.backend.nativ.SparseKernel;
import io.deepslim.compress.prune.PrunedConv2d;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Int8Conv2d;
import io.deepslim.compress.quant.QParams;
import io.deepslim.infer.InferenceFusion;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Module;
import io.deepslim.nn.Sequential;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * Whole-model (vgg45m, batch 1, eval) and per-layer latency of dense vs compressed variants with the
 * variants ALTERNATING inside every round (one untimed run + median of reps per variant per round),
 * reported as the median over rounds, so a load change on a shared machine hits every variant alike.
 * Unlike the JMH CompressBench, which runs each variant in its own block of time. Dense runs twice:
 * with the engine's choice (Winograd F(4×4) for vgg45m's 3×3 convs) and forced to im2col + sgemm.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.deepslim.benchmarks.CompressVersus --size 224 --rounds 5 --reps 3
 * java -cp benchmarks/target/benchmarks.jar io.deepslim.benchmarks.CompressVersus --layers 64:64:224,128:256:56 [--variants dense,dense-im2col,s90]
 * java -XX:ActiveProcessorCount=1 -cp ... CompressVersus --layers ... --clock cpu   # one thread, its CPU ms: robust on a shared machine
 * java -cp ... CompressVersus --size 224 --only prune40,prune30,prune20,prune10 --pruned-epilogue-ab   # builds only these compressed
 *     models; each pruned one also without the ReLU/pool fused into the sparse call, alternating
 * java -cp ... CompressVersus --size 224 --variants dense-fused,int8static-fused,int8static-fused-avx2   # whole-model rows, only these
 * java -cp ... CompressVersus --size 224 --only sparsity85,sparsity90 --variants dense-fused,sparsity85-fused,sparsity90-fused   # any level
 * java -cp ... CompressVersus --size 224 --only filters50 --variants dense-fused,filters50-fused   # structured: 50% of the filters kept
 * java -cp ... CompressVersus --size 64 --batch 8 --only prune10 --variants dense-fused,prune10-fused   # whole-model rows at batch 8
 * java -cp ... CompressVersus --size 128 --only prune10 --variants dense-fused,prune10-fused --ab-property deepslim.sparse.narrowDense=off
 * java -cp ... CompressVersus --size 64 --only prune20 --variants dense-fused,prune20-fused,prune20-fused-0.75 --fuse-property deepslim.sparse.winogradBreakEven=0.75
 * </pre>
 */
public final class CompressVersus {
    private CompressVersus() {}

    static String header(int rounds, int reps) throws Exception {
        String cpu = Files.lines(Path.of("/proc/cpuinfo")).filter(l -> l.startsWith("model name")).findFirst().orElse("model name: ?")
                .replaceFirst("model name\\s*:\\s*", "");
        String flags = Files.lines(Path.of("/proc/cpuinfo")).filter(l -> l.startsWith("flags")).findFirst().orElse("") + " ";
        return String.format("CPU: %s, %d cores visible, avx2 %s, avx512f %s, avx512_vnni %s; native path: %s; %d rounds × %d reps, variants alternating, medians%n"
                        + "clock: %s%nload average at start: %s",
                cpu, Runtime.getRuntime().availableProcessors(), flags.contains(" avx2 "), flags.contains(" avx512f "),
                flags.contains(" avx512_vnni "), NativeKernels.describe(), rounds, reps,
                cpuClock ? "CPU time of the single engine thread" : "wall", Files.readString(Path.of("/proc/loadavg")));
    }

    /** The kernels the model's compressed layers reported after a run (distinct). */
    static String kernels(Module net) {
        TreeSet<String> s = new TreeSet<>();
        for (Module m : net.namedModules().values()) {
            if (m instanceof PrunedConv2d p) s.add("conv " + p.sparseKernel().lastChoice().replaceAll("\\(.*\\)", "").trim());
            if (m instanceof Int8Conv2d q) s.add("conv " + q.int8Kernel().lastChoice());
        }
        return String.join(", ", s);
    }

    /**
     * true: time by the calling thread's CPU time (ns, clock_gettime), which other load on a shared
     * machine barely moves; needs one engine thread (-XX:ActiveProcessorCount=1) so that all work,
     * Java and native, runs on the calling thread.
     */
    static boolean cpuClock;

    static double threadCpuMs() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() / 1e6;
    }

    /** Median of reps runs after one untimed run, by wall or process CPU time. */
    static double roundMs(Runnable r, int reps) {
        if (!cpuClock) return DenseVersus.roundMs(r, reps);
        r.run();
        List<Double> t = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            double t0 = threadCpuMs();
            r.run();
            t.add(threadCpuMs() - t0);
        }
        return DenseVersus.median(t);
    }

    static void run(Map<String, Runnable> variants, int rounds, int reps, StringBuilder out, String firstCol, Map<String, String> notes) {
        Map<String, List<Double>> t = new LinkedHashMap<>();
        for (String v : variants.keySet()) t.put(v, new ArrayList<>());
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Runnable> e : variants.entrySet()) t.get(e.getKey()).add(roundMs(e.getValue(), reps));
            System.err.println("round " + (r + 1) + " done");
        }
        String base = variants.containsKey("dense-fused") ? "dense-fused" : "dense";
        String im2col = variants.containsKey("dense-fused-im2col") ? "dense-fused-im2col" : "dense-im2col";
        double baseMs = DenseVersus.median(t.get(base));
        double im2colMs = t.containsKey(im2col) ? DenseVersus.median(t.get(im2col)) : Double.NaN;
        for (String v : variants.keySet()) {
            double ms = DenseVersus.median(t.get(v));
            // "–" where the im2col dense variant did not run (--variants without it)
            String vsIm2col = Double.isNaN(im2colMs) ? "–" : String.format("%.2f×", im2colMs / ms);
            String line = String.format("| %s | %s | %.1f | %.2f× | %s | %s | %s |%n", firstCol, v, ms, baseMs / ms, vsIm2col,
                    t.get(v).stream().map(d -> String.format("%.0f", d)).reduce((a, b) -> a + " " + b).orElse(""), notes.getOrDefault(v, ""));
            System.out.print(line);
            out.append(line);
        }
    }

    /** Runs r with the dense convs on im2col + GEMM (Winograd off), restoring the property after. */
    static Runnable im2col(Runnable r) { return withProperty("deepslim.winograd", "off", r); }

    /** Runs r with system property {@code name} set to {@code value}, restoring it after. */
    static Runnable withProperty(String name, String value, Runnable r) {
        return () -> {
            String old = System.getProperty(name);
            System.setProperty(name, value);
            try {
                r.run();
            } finally {
                if (old == null) System.clearProperty(name);
                else System.setProperty(name, old);
            }
        };
    }

    static Runnable forward(Module net, Tensor x) {
        return () -> {
            try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
                net.forward(x);
            }
        };
    }

    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(DenseVersus.arg(args, "--size", "224"));
        batch = Integer.parseInt(DenseVersus.arg(args, "--batch", "1"));
        abProperty = DenseVersus.arg(args, "--ab-property", null);
        fuseProperty = DenseVersus.arg(args, "--fuse-property", null);
        int rounds = Integer.parseInt(DenseVersus.arg(args, "--rounds", "5"));
        int reps = Integer.parseInt(DenseVersus.arg(args, "--reps", "3"));
        String layers = DenseVersus.arg(args, "--layers", null);
        cpuClock = DenseVersus.arg(args, "--clock", "wall").equals("cpu");
        prunedEpilogueAB = java.util.Arrays.asList(args).contains("--pruned-epilogue-ab");
        String build = DenseVersus.arg(args, "--only", null);
        if (build != null) onlyVariants = java.util.Set.of(build.split(","));
        if (cpuClock && Runtime.getRuntime().availableProcessors() != 1) {
            System.err.println("--clock cpu: run the JVM with -XX:ActiveProcessorCount=1 (all work on the calling thread), got "
                    + Runtime.getRuntime().availableProcessors() + " processors");
            System.exit(2);
        }
        StringBuilder out = new StringBuilder(header(rounds, reps));
        System.out.print(out);
        String only = DenseVersus.arg(args, "--variants", null);
        if (layers == null) models(size, rounds, reps, out, only == null ? null : java.util.Set.of(only.split(",")));
        else layers(layers.split(","), DenseVersus.arg(args, "--variants", "dense,dense-im2col,s50,s70,s80,s90,s95,int8").split(","), rounds, reps, out);
        out.append(String.format("load average at end: %s", Files.readString(Path.of("/proc/loadavg"))));
        System.out.print("load average at end: " + Files.readString(Path.of("/proc/loadavg")));
        String file = DenseVersus.arg(args, "--out", null);
        if (file != null) {
            Path tmp = Path.of(file + ".tmp");
            Files.writeString(tmp, out.toString());
            Files.move(tmp, Path.of(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Whole-model rows; {@code only} (null: all) keeps just the named variants (e.g. dense-fused,int8static-fused,int8static-fused-avx2). */
    static void models(int size, int rounds, int reps, StringBuilder out, java.util.Set<String> only) {
        Tensor x = Tensor.randn(new Random(1), 1f, batch, 3, size, size);
        Map<String, Runnable> variants = new LinkedHashMap<>();
        Map<String, String> notes = new LinkedHashMap<>();
        Map<String, Module> nets = new LinkedHashMap<>();
        ZooNet dense = Zoo.create("vgg45m", size, 2, 1);
        dense.eval();
        nets.put("dense", dense);
        nets.put("dense-fused", InferenceFusion.fuse(dense));
        ZooNet int8Unfused = null;
        List<String> built = new ArrayList<>(List.of("prune40", "prune30", "prune20", "prune10", "sparsity95", "int8dynamic", "int8static", "lowrank"));
        // --only may name other sparsity levels (sparsity85, sparsity90, ...): break-even sweeps
        if (onlyVariants != null) onlyVariants.stream().filter(v -> v.matches("(sparsity|filters)\\d+") && !built.contains(v)).sorted().forEach(built::add);
        for (String v : built) {
            if (onlyVariants != null && !onlyVariants.contains(v)) continue;
            ZooNet net = Zoo.create("vgg45m", size, 2, 1);
            net.eval();
            CompressBench.compress(net, v, x);
            // BN folded as for dense-fused (pruned convs keep their mask; int8/low-rank layers stay as they are)
            if (v.equals("prune10")) nets.put(v, net);  // unfused, to show what the folding adds
            if (v.equals("int8static")) int8Unfused = net;
            if (v.startsWith("prune") && prunedEpilogueAB) nets.put(v + "-fused-separate-relu-pool", fusedWithoutPrunedEpilogue(net));
            nets.put(v + "-fused", InferenceFusion.fuse(net));
            // --fuse-property NAME=VALUE: a second fused copy made with that property set during fusion (fusion-time rules)
            if (fuseProperty != null && (v.startsWith("prune") || v.startsWith("sparsity"))) {
                String[] nv = fuseProperty.split("=", 2);
                Module[] copy = new Module[1];
                withProperty(nv[0], nv[1], () -> copy[0] = InferenceFusion.fuse(net)).run();
                nets.put(v + "-fused-" + nv[1], copy[0]);
            }
        }
        // the int8 static model fused, with its int8 layers forced onto the AVX2 path (when the CPU has it)
        if (int8Unfused != null) {
            ZooNet avx2 = (ZooNet) InferenceFusion.fuse(int8Unfused);
            forceAvx2(avx2);
            nets.put("int8static-fused-avx2", avx2);
        }
        if (only != null) nets.keySet().removeIf(v -> !only.contains(v) && !(v.equals("dense-fused") && only.contains("dense-fused-im2col")));
        for (Map.Entry<String, Module> e : nets.entrySet()) {
            if (only == null || only.contains(e.getKey())) variants.put(e.getKey(), forward(e.getValue(), x));
            if (e.getKey().equals("dense-fused") && (only == null || only.contains("dense-fused-im2col"))) {
                variants.put("dense-fused-im2col", im2col(forward(e.getValue(), x)));
            }
        }
        // --ab-property NAME=VALUE: dense-fused and every pruned/sparse fused variant also run with that property set (same network:
        // the property is read per call), alternating with the default
        if (abProperty != null) {
            String[] nv = abProperty.split("=", 2);
            for (String k : new ArrayList<>(variants.keySet())) {
                if ((k.startsWith("prune") || k.startsWith("sparsity") || k.equals("dense-fused")) && k.endsWith("-fused")) {
                    variants.put(k + "-" + nv[1], withProperty(nv[0], nv[1], forward(nets.get(k), x)));
                }
            }
        }
        for (Runnable r : variants.values()) r.run();
        for (Map.Entry<String, Module> e : nets.entrySet()) notes.put(e.getKey(), kernels(e.getValue()));
        notes.put("dense-fused", "dense convs: Winograd F(4×4) (the RGB layer: the engine's choice)");
        notes.put("dense-fused-im2col", "dense convs: im2col + sgemm (deepslim.winograd=off)");
        String h = String.format("%n| vgg45m @%d b" + batch + " | variant | median ms | speed-up vs dense-fused (Winograd) | vs dense-fused im2col | per-round ms | compressed kernels |%n|---|---|---|---|---|---|---|%n", size);
        out.append(h);
        System.out.print(h);
        run(variants, rounds, reps, out, "vgg45m @" + size, notes);
    }

    /** --ab-property NAME=VALUE: dense-fused and the pruned/sparse fused variants also run with this system property (A/B), or null. */
    static String abProperty;

    /** --fuse-property NAME=VALUE: pruned/sparse models also fused with this system property set (variant "-fused-VALUE"), or null. */
    static String fuseProperty;

    /** --batch N: whole-model rows at batch N (default 1; ms are per batch). */
    static int batch = 1;

    /** --only prune20,prune10,...: the compressed variants to build (default all); dense and dense-fused always run. */
    static java.util.Set<String> onlyVariants;

    /** --pruned-epilogue-ab: each pruned model also fused the earlier way (ReLU and pool as separate layers), alternating with the new. */
    static boolean prunedEpilogueAB;

    /** The fused model with -Ddeepslim.fusion.prunedEpilogue=false: BN folded into the pruned convs, ReLU and pool separate passes. */
    static Module fusedWithoutPrunedEpilogue(ZooNet net) {
        String old = System.getProperty("deepslim.fusion.prunedEpilogue");
        System.setProperty("deepslim.fusion.prunedEpilogue", "false");
        try {
            return InferenceFusion.fuse(net);
        } finally {
            if (old == null) System.clearProperty("deepslim.fusion.prunedEpilogue");
            else System.setProperty("deepslim.fusion.prunedEpilogue", old);
        }
    }

    /** Puts every int8 layer of {@code net} on the AVX2 path (narrowed to portable on a CPU without AVX2). */
    static void forceAvx2(Module net) {
        NativeKernels k = NativeKernels.get().map(n -> n.withPath(NativeKernels.AVX2)).orElse(null);
        if (k == null) return;
        for (Module m : net.namedModules().values()) {
            if (m instanceof Int8Conv2d q) q.int8Kernel().use(k);
            if (m instanceof io.deepslim.compress.quant.Int8Linear l) l.int8Kernel().use(k);
        }
    }

    static void layers(String[] shapes, String[] names, int rounds, int reps, StringBuilder out) {
        String h = "\n| layer | variant | median ms | speed-up vs dense (Winograd) | vs dense-im2col | per-round ms | kernel |\n|---|---|---|---|---|---|---|\n";
        out.append(h);
        System.out.print(h);
        for (String shape : shapes) {
            String[] s = shape.split(":");
            int cin = Integer.parseInt(s[0]), cout = Integer.parseInt(s[1]), hw = Integer.parseInt(s[2]);
            Tensor x = Tensor.randn(new Random(2), 1f, 1, cin, hw, hw);
            Map<String, Runnable> variants = new LinkedHashMap<>();
            Map<String, String> notes = new LinkedHashMap<>();
            Map<String, Module> mods = new LinkedHashMap<>();
            for (String v : names) {
                Conv2d conv = new Conv2d(new Random(1), cin, cout);
                Sequential holder = new Sequential(conv);
                if (v.startsWith("s")) {
                    Pruning.l1Local(holder, Integer.parseInt(v.substring(1)) / 100.0);
                    ((PrunedConv2d) holder.get(0)).sparseKernel().mode(SparseKernel.Mode.SPARSE);
                } else if (v.startsWith("int8")) {
                    holder.replaceChild("0", Int8Conv2d.fromFloat(conv, Granularity.PER_CHANNEL, QParams.covering(-4f, 4f)));
                    if (v.equals("int8avx2")) forceAvx2(holder);
                }
                holder.eval();
                mods.put(v, holder.get(0));
                variants.put(v, v.equals("dense-im2col") || v.equals("im2col") ? im2col(forward(holder.get(0), x)) : forward(holder.get(0), x));
            }
            for (Runnable r : variants.values()) r.run();
            for (Map.Entry<String, Module> e : mods.entrySet())
                notes.put(e.getKey(), e.getValue() instanceof PrunedConv2d p ? p.sparseKernel().lastChoice()
                        : e.getValue() instanceof Int8Conv2d q ? "int8 static, " + q.int8Kernel().lastChoice()
                        : e.getKey().contains("im2col") ? "dense im2col + sgemm" : "dense (auto: Winograd/im2col)");
            run(variants, rounds, reps, out, cin + "→" + cout + " @" + hw, notes);
        }
    }
}
