package io.deepslim.bench;

import io.deepslim.autograd.GradMode;
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
 * vgg45m's 3×3 layers under each convolution algorithm (im2col, Winograd F(2×2), F(4×4)),
 * switched with the {@code deepslim.winograd} property and timed in alternation: round r runs
 * every algorithm once, so a load change on a shared machine hits all of them alike. Medians.
 * Run: {@code java -cp target/deepslim-*.jar io.deepslim.bench.ConvAlgorithmBench [size] [batch] [rounds] [arch]},
 * {@code ... ConvAlgorithmBench errors [size]} for each algorithm's error against the direct reference, or
 * {@code ... ConvAlgorithmBench train [rounds]} for vgg45m training steps (64 px, batch 32) under each.
 */
public final class ConvAlgorithmBench {
    static final String[] MODES = {"off", "f2", "f4"};

    private ConvAlgorithmBench() {}

    static double once(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Median ms of each runnable, run in alternation over {@code rounds} rounds after one warm-up round. */
    public static double[] alternate(List<Runnable> runs, int rounds) {
        double[][] t = new double[runs.size()][rounds];
        for (Runnable r : runs) r.run();
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < runs.size(); i++) t[i][round] = once(runs.get(i));
        }
        double[] med = new double[runs.size()];
        for (int i = 0; i < med.length; i++) med[i] = median(t[i]);
        return med;
    }

    private static Runnable withMode(String mode, Runnable body) {
        return () -> {
            String old = System.getProperty("deepslim.winograd");
            System.setProperty("deepslim.winograd", mode);
            try {
                body.run();
            } finally {
                if (old == null) System.clearProperty("deepslim.winograd");
                else System.setProperty("deepslim.winograd", old);
            }
        };
    }

    /**
     * Max |y − ref| / rms(ref) of each algorithm against the direct loop convolution that sums in
     * double ({@code CpuBackend.reference()}), on vgg45m's layers at {@code size}; weights drawn
     * with PyTorch's default scale (uniform ±1/√(9·Cin)), inputs N(0, 1).
     */
    static void errors(int size) {
        Random rng = new Random(4);
        System.out.printf("%nmax |error| / rms(output) vs the float64-accumulating direct reference, vgg45m layers @%d%n", size);
        System.out.println("| layer | im2col | F(2x2,3x3) | F(4x4,3x3) |");
        System.out.println("|---|---|---|---|");
        io.deepslim.backend.Backend ref = io.deepslim.backend.cpu.CpuBackend.reference();
        for (int[] l : ConvBench.VGG_LAYERS) {
            int cin = l[0], cout = l[1], hw = l[2] * size / 224;
            float bound = (float) (1 / Math.sqrt(9.0 * cin));
            Tensor x = Tensor.randn(rng, 1f, 1, cin, hw, hw), w = Tensor.uniform(rng, -bound, bound, cout, cin, 3, 3), b = Tensor.zeros(cout);
            Tensor y0 = Tensor.zeros(1, cout, hw, hw);
            ref.conv2dForward(x, w, b, io.deepslim.backend.ConvParams.of(1, 1, 1), y0);
            float[] r = y0.toFloatArray();
            double ss = 0;
            for (float v : r) ss += (double) v * v;
            double rms = Math.sqrt(ss / r.length);
            StringBuilder row = new StringBuilder(String.format("| %d→%d @%d |", cin, cout, hw));
            for (String m : MODES) {
                Tensor[] y = new Tensor[1];
                withMode(m, () -> {
                    try (GradMode g = GradMode.off()) {
                        y[0] = Ops.conv2d(x, w, b, 1, 1, 1);
                    }
                }).run();
                float[] got = y[0].toFloatArray();
                double worst = 0;
                for (int i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(got[i] - r[i]));
                row.append(String.format(" %.1e |", worst / rms));
            }
            System.out.println(row);
        }
    }

    /** vgg45m training steps (64 px, batch 32, SGD momentum) under each algorithm, alternating. */
    static void train(int rounds) {
        ZooNet net = Zoo.create("vgg45m", 64, 2, 1);
        io.deepslim.optim.SGD opt = new io.deepslim.optim.SGD(net.parameters(), 0.01f, 0.9f, 0f, false);
        Tensor xb = Tensor.randn(new Random(2), 1f, 32, 3, 64, 64);
        int[] labels = new int[32];
        for (int i = 0; i < labels.length; i++) labels[i] = i % 2;
        List<Runnable> runs = new ArrayList<>();
        for (String m : MODES) runs.add(withMode(m, () -> {
            try (TensorScope s = TensorScope.open()) {
                opt.zeroGrad();
                Tensor loss = Ops.crossEntropy(net.forward(xb), labels);
                loss.backward();
                opt.step();
            }
        }));
        double[] ms = alternate(runs, rounds);
        System.out.printf("vgg45m train step @64 batch 32 (SGD momentum), medians of %d alternating rounds: im2col %.0f ms, F2 %.0f ms, F4 %.0f ms (%.1f / %.1f / %.1f images/s)%n",
                rounds, ms[0], ms[1], ms[2], 32000 / ms[0], 32000 / ms[1], 32000 / ms[2]);
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("train")) {
            train(args.length > 1 ? Integer.parseInt(args[1]) : 5);
            return;
        }
        if (args.length > 0 && args[0].equals("errors")) {
            errors(args.length > 1 ? Integer.parseInt(args[1]) : 112);
            return;
        }
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 224;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        Random rng = new Random(1);
        System.out.printf("3x3 conv layers of vgg45m @%d batch %d, forward (+bias) ms, medians of %d alternating rounds%n", size, batch, rounds);
        System.out.println("| layer | im2col ms | F2 ms | F4 ms | im2col GFLOP/s | F4 effective GFLOP/s | F4 speed-up |");
        System.out.println("|---|---|---|---|---|---|---|");
        double[] total = new double[MODES.length];
        for (int[] l : ConvBench.VGG_LAYERS) {
            int cin = l[0], cout = l[1], hw = l[2] * size / 224;
            Tensor x = Tensor.randn(rng, 1f, batch, cin, hw, hw), w = Tensor.randn(rng, 0.1f, cout, cin, 3, 3), b = Tensor.zeros(cout);
            List<Runnable> runs = new ArrayList<>();
            for (String m : MODES) runs.add(withMode(m, () -> {
                try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
                    Ops.conv2d(x, w, b, 1, 1, 1);
                }
            }));
            double[] ms = alternate(runs, rounds);
            for (int i = 0; i < ms.length; i++) total[i] += ms[i];
            double flop = 2.0 * batch * cout * (double) hw * hw * cin * 9;
            System.out.printf("| %d→%d @%d | %.2f | %.2f | %.2f | %.0f | %.0f | %.2f× |%n", cin, cout, hw, ms[0], ms[1], ms[2],
                    flop / ms[0] / 1e6, flop / ms[2] / 1e6, ms[0] / ms[2]);
        }
        System.out.printf("| all eight | %.1f | %.1f | %.1f | | | %.2f× |%n", total[0], total[1], total[2], total[0] / total[2]);
        if (args.length > 3) {
            String arch = args[3];
            ZooNet net = io.deepslim.infer.InferenceFusion.fuse(Zoo.create(arch, size, 2, 1));
            Tensor x = Tensor.randn(new Random(2), 1f, batch, 3, size, size);
            List<Runnable> runs = new ArrayList<>();
            for (String m : MODES) runs.add(withMode(m, () -> {
                try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
                    net.forward(x);
                }
            }));
            double[] ms = alternate(runs, rounds);
            System.out.printf("%s fused forward @%d batch %d: im2col %.1f ms, F2 %.1f ms, F4 %.1f ms%n", arch, size, batch, ms[0], ms[1], ms[2]);
        }
    }
}
