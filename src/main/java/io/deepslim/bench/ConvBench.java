package io.deepslim.bench;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.cpu.Gemm;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Latency of conv2d forward at the paper's layer shapes next to a bare sgemm of the same GEMM
 * shape (M = Cout, N = H·W, K = Cin·9) run by multi-threaded OpenBLAS, measured back to back in
 * one run, plus whole-model
 * forward latency. Reports medians of timed repetitions after warm-up.
 */
public final class ConvBench {
    /** One measured row. */
    public record Row(String what, double ms, double gflops, double sgemmMs, double sgemmGflops) {
        public double ratio() { return sgemmMs > 0 ? sgemmMs / ms : Double.NaN; }
    }

    /** vgg45m's conv layers as (Cin, Cout, H=W) at a 224 input. */
    static final int[][] VGG_LAYERS = {
            {3, 64, 224}, {64, 64, 224}, {64, 128, 112}, {128, 128, 112},
            {128, 256, 56}, {256, 256, 56}, {256, 512, 28}, {512, 128, 14}};

    private final int warmup, reps;

    public ConvBench(int warmup, int reps) {
        this.warmup = warmup;
        this.reps = reps;
    }

    /** Median milliseconds of {@code body} over {@code reps} runs after {@code warmup} runs. */
    public double time(Runnable body) {
        for (int i = 0; i < warmup; i++) body.run();
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }

    /** Per-layer conv vs sgemm rows for vgg45m at the given input size and batch. */
    public List<Row> convLayers(int size, int batch) {
        List<Row> rows = new ArrayList<>();
        Random rng = new Random(1);
        Gemm gemm = Gemm.best(Runtime.getRuntime().availableProcessors());
        for (int[] l : VGG_LAYERS) {
            int cin = l[0], cout = l[1], hw = l[2] * size / 224;
            Tensor x = Tensor.randn(rng, 1f, batch, cin, hw, hw), w = Tensor.randn(rng, 0.1f, cout, cin, 3, 3), b = Tensor.zeros(cout);
            double flop = 2.0 * batch * cout * (double) hw * hw * cin * 9;
            double convMs = time(() -> {
                try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
                    Ops.conv2d(x, w, b, 1, 1, 1);
                }
            });
            int m = cout, n = hw * hw, k = cin * 9;
            Tensor a = Tensor.randn(rng, 1f, m, k), bm = Tensor.randn(rng, 1f, k, n), c = Tensor.zeros(m, n);
            // the reference is OpenBLAS at its best: its own threads on every core (deepslim runs it single-threaded)
            double gemmMs = time(() -> {
                for (int i = 0; i < batch; i++) {
                    gemm.sgemm(false, false, m, n, k, 1f, a.storage().floatPointer(0), a.buffer(), 0, k,
                            bm.storage().floatPointer(0), bm.buffer(), 0, n, 0f, c.storage().floatPointer(0), c.buffer(), 0, n);
                }
            });
            rows.add(new Row(String.format("conv %d→%d @%d", cin, cout, hw), convMs, flop / convMs / 1e6, gemmMs, flop / gemmMs / 1e6));
            for (Tensor t : new Tensor[]{x, w, b, a, bm, c}) t.close();
        }
        return rows;
    }

    /** Whole-model eval forward latency (ms per batch); {@code fused} folds BN and ReLU into the convs first. */
    public Row model(String arch, int size, int batch, boolean fused) {
        return model(arch, Zoo.create(arch, size, 2, 1), size, batch, fused);
    }

    /** {@link #model(String, int, int, boolean)} for any network (e.g. one loaded from a model file), labelled {@code what}. */
    public Row model(String what, io.deepslim.nn.Module plain, int size, int batch, boolean fused) {
        plain.eval();
        io.deepslim.nn.Module net = fused ? io.deepslim.infer.InferenceFusion.fuse(plain) : plain;
        Tensor x = Tensor.randn(new Random(2), 1f, batch, 3, size, size);
        double ms = time(() -> {
            try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
                net.forward(x);
            }
        });
        return new Row(what + (fused ? " fused" : "") + " forward @" + size + " batch " + batch, ms, Double.NaN, Double.NaN, Double.NaN);
    }

    /**
     * Unfused forward latency of {@code plain} on {@code device} (a GPU: the module is moved there, and
     * each timed forward ends by copying one logit back, which waits for the queued kernels).
     */
    public Row modelOn(String what, io.deepslim.nn.Module plain, int size, int batch, io.deepslim.backend.Device device) {
        plain.eval();
        plain.to(device);
        Tensor x = Tensor.randn(device, new Random(2), 1f, batch, 3, size, size);
        double ms = time(() -> {
            try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
                plain.forward(x).toFloatArray();
            }
        });
        return new Row(what + " forward @" + size + " batch " + batch + " on " + device.name(), ms, Double.NaN, Double.NaN, Double.NaN);
    }

    /** Describes the backend stack the measurements ran on and which implementation runs the main primitives. */
    public static String backendName() {
        io.deepslim.backend.Backend b = io.deepslim.engine.Devices.cpu().backend();
        StringBuilder sb = new StringBuilder(b.name());
        for (io.deepslim.backend.Backend n = b; n instanceof io.deepslim.backend.DelegatingBackend d; n = d.next()) {
            sb.append(" → ").append(d.next().name());
        }
        sb.append(" (");
        String[] prims = {"gemm", "conv2dForward", "conv2dBackwardFilter", "batchNormForward", "adamStep"};
        for (int i = 0; i < prims.length; i++) sb.append(i == 0 ? "" : ", ").append(prims[i]).append(": ").append(b.implementationOf(prims[i]));
        return sb.append(')').toString();
    }
}
