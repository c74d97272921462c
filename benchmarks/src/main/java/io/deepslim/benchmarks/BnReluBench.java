package io.deepslim.benchmarks;

import io.deepslim.backend.Backend;
import io.deepslim.backend.BinaryOp;
import io.deepslim.backend.UnaryOp;
import io.deepslim.engine.Devices;
import io.deepslim.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Training-mode BatchNorm2d + ReLU on the CPU backend at vgg45m's block shapes (64 px, batch 32 by
 * default): the fused primitives (batchNormReluForward / batchNormReluBackward) against the
 * separate ones (batchNormForward + ReLU; ReLU mask + batchNormBackward), alternating within every
 * round, median per round, median over rounds. {@code --clock cpu} (with
 * {@code -XX:ActiveProcessorCount=1}, so the kernels stay on the caller) times the calling thread's
 * CPU time, which other load on a shared machine changes far less than wall time.
 *
 * <pre>
 * java -XX:ActiveProcessorCount=1 -cp ... io.deepslim.benchmarks.BnReluBench --clock cpu --rounds 5 --reps 3
 * </pre>
 */
public final class BnReluBench {
    private BnReluBench() {}

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    private static boolean cpuClock;

    private static double roundMs(Runnable r, int reps) {
        r.run();
        List<Double> t = new ArrayList<>();
        for (int i = 0; i < reps; i++) {
            long t0 = cpuClock ? MX.getCurrentThreadCpuTime() : System.nanoTime();
            r.run();
            t.add(((cpuClock ? MX.getCurrentThreadCpuTime() : System.nanoTime()) - t0) / 1e6);
        }
        return DenseVersus.median(t);
    }

    public static void main(String[] args) throws Exception {
        int batch = Integer.parseInt(DenseVersus.arg(args, "--batch", "32"));
        int rounds = Integer.parseInt(DenseVersus.arg(args, "--rounds", "5"));
        int reps = Integer.parseInt(DenseVersus.arg(args, "--reps", "3"));
        cpuClock = DenseVersus.arg(args, "--clock", "wall").equals("cpu");
        // vgg45m at 64 px: channels and map side of the eight conv-BN-ReLU blocks
        int[][] shapes = {{64, 64}, {128, 32}, {256, 16}, {512, 8}, {128, 4}};
        int[] count = {2, 2, 2, 1, 1};
        String only = DenseVersus.arg(args, "--shapes", null);   // C:side[,C:side...], one block each
        if (only != null) {
            String[] parts = only.split(",");
            shapes = new int[parts.length][];
            count = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                String[] cs = parts[i].split(":");
                shapes[i] = new int[]{Integer.parseInt(cs[0]), Integer.parseInt(cs[1])};
                count[i] = 1;
            }
        }
        Backend be = Devices.cpu().backend();
        StringBuilder out = new StringBuilder();
        String cpu = Files.lines(Path.of("/proc/cpuinfo")).filter(l -> l.startsWith("model name")).findFirst().orElse("?");
        out.append(String.format("%s; %d processors visible; %s clock; %d rounds × %d reps; load at start: %s", cpu,
                Runtime.getRuntime().availableProcessors(), cpuClock ? "thread CPU" : "wall", rounds, reps,
                Files.readString(Path.of("/proc/loadavg"))));
        out.append("| shape (N,C,H,W) | blocks | separate fwd ms | fused fwd ms | separate bwd ms | fused bwd ms | fwd+bwd fused / separate |\n|---|---|---|---|---|---|---|\n");
        double[] tot = new double[4];
        Random rng = new Random(3);
        for (int s = 0; s < shapes.length; s++) {
            int c = shapes[s][0], hw = shapes[s][1];
            Tensor x = Tensor.randn(rng, 1f, batch, c, hw, hw), dy = Tensor.randn(rng, 1f, batch, c, hw, hw);
            Tensor gamma = Tensor.randn(rng, 1f, c), beta = Tensor.randn(rng, 0.5f, c);
            Tensor rm = Tensor.zeros(c), rv = Tensor.full(1f, c);
            Tensor y = Tensor.zeros(batch, c, hw, hw), dx = Tensor.zeros(batch, c, hw, hw), masked = Tensor.zeros(batch, c, hw, hw);
            Tensor sm = Tensor.zeros(c), si = Tensor.zeros(c), dg = Tensor.zeros(c), db = Tensor.zeros(c);
            Runnable sepF = () -> {
                be.batchNormForward(x, gamma, beta, rm, rv, true, 0.1f, 1e-5f, y, sm, si);
                be.unary(UnaryOp.RELU, y, 0f, y);
            };
            Runnable fusF = () -> be.batchNormReluForward(x, gamma, beta, rm, rv, 0.1f, 1e-5f, y, sm, si);
            Runnable sepB = () -> {
                be.binary(BinaryOp.MASK_POSITIVE, dy, y, masked);
                be.batchNormBackward(x, masked, gamma, sm, si, dx, dg, db);
            };
            Runnable fusB = () -> be.batchNormReluBackward(x, y, dy, gamma, beta, sm, si, dx, dg, db);
            List<List<Double>> t = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            for (int r = 0; r < rounds; r++) {
                t.get(0).add(roundMs(sepF, reps));
                t.get(1).add(roundMs(fusF, reps));
                t.get(2).add(roundMs(sepB, reps));
                t.get(3).add(roundMs(fusB, reps));
            }
            double[] m = new double[4];
            for (int i = 0; i < 4; i++) {
                m[i] = DenseVersus.median(t.get(i));
                tot[i] += m[i] * count[s];
            }
            String line = String.format("| %d,%d,%d,%d | %d | %.2f | %.2f | %.2f | %.2f | %.2f× |%n", batch, c, hw, hw, count[s],
                    m[0], m[1], m[2], m[3], (m[1] + m[3]) / (m[0] + m[2]));
            System.out.print(line);
            out.append(line);
        }
        out.append(String.format("| all | %d |", java.util.Arrays.stream(count).sum()));
        out.append(String.format(" %.1f | %.1f | %.1f | %.1f | %.2f× |%n", tot[0], tot[1], tot[2], tot[3],
                (tot[1] + tot[3]) / (tot[0] + tot[2])));
        out.append(String.format("load at end: %s", Files.readString(Path.of("/proc/loadavg"))));
        System.out.print(out);
        String file = DenseVersus.arg(args, "--out", null);
        if (file != null) Files.writeString(Path.of(file), out.toString());
    }
}
