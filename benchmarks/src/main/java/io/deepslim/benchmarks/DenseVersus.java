package io.deepslim.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.deepslim.autograd.GradMode;
import io.deepslim.backend.cpu.Gemm;
import io.deepslim.infer.InferenceFusion;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * deepslim (BN+ReLU-fused inference graph) vs ONNX Runtime Java vs PyTorch eager on the same
 * models, input size, batch and thread count. Engines alternate inside every round (deepslim,
 * ORT, PyTorch, then the next round), each round's figure is the median of its repetitions and
 * the reported figure is the median over rounds: on a shared machine a load change then hits
 * every engine alike. PyTorch runs as a subprocess of tools/bench_torch.py --forward-only.
 *
 * <pre>
 * /usr/bin/python3 tools/export_onnx.py --out benchmarks/target/onnx
 * java -cp benchmarks/target/benchmarks.jar io.deepslim.benchmarks.DenseVersus --onnx benchmarks/target/onnx
 * </pre>
 *
 * With {@code --layer-by-layer yes}: also the fused graph without depth-first execution
 * ({@code InferenceFusion.fuse(net, false)}: blocks one after the other on the whole batch, every
 * map kept until the call ends), timed in the same rounds, so a change of execution plan is measured
 * side by side.
 *
 * With {@code --train}: a training step (forward, cross-entropy backward, SGD momentum 0.9 update;
 * default {@code --size 64 --batches 32 --models vgg45m}) of deepslim and of PyTorch
 * ({@code tools/bench_torch.py --train-only}), alternating in every round the same way.
 * {@code --bnrelu-ab yes} adds deepslim with the fused training BatchNorm2d + ReLU (+ max-pool)
 * partly and fully off ({@code deepslim.fuse.bnrelu=nopool}, {@code =off}) as further engines of
 * every round, right after the fused one.
 * With {@code --breakdown yes} also where deepslim's step goes, per primitive and layer shape ({@link TimedCpuBackend});
 * with {@code --ab-property name=value} every round also times deepslim's step with that system property set
 * (e.g. {@code deepslim.winograd.native.bwf=off}), alternating, medians side by side.
 */
public final class DenseVersus {
    private DenseVersus() {}

    /** Peak host megabytes one (warm) call of r holds beyond what was live before it. */
    static double heldMb(Runnable r) {
        long before = io.deepslim.tensor.Storage.hostBytesLive();
        io.deepslim.tensor.Storage.resetHostBytesPeak();
        r.run();
        return (io.deepslim.tensor.Storage.hostBytesPeak() - before) / 1e6;
    }

    static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (s.length == 0) return Double.NaN;
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Set by {@code --clock cpu}: time the calling thread's CPU time instead of wall time. */
    private static boolean cpuClock;

    static double timeMs(Runnable r) {
        if (cpuClock) {
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long t0 = mx.getCurrentThreadCpuTime();
            r.run();
            return (mx.getCurrentThreadCpuTime() - t0) / 1e6;
        }
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Median of {@code reps} timed runs after one untimed run. */
    static double roundMs(Runnable r, int reps) {
        r.run();
        List<Double> t = new ArrayList<>();
        for (int i = 0; i < reps; i++) t.add(timeMs(r));
        return median(t);
    }

    static String arg(String[] args, String name, String def) {
        for (int i = 0; i + 1 < args.length; i++) if (args[i].equals(name)) return args[i + 1];
        return def;
    }

    /** PyTorch's median ms from one subprocess run ({@code mode}: --forward-only or --train-only), NaN when Python/torch is unavailable. */
    static double torchMs(String python, Path repo, String mode, String arch, int size, int batch, int threads, int reps) {
        ProcessBuilder pb = new ProcessBuilder(python, "bench_torch.py", mode, "--models", arch, "--size", "" + size,
                "--batch", "" + batch, "--threads", "" + threads, "--reps", "" + reps).directory(repo.resolve("tools").toFile())
                .redirectErrorStream(true);
        try {
            Process p = pb.start();
            String last = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) last = line;
            }
            if (p.waitFor() != 0 || last == null || !last.startsWith(arch + " ")) return Double.NaN;
            return Double.parseDouble(last.trim().split(" ")[2]);
        } catch (IOException | InterruptedException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** OpenBLAS sgemm GFLOP/s at 1024³ on {@code threads} threads (the machine's practical peak). */
    static double sgemmPeak(int threads) {
        int n = 1024;
        Random rng = new Random(3);
        Tensor a = Tensor.randn(rng, 1f, n, n), b = Tensor.randn(rng, 1f, n, n), c = Tensor.zeros(n, n);
        Gemm g = Gemm.best(threads);
        double ms = roundMs(() -> g.sgemm(false, false, n, n, n, 1f, a.storage().floatPointer(0), a.buffer(), 0, n,
                b.storage().floatPointer(0), b.buffer(), 0, n, 0f, c.storage().floatPointer(0), c.buffer(), 0, n), 5);
        return 2.0 * n * n * n / ms / 1e6;
    }

    public static void main(String[] args) throws Exception {
        boolean train = Arrays.asList(args).contains("--train");
        Path onnxDir = Path.of(arg(args, "--onnx", "benchmarks/target/onnx"));
        Path repo = Path.of(arg(args, "--repo", "."));
        String python = arg(args, "--python", "/usr/bin/python3");
        String[] models = arg(args, "--models", train ? "vgg45m" : "vgg45m,student10").split(",");
        int[] batches = Arrays.stream(arg(args, "--batches", train ? "32" : "1,8").split(",")).mapToInt(Integer::parseInt).toArray();
        int size = Integer.parseInt(arg(args, "--size", train ? "64" : "224"));
        int rounds = Integer.parseInt(arg(args, "--rounds", "5"));
        int reps = Integer.parseInt(arg(args, "--reps", "3"));
        int threads = Integer.parseInt(arg(args, "--threads", "2"));
        boolean torch = !arg(args, "--torch", "yes").equals("no");
        boolean layerByLayer = arg(args, "--layer-by-layer", "no").equals("yes");
        breakdown = arg(args, "--breakdown", "no").equals("yes");
        abProperty = arg(args, "--ab-property", null);
        if (abProperty != null && abProperty.indexOf('=') <= 0) throw new IllegalArgumentException("--ab-property: expected name=value, got " + abProperty);
        // ORT's intra-op threads spin-wait after each run by default; with engines alternating on 2 cores
        // that spinning steals the cores from whichever engine runs next. "no" turns it off.
        boolean ortSpin = !arg(args, "--ort-spinning", "yes").equals("no");
        // --clock cpu (with --threads 1 --torch no, and -XX:ActiveProcessorCount=1 so deepslim's kernels
        // stay on the caller too): each engine's single-thread CPU time, which the other load on a shared
        // machine changes far less than wall time. Only meaningful when every engine runs on the caller.
        String clock = arg(args, "--clock", "wall");
        if (!clock.equals("wall") && !clock.equals("cpu")) throw new IllegalArgumentException("--clock: expected wall or cpu, got " + clock);
        cpuClock = clock.equals("cpu");
        if (cpuClock && (threads != 1 || torch)) throw new IllegalArgumentException("--clock cpu needs --threads 1 and --torch no");

        StringBuilder out = new StringBuilder();
        String cpu = Files.lines(Path.of("/proc/cpuinfo")).filter(l -> l.startsWith("model name")).findFirst().orElse("model name: ?")
                .replaceFirst("model name\\s*:\\s*", "");
        String flags = Files.lines(Path.of("/proc/cpuinfo")).filter(l -> l.startsWith("flags")).findFirst().orElse("");
        out.append(String.format("CPU: %s, %d cores visible, avx2 %s, avx512f %s; %d threads per engine; %d rounds × %d reps, engines alternating, medians%n",
                cpu, Runtime.getRuntime().availableProcessors(), flags.contains(" avx2"), flags.contains(" avx512f"), threads, rounds, reps));
        out.append(String.format("load average at start: %s", Files.readString(Path.of("/proc/loadavg"))));
        out.append(String.format("ONNX Runtime intra-op spinning: %s%n", ortSpin ? "on (default)" : "off"));
        if (cpuClock) out.append("times: the calling thread's CPU time (single-thread engines), not wall time\n");
        out.append(String.format("OpenBLAS sgemm 1024³ on %d threads: %.0f GFLOP/s%n%n", threads, sgemmPeak(threads)));
        if (train) {
            train(out, models, batches, size, rounds, reps, torch, python, repo, threads, arg(args, "--bnrelu-ab", "no").equals("yes"));
            finish(out, args);
            return;
        }
        out.append("| model | batch | deepslim fused ms | ONNX Runtime ms | PyTorch ms | deepslim / ORT | deepslim / PyTorch | deepslim images/s | ORT images/s |"
                + (layerByLayer ? " layer-by-layer ms | depth-first / layer-by-layer | host MB held per call, depth-first / layer-by-layer |" : "") + "\n");
        out.append("|---|---|---|---|---|---|---|---|---|" + (layerByLayer ? "---|---|---|" : "") + "\n");
        System.out.print(out);

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (String arch : models) {
            ZooNet net = InferenceFusion.fuse(Zoo.create(arch, size, 2, 1));
            ZooNet lbl = layerByLayer ? InferenceFusion.fuse(Zoo.create(arch, size, 2, 1), false) : null;
            OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (!ortSpin) opts.addConfigEntry("session.intra_op.allow_spinning", "0");
            try (OrtSession session = env.createSession(onnxDir.resolve(arch + "-" + size + ".onnx").toString(), opts)) {
                for (int batch : batches) {
                    float[] data = Tensor.randn(new Random(2), 1f, batch, 3, size, size).toFloatArray();
                    Tensor x = Tensor.of(data, batch, 3, size, size);
                    OnnxTensor ox = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), new long[]{batch, 3, size, size});
                    Runnable ds = () -> {
                        try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
                            net.forward(x);
                        }
                    };
                    Runnable plain = () -> {
                        try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
                            lbl.forward(x);
                        }
                    };
                    Runnable ort = () -> {
                        try (OrtSession.Result r = session.run(Map.of("input", ox))) {
                            r.get(0);
                        } catch (OrtException e) {
                            throw new IllegalStateException(e);
                        }
                    };
                    List<Double> tDs = new ArrayList<>(), tOrt = new ArrayList<>(), tTorch = new ArrayList<>(), tLbl = new ArrayList<>();
                    for (int round = 0; round < rounds; round++) {
                        tDs.add(roundMs(ds, reps));
                        tOrt.add(roundMs(ort, reps));
                        if (layerByLayer) tLbl.add(roundMs(plain, reps));
                        if (torch) tTorch.add(torchMs(python, repo, "--forward-only", arch, size, batch, threads, reps));
                    }
                    double d = median(tDs), o = median(tOrt), p = median(tTorch);
                    String line = String.format("| %s | %d | %.1f | %.1f | %s | %.2f× | %s | %.1f | %.1f |%n", arch, batch, d, o,
                            Double.isNaN(p) ? "–" : String.format("%.1f", p), d / o, Double.isNaN(p) ? "–" : String.format("%.2f×", d / p),
                            1000.0 * batch / d, 1000.0 * batch / o).trim()
                            + (layerByLayer ? String.format(" %.1f | %.2f× | %.0f / %.0f |", median(tLbl), d / median(tLbl),
                            heldMb(ds), heldMb(plain)) : "") + "\n";
                    System.out.print(line);
                    out.append(line);
                    ox.close();
                    x.close();
                }
            }
        }
        finish(out, args);
    }

    /**
     * Training steps, deepslim (its own thread pool of {@code threads}; no fused graph) vs PyTorch,
     * alternating inside every round: forward, cross-entropy, backward, SGD momentum step.
     */
    static void train(StringBuilder out, String[] models, int[] batches, int size, int rounds, int reps, boolean torch,
                      String python, Path repo, int threads, boolean bnReluAb) {
        String head = String.format("training step @%d px (SGD momentum 0.9)%n| model | batch | deepslim ms | PyTorch ms | deepslim / PyTorch | deepslim images/s | PyTorch images/s |%s%n|---|---|---|---|---|---|---|%s%n",
                size, bnReluAb ? " deepslim BN+ReLU fused, pool not (nopool) ms | deepslim unfused (off) ms | fused / off | nopool / off |" : "",
                bnReluAb ? "---|---|---|---|" : "");
        System.out.print(head);
        out.append(head);
        for (String arch : models) {
            for (int batch : batches) {
                Tensor xb = Tensor.randn(new Random(2), 1f, batch, 3, size, size);
                Runnable ds = trainStep(Zoo.create(arch, size, 2, 1), xb);
                List<Double> tDs = new ArrayList<>(), tTorch = new ArrayList<>(), tAlt = new ArrayList<>(), tOff = new ArrayList<>(), tNoPool = new ArrayList<>();
                String prop = io.deepslim.nn.BatchNorm2d.FUSE_PROPERTY;
                for (int round = 0; round < rounds; round++) {
                    tDs.add(roundMs(ds, reps));
                    if (bnReluAb) {
                        tNoPool.add(withProperty(prop + "=nopool", () -> roundMs(ds, reps)));
                        tOff.add(withProperty(prop + "=off", () -> roundMs(ds, reps)));
                    }
                    if (abProperty != null) tAlt.add(withProperty(abProperty, () -> roundMs(ds, reps)));
                    if (torch) tTorch.add(torchMs(python, repo, "--train-only", arch, size, batch, threads, reps));
                }
                if (abProperty != null) {
                    String ab = String.format("| %s | %d | with -D%s: %.1f ms (rounds %s), without: %.1f ms (rounds %s); with / without %.2f× |%n",
                            arch, batch, abProperty, median(tAlt), fmt(tAlt), median(tDs), fmt(tDs), median(tAlt) / median(tDs));
                    System.out.print(ab);
                    out.append(ab);
                }
                double d = median(tDs), p = median(tTorch), off = median(tOff), noPool = median(tNoPool);
                String line = String.format("| %s | %d | %.1f | %s | %s | %.1f | %s |%s%n", arch, batch, d,
                        Double.isNaN(p) ? "–" : String.format("%.1f", p), Double.isNaN(p) ? "–" : String.format("%.2f×", d / p),
                        1000.0 * batch / d, Double.isNaN(p) ? "–" : String.format("%.1f", 1000.0 * batch / p),
                        bnReluAb ? String.format(" %.1f | %.1f | %.2f× | %.2f× |", noPool, off, d / off, noPool / off) : "");
                System.out.print(line);
                out.append(line);
                xb.close();
                if (breakdown) breakdown(out, arch, batch, size, reps, threads);
            }
        }
    }

    /** One training step of net on the batch xb (labels alternate 0, 1): forward, cross-entropy, backward, SGD momentum 0.9. */
    static Runnable trainStep(ZooNet net, Tensor xb) {
        io.deepslim.optim.SGD opt = new io.deepslim.optim.SGD(net.parameters(), 0.01f, 0.9f, 0f, false);
        int[] labels = new int[xb.size(0)];
        for (int i = 0; i < labels.length; i++) labels[i] = i % 2;
        return () -> {
            try (TensorScope s = TensorScope.open()) {
                opt.zeroGrad();
                io.deepslim.ops.Ops.crossEntropy(net.forward(xb), labels).backward();
                opt.step();
            }
        };
    }

    /** Set by {@code --ab-property name=value}: every round also times the step with that system property set. */
    static String abProperty;

    /** r's result with the system property {@code nameValue} ("name=value") set, the old value restored after. */
    static double withProperty(String nameValue, java.util.function.DoubleSupplier r) {
        String name = nameValue.substring(0, nameValue.indexOf('=')), value = nameValue.substring(nameValue.indexOf('=') + 1);
        String old = System.getProperty(name);
        System.setProperty(name, value);
        try {
            return r.getAsDouble();
        } finally {
            if (old == null) System.clearProperty(name);
            else System.setProperty(name, old);
        }
    }

    static String fmt(List<Double> v) {
        StringBuilder b = new StringBuilder();
        for (double d : v) b.append(b.length() == 0 ? "" : " ").append(String.format("%.0f", d));
        return b.toString();
    }

    /** Set by {@code --breakdown yes}: after the timed rounds, where one training step's time goes, per primitive. */
    static boolean breakdown;

    /**
     * The same training step on a {@link TimedCpuBackend} device (same kernels, each primitive call's
     * wall or, with {@code --clock cpu}, CPU time summed): ms per step per primitive (convolutions per layer shape), then grouped.
     */
    static void breakdown(StringBuilder out, String arch, int batch, int size, int reps, int threads) {
        TimedCpuBackend timed = new TimedCpuBackend(threads, cpuClock);
        io.deepslim.backend.Device dev = new io.deepslim.backend.Device("cpu+timed", timed);
        Tensor xb = Tensor.randn(dev, new Random(2), 1f, batch, 3, size, size);
        Runnable step = trainStep(Zoo.create(arch, size, 2, 1, dev), xb);
        step.run();
        timed.drain();
        double wall = timeMs(() -> {
            for (int i = 0; i < reps; i++) step.run();
        }) / reps;
        Map<String, long[]> m = timed.drain();
        Map<String, Double> groups = new java.util.LinkedHashMap<>();
        for (String gname : new String[]{"conv forward", "conv backward-data", "conv backward-filter", "batch-norm forward",
                "batch-norm backward", "ReLU / elementwise", "max-pool", "optimizer (sgdStep)", "other primitives"}) groups.put(gname, 0.0);
        StringBuilder t = new StringBuilder(String.format("%nwhere a %s batch-%d %d px training step goes (%d steps, " + (cpuClock ? "CPU" : "wall")
                + " %.1f ms/step; per primitive call, outermost calls only)%n| primitive | ms / step | calls / step | share of step |%n|---|---|---|---|%n",
                arch, batch, size, reps, wall));
        double sum = 0;
        for (Map.Entry<String, long[]> e : m.entrySet()) {
            double ms = e.getValue()[0] / 1e6 / reps;
            sum += ms;
            t.append(String.format("| %s | %.1f | %.0f | %.1f%% |%n", e.getKey(), ms, (double) e.getValue()[1] / reps, 100 * ms / wall));
            String k = e.getKey();
            String gname = k.startsWith("conv2dForward") ? "conv forward" : k.startsWith("conv2dBackwardData") ? "conv backward-data"
                    : k.startsWith("conv2dBackwardFilter") ? "conv backward-filter" : k.startsWith("batchNormForward") ? "batch-norm forward"
                    : k.startsWith("batchNormBackward") ? "batch-norm backward" : k.startsWith("unary") || k.startsWith("binary") ? "ReLU / elementwise"
                    : k.startsWith("maxPool") ? "max-pool" : k.startsWith("sgdStep") ? "optimizer (sgdStep)" : "other primitives";
            groups.merge(gname, ms, Double::sum);
        }
        t.append(String.format("%n| part | ms / step | share of step |%n|---|---|---|%n"));
        for (Map.Entry<String, Double> e : groups.entrySet()) t.append(String.format("| %s | %.1f | %.1f%% |%n", e.getKey(), e.getValue(), 100 * e.getValue() / wall));
        t.append(String.format("| outside primitives (autograd, allocation, Java glue) | %.1f | %.1f%% |%n", wall - sum, 100 * (wall - sum) / wall));
        System.out.print(t);
        out.append(t);
        xb.close();
    }

    /** Appends the closing load average and writes {@code --out} (atomically) when given. */
    static void finish(StringBuilder out, String[] args) throws IOException {
        out.append(String.format("%nload average at end: %s", Files.readString(Path.of("/proc/loadavg"))));
        String file = arg(args, "--out", null);
        if (file != null) {
            Path tmp = Path.of(file + ".tmp");
            Files.writeString(tmp, out.toString());
            Files.move(tmp, Path.of(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
