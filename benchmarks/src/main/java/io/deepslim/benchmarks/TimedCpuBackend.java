package io.deepslim.benchmarks;

import io.deepslim.backend.BinaryOp;
import io.deepslim.backend.ConvParams;
import io.deepslim.backend.PoolParams;
import io.deepslim.backend.ReduceOp;
import io.deepslim.backend.UnaryOp;
import io.deepslim.backend.cpu.CpuBackend;
import io.deepslim.tensor.Tensor;

import java.util.Map;
import java.util.TreeMap;

/**
 * The CPU backend with the wall time of each primitive call summed per key ("conv2dBackwardFilter
 * 64->128 @32", "batchNormBackward", "unary RELU", …), for a training-step breakdown
 * ({@code DenseVersus --train --breakdown yes}). A subclass, not a proxy, so that the native kernels still
 * see a CPU backend; only the outermost call is timed (a primitive calling another counts once).
 */
final class TimedCpuBackend extends CpuBackend {
    private final Map<String, long[]> nanos = new TreeMap<>();
    private final ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[1]);

    private final boolean cpuClock;
    private final java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();

    /** cpuClock: the calling thread's CPU time instead of wall time (single-thread runs, see DenseVersus --clock cpu). */
    TimedCpuBackend(int threads, boolean cpuClock) {
        super(io.deepslim.backend.cpu.Gemm.best(1), threads);
        this.cpuClock = cpuClock;
    }

    private long now() { return cpuClock ? mx.getCurrentThreadCpuTime() : System.nanoTime(); }

    private void timed(String key, Runnable r) {
        int[] d = depth.get();
        if (d[0]++ > 0) {
            try {
                r.run();
            } finally {
                d[0]--;
            }
            return;
        }
        long t0 = now();
        try {
            r.run();
        } finally {
            long dt = now() - t0;
            d[0]--;
            synchronized (nanos) {
                nanos.computeIfAbsent(key, k -> new long[2]);
                nanos.get(key)[0] += dt;
                nanos.get(key)[1]++;
            }
        }
    }

    /** Key to {total ns, calls}, then cleared. */
    Map<String, long[]> drain() {
        synchronized (nanos) {
            Map<String, long[]> m = new TreeMap<>(nanos);
            nanos.clear();
            return m;
        }
    }

    private static String conv(Tensor x, Tensor w) { return w.size(1) + "->" + w.size(0) + " @" + x.size(2); }

    @Override public void conv2dForward(Tensor x, Tensor w, Tensor b, ConvParams p, Tensor y) { timed("conv2dForward " + conv(x, w), () -> super.conv2dForward(x, w, b, p, y)); }
    @Override public void conv2dForwardRelu(Tensor x, Tensor w, Tensor b, ConvParams p, Tensor y) { timed("conv2dForward " + conv(x, w), () -> super.conv2dForwardRelu(x, w, b, p, y)); }
    @Override public void conv2dBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx) { timed("conv2dBackwardData " + conv(dx, w), () -> super.conv2dBackwardData(dy, w, p, dx)); }
    @Override public void conv2dBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw) { timed("conv2dBackwardFilter " + conv(x, dw), () -> super.conv2dBackwardFilter(x, dy, p, dw)); }
    @Override public void unary(UnaryOp op, Tensor a, float alpha, Tensor out) { timed("unary " + op, () -> super.unary(op, a, alpha, out)); }
    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) { timed("binary " + op, () -> super.binary(op, a, b, out)); }
    @Override public void axpy(float alpha, Tensor x, Tensor y) { timed("axpy", () -> super.axpy(alpha, x, y)); }
    @Override public void reduce(ReduceOp op, Tensor a, int dim, Tensor out) { timed("reduce " + op, () -> super.reduce(op, a, dim, out)); }
    @Override public void fill(Tensor dst, float v) { timed("fill", () -> super.fill(dst, v)); }
    @Override public void copy(Tensor src, Tensor dst) { timed("copy", () -> super.copy(src, dst)); }
    @Override public void gemm(boolean ta, boolean tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) { timed("gemm", () -> super.gemm(ta, tb, alpha, a, b, beta, c)); }
    @Override public void maxPool2dForward(Tensor x, PoolParams p, Tensor y, Tensor argmax) { timed("maxPool2dForward", () -> super.maxPool2dForward(x, p, y, argmax)); }
    @Override public void maxPool2dBackward(Tensor dy, Tensor argmax, Tensor dx) { timed("maxPool2dBackward", () -> super.maxPool2dBackward(dy, argmax, dx)); }
    @Override public void batchNormForward(Tensor x, Tensor g, Tensor b, Tensor rm, Tensor rv, boolean training, float momentum, float eps,
                                           Tensor y, Tensor sm, Tensor si) {
        timed("batchNormForward", () -> super.batchNormForward(x, g, b, rm, rv, training, momentum, eps, y, sm, si));
    }
    @Override public void batchNormBackward(Tensor x, Tensor dy, Tensor g, Tensor sm, Tensor si, Tensor dx, Tensor dg, Tensor db) {
        timed("batchNormBackward", () -> super.batchNormBackward(x, dy, g, sm, si, dx, dg, db));
    }
    @Override public void softmax(Tensor x, boolean log, Tensor y) { timed("softmax", () -> super.softmax(x, log, y)); }
    @Override public void softmaxBackward(Tensor y, Tensor dy, boolean log, Tensor dx) { timed("softmaxBackward", () -> super.softmaxBackward(y, dy, log, dx)); }
    @Override public void sgdStep(Tensor w, Tensor g, Tensor v, float lr, float m, float wd, boolean nesterov, boolean first) {
        timed("sgdStep", () -> super.sgdStep(w, g, v, lr, m, wd, nesterov, first));
    }
}
