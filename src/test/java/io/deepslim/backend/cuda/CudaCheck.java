package io.deepslim.backend.cuda;

import io.deepslim.backend.ConvParams;
import io.deepslim.backend.Device;
import io.deepslim.engine.Devices;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Entry point of the GPU check bundle (benchmarks/gpu/check.sh), where there is no Maven. One stage
 * per process, so a crash or a poisoned CUDA context in one stage cannot take the others with it:
 * <ul>
 *   <li>{@code tests OUT}: the detection line, then the CUDA kernel tests, the vgg45m training-step
 *   comparison, the train / evaluate / Detector workflow, compression fine-tuning and every transfer
 *   method on cuda, and the backend-parameterized suites (golden, gradient, optimizer) through the
 *   JUnit launcher, with each finished test printed as it ends; summary and failures in OUT/tests.txt.
 *   Run with {@code -Ddeepslim.test.devices=cuda} to skip the CPU cases the CI already runs.</li>
 *   <li>{@code bench OUT}: appends rows to OUT/bench.tsv: whole-model inference (batch 1, 64, 256)
 *   and training steps at 224×224 on "cuda" (cuDNN's heuristic algorithms, then again timed by cuDNN
 *   Find), the CPU at batch 1 beside them, call overheads, and one conv and one
 *   linear layer as dense fp32 vs CSR sparse (70–95%) vs int8 vs low-rank kernels.</li>
 * </ul>
 * {@code bundle-selftest OUT} runs the tests stage on a machine without a GPU (its cuda cases skip): it
 * proves the bundle's runtime and jars carry what the tests need (make-bundle.sh runs it).
 * Exit 0 when every test passed, 1 on a failure, 3 when no GPU is usable (after saying why).
 */
public final class CudaCheck {
    private CudaCheck() {}

    public static void main(String[] args) throws Exception {
        String stage = args.length > 0 ? args[0] : "tests";
        Path out = Path.of(args.length > 1 ? args[1] : "gpu-results");
        Files.createDirectories(out);
        String why = CudaDevices.whyUnavailable();
        System.out.println("[check] " + (why == null ? "cuda: available" : why));
        if (stage.equals("bundle-selftest")) System.exit(tests(out)); // the same tests without a GPU: proves the bundle's runtime has what they need
        if (why != null) {
            Files.writeString(out.resolve("detection.txt"), why + "\n");
            System.out.println("[check] no GPU here: nothing CUDA was run");
            System.exit(3);
        }
        int rc = switch (stage) {
            case "tests" -> tests(out);
            case "bench" -> bench(out);
            default -> throw new IllegalArgumentException("stage must be tests or bench, got " + stage);
        };
        System.exit(rc);
    }

    static int tests(Path out) throws IOException {
        LauncherDiscoveryRequest req = org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(CudaKernelsTest.class), selectClass(CudaTrainingStepTest.class), selectClass(CudaWorkflowTest.class),
                        // named one by one: package selectors found nothing inside the bundle's test jar
                        selectClass("io.deepslim.golden.OpGoldenTest"), selectClass("io.deepslim.golden.NetworkGoldenTest"),
                        selectClass("io.deepslim.golden.OptimizerGoldenTest"), selectClass("io.deepslim.ops.GradCheckTest"),
                        selectClass("io.deepslim.engine.BackendStackTest"), selectClass("io.deepslim.workflow.WorkflowJobsTest"),
                        selectClass("io.deepslim.transfer.TransferDeviceTest"))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener progress = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult r) {
                if (!id.isTest()) return;
                String cls = id.getUniqueId().replaceAll(".*\\[class:([^\\]]*)\\].*", "$1").replaceAll(".*\\.", "");
                System.out.println("[test] " + r.getStatus() + " " + cls + " " + id.getDisplayName()
                        + r.getThrowable().map(t -> " -- " + t.toString().lines().findFirst().orElse("")).orElse(""));
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                if (id.isTest()) System.out.println("[test] SKIPPED " + id.getDisplayName() + " -- " + reason);
            }
        };
        launcher.execute(req, summary, progress);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("tests.txt")))) {
            summary.getSummary().printTo(w);
            summary.getSummary().printFailuresTo(w, 25);
        }
        summary.getSummary().printTo(new PrintWriter(System.out));
        return summary.getSummary().getTotalFailureCount() == 0 ? 0 : 1;
    }

    // ------------------------------------------------------------------ benchmarks

    static Path benchFile;

    static void row(String kind, String what, String device, int batch, double ms, String note) {
        String line = String.join("\t", kind, what, device, Integer.toString(batch), String.format("%.4f", ms),
                String.format("%.1f", batch * 1000 / ms), note);
        System.out.println("[bench] " + line);
        try {
            if (!Files.exists(benchFile)) Files.writeString(benchFile, "kind\twhat\tdevice\tbatch\tms_median\titems_per_s\tnote\n");
            Files.writeString(benchFile, line + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs one benchmark; a failure is printed and recorded, and the next benchmark still runs. */
    static void guarded(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException | Error e) {
            System.out.println("[bench] FAILED " + what + ": " + e);
            e.printStackTrace(System.out);
            row("failed", what, "-", 1, Double.NaN, e.toString().replace('\t', ' ').replace('\n', ' '));
        }
    }

    static int bench(Path out) {
        benchFile = out.resolve("bench.tsv");
        Device gpu = Devices.get("cuda");
        CudaContext ctx = ((CudaDevice) gpu).context();
        for (String model : new String[]{"vgg45m", "student10"}) {
            for (int batch : new int[]{1, 64, 256}) guarded(model + " infer b" + batch, () -> inference(model, gpu, batch));
            guarded(model + " train b64", () -> training(model, gpu, 64));
            guarded(model + " cpu infer b1", () -> inference(model, Devices.cpu(), 1));
        }
        // the same rows with algorithms chosen by timing (cuDNN Find) instead of cuDNN's heuristics
        System.setProperty("deepslim.cuda.benchmark", "true");
        for (String model : new String[]{"vgg45m", "student10"}) {
            for (int batch : new int[]{1, 256}) guarded(model + " infer b" + batch + " find", () -> inference(model, gpu, batch));
            guarded(model + " train b64 find", () -> training(model, gpu, 64));
        }
        System.clearProperty("deepslim.cuda.benchmark");
        guarded("call overheads", () -> overheads(gpu, ctx));
        guarded("conv layer kernels", () -> convLayer(gpu, ctx));
        guarded("linear layer kernels", () -> linearLayer(gpu, ctx));
        return 0;
    }

    /** Median of {@code rounds} timings of {@code reps} calls each (the stream synchronized before and after), in ms per call. */
    static double time(CudaContext ctx, int rounds, int reps, Runnable r) {
        r.run();
        if (ctx != null) ctx.sync();
        double[] t = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            for (int j = 0; j < reps; j++) r.run();
            if (ctx != null) ctx.sync();
            t[i] = (System.nanoTime() - t0) / 1e6 / reps;
        }
        Arrays.sort(t);
        return t[rounds / 2];
    }

    static void inference(String model, Device dev, int batch) {
        ZooNet net = Zoo.create(model, 224, 2, 1L, dev);
        net.eval();
        Tensor x = Tensor.randn(dev, new Random(1), 1f, batch, 3, 224, 224);
        CudaContext ctx = dev instanceof CudaDevice c ? c.context() : null;
        Runnable fwd = () -> {
            try (TensorScope s = TensorScope.open()) {
                net.forward(x);
            }
        };
        for (int i = 0; i < 3; i++) fwd.run();
        double ms = time(ctx, 7, batch == 1 ? 20 : 3, fwd);
        String calls = "";
        if (ctx != null) {
            long[] before = ctx.counters();
            fwd.run();
            long[] after = ctx.counters();
            calls = String.format("; %d kernel launches and %d stream syncs per forward", after[0] - before[0], after[1] - before[1]);
        }
        row("model", model + " inference 224px" + algos(), dev.name(), batch, ms, "fp32, eval mode, median of 7 rounds" + calls);
    }

    static void training(String model, Device dev, int batch) {
        ZooNet net = Zoo.create(model, 224, 2, 1L, dev);
        net.train(true);
        Tensor x = Tensor.randn(dev, new Random(1), 1f, batch, 3, 224, 224);
        io.deepslim.optim.SGD opt = new io.deepslim.optim.SGD(net.parameters(), 0.01f, 0.9f, 0f, false);
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % 2;
        Runnable step = () -> {
            try (TensorScope s = TensorScope.open()) {
                opt.zeroGrad();
                io.deepslim.ops.Ops.crossEntropy(net.forward(x), labels).backward();
                opt.step();
            }
        };
        for (int i = 0; i < 2; i++) step.run();
        double ms = time(((CudaDevice) dev).context(), 5, 2, step);
        row("model", model + " train step 224px SGD" + algos(), dev.name(), batch, ms, "fp32, forward+backward+step, median of 5 rounds");
    }

    /** What one call costs when the GPU has nothing to do: a kernel launch, a cuDNN conv, a cuBLAS GEMM, a tensor op through the engine. */
    static void overheads(Device gpu, CudaContext ctx) {
        Tensor one = Tensor.empty(gpu, DType.F32, 1);
        double launch = time(ctx, 7, 2000, () -> gpu.backend().fill(one, 1f));
        row("overhead", "kernel launch (ds_fill_f32, 1 element)", "cuda", 1, launch, String.format("%.1f us per call", launch * 1000));
        Tensor x = Tensor.randn(gpu, new Random(5), 1f, 1, 8, 8, 8), w = Tensor.randn(gpu, new Random(6), 0.1f, 8, 8, 3, 3);
        Tensor y = Tensor.empty(gpu, DType.F32, 1, 8, 8, 8);
        ConvParams p = ConvParams.of(1, 1, 1);
        double conv = time(ctx, 7, 1000, () -> gpu.backend().conv2dForward(x, w, null, p, y));
        row("overhead", "cuDNN conv forward 1x8x8x8", "cuda", 1, conv, String.format("%.1f us per call", conv * 1000));
        Tensor a = Tensor.randn(gpu, new Random(7), 1f, 8, 8), c = Tensor.empty(gpu, DType.F32, 8, 8);
        double gemm = time(ctx, 7, 1000, () -> gpu.backend().gemm(false, false, 1f, a, a, 0f, c));
        row("overhead", "cuBLAS sgemm 8x8x8", "cuda", 1, gemm, String.format("%.1f us per call", gemm * 1000));
        double op = time(ctx, 7, 1000, () -> {
            try (TensorScope s = TensorScope.open()) {
                a.add(a);
            }
        });
        row("overhead", "engine op a.add(a) 8x8 (allocate, launch, free)", "cuda", 1, op, String.format("%.1f us per call", op * 1000));
    }

    /** " [cuDNN Find]" while -Ddeepslim.cuda.benchmark is on, else nothing (heuristic algorithm choice). */
    static String algos() { return CudaDnn.benchmark() ? " [cuDNN Find]" : ""; }

    static float[] weights(Random rng, int n, float keep) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = rng.nextFloat() < keep ? (float) rng.nextGaussian() * 0.05f : 0f;
        return w;
    }

    static byte[] codes(Random rng, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (rng.nextInt(255) - 127);
        return b;
    }

    /** vgg45m's layer6 shape (256 → 256, 3×3, 28×28 at 224 px), batch 16: cuDNN dense vs CSR at 70–95% vs int8 dp4a. */
    static void convLayer(Device gpu, CudaContext ctx) {
        int n = 16, cin = 256, cout = 256, hw = 28, k = 3;
        ConvParams p = ConvParams.of(1, 1, 1);
        Random rng = new Random(2);
        String what = "conv 256->256 3x3 28x28";
        Tensor x = Tensor.randn(gpu, rng, 1f, n, cin, hw, hw), bias = Tensor.randn(gpu, rng, 0.1f, cout);
        Tensor y = Tensor.empty(gpu, DType.F32, n, cout, hw, hw);
        Tensor dense = Tensor.of(gpu, weights(rng, cout * cin * k * k, 1f), cout, cin, k, k);
        double base = time(ctx, 7, 10, () -> gpu.backend().conv2dForward(x, dense, bias, p, y));
        row("layer", what, "cuda dense fp32 (cuDNN)", n, base, "1.00x");
        for (float sparsity : new float[]{0.7f, 0.8f, 0.9f, 0.95f}) {
            Tensor w = Tensor.of(gpu, weights(rng, cout * cin * k * k, 1 - sparsity), cout, cin, k, k);
            CudaKernels.Csr csr = CudaKernels.csr(w);
            double ms = time(ctx, 7, 10, () -> CudaKernels.csrConv2d(csr, x, bias, k, k, p, y, false));
            row("layer", what, "cuda csr " + Math.round(sparsity * 100) + "% sparse", n, ms, String.format("%.2fx", base / ms));
        }
        Tensor xq = Tensor.ofBytes(gpu, codes(rng, n * cin * hw * hw), n, cin, hw, hw);
        Tensor wq = Tensor.ofBytes(gpu, codes(rng, cout * cin * k * k), cout, cin, k, k);
        Tensor ws = Tensor.full(gpu, 0.01f, cout);
        double ms = time(ctx, 7, 10, () -> CudaKernels.int8Conv2d(ctx, xq, 0.02f, 0, wq, ws, bias, p, y, false));
        row("layer", what, "cuda int8 dp4a", n, ms, String.format("%.2fx", base / ms));
    }

    /** vgg45m's first hidden linear at 224 px (6272 → 256), batch 256: cuBLAS vs CSR at 70–95% vs int8 vs rank 32. */
    static void linearLayer(Device gpu, CudaContext ctx) {
        int m = 256, kdim = 6272, nOut = 256, rank = 32;
        Random rng = new Random(4);
        String what = "linear 6272->256";
        Tensor x = Tensor.randn(gpu, rng, 1f, m, kdim), bias = Tensor.randn(gpu, rng, 0.1f, nOut);
        Tensor y = Tensor.empty(gpu, DType.F32, m, nOut);
        Tensor dense = Tensor.of(gpu, weights(rng, nOut * kdim, 1f), nOut, kdim);
        double base = time(ctx, 7, 20, () -> gpu.backend().gemm(false, true, 1f, x, dense, 0f, y));
        row("layer", what, "cuda dense fp32 (cuBLAS)", m, base, "1.00x");
        for (float sparsity : new float[]{0.7f, 0.8f, 0.9f, 0.95f}) {
            CudaKernels.Csr csr = CudaKernels.csr(Tensor.of(gpu, weights(rng, nOut * kdim, 1 - sparsity), nOut, kdim));
            double ms = time(ctx, 7, 20, () -> CudaKernels.csrLinear(csr, x, bias, y, false));
            row("layer", what, "cuda csr " + Math.round(sparsity * 100) + "% sparse", m, ms, String.format("%.2fx", base / ms));
        }
        Tensor xq = Tensor.ofBytes(gpu, codes(rng, m * kdim), m, kdim), wq = Tensor.ofBytes(gpu, codes(rng, nOut * kdim), nOut, kdim);
        Tensor ws = Tensor.full(gpu, 0.01f, nOut);
        double q = time(ctx, 7, 20, () -> CudaKernels.int8Linear(ctx, xq, 0.02f, 0, wq, ws, bias, y, 0, false));
        row("layer", what, "cuda int8 dp4a", m, q, String.format("%.2fx", base / q));
        Tensor v = Tensor.randn(gpu, rng, 0.02f, rank, kdim), u = Tensor.randn(gpu, rng, 0.1f, nOut, rank);
        double lr = time(ctx, 7, 20, () -> CudaKernels.lowRankLinear(x, v, u, bias, y, false));
        row("layer", what, "cuda low-rank r" + rank + " (fused)", m, lr, String.format("%.2fx", base / lr));
    }
}
