package io.deepslim.nn;

import io.deepslim.backend.BackendTrace;
import io.deepslim.backend.Device;
import io.deepslim.backend.cpu.CpuBackend;
import io.deepslim.engine.Devices;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused training-mode BatchNorm2d + ReLU (Ops.batchNormRelu; CpuBackend's two-pass kernels on
 * "cpu", the Backend default composition on "ref") against the separate ops and against a
 * double-precision reference written here. Tolerances (float32 against the float64 reference,
 * M = N·H·W ≤ 147 values per channel): outputs and dx 1e-5 + 1e-4·|ref|, dγ and dβ
 * 1e-4 + 1e-4·|ref|, running stats 1e-6 + 1e-5·|ref|; fused against separate the same.
 */
class BatchNormReluFusionTest {
    static final float MOMENTUM = 0.1f, EPS = 1e-5f;

    @AfterEach
    void clearProperty() { System.clearProperty(BatchNorm2d.FUSE_PROPERTY); }

    static Stream<Arguments> shapes() {
        List<Arguments> a = new ArrayList<>();
        for (String dev : new String[]{"cpu", "ref"}) {
            for (int n : new int[]{1, 3}) {
                for (int c : new int[]{1, 5, 17}) {
                    for (int[] hw : new int[][]{{1, 1}, {3, 5}, {7, 7}}) {
                        if (n * hw[0] * hw[1] > 1) a.add(Arguments.of(dev, n, c, hw[0], hw[1]));
                    }
                }
            }
        }
        return a.stream();
    }

    /** One fused or separate forward + backward of Σ(y·r); the outputs as float arrays. */
    private record Run(float[] y, float[] dx, float[] dgamma, float[] dbeta, float[] runMean, float[] runVar) {}

    private static Run run(Device dev, boolean fused, float[] x, float[] gamma, float[] beta, float[] r, int... shape) {
        return run(dev, fused, false, x, gamma, beta, r, shape);
    }

    /** With {@code pool}: a 2×2 stride-2 max-pool follows (fused: Ops.batchNormReluMaxPool2); r has the pooled shape. */
    private static Run run(Device dev, boolean fused, boolean pool, float[] x, float[] gamma, float[] beta, float[] r, int... shape) {
        int c = shape[1];
        Tensor xt = Tensor.of(dev, x, shape).requiresGrad(true);
        Tensor g = Tensor.of(dev, gamma, c).requiresGrad(true), b = Tensor.of(dev, beta, c).requiresGrad(true);
        Tensor rm = Tensor.of(dev, seq(c, 0.1f), c), rv = Tensor.of(dev, seq(c, 1f), c);
        Tensor y;
        if (pool) {
            y = fused ? Ops.batchNormReluMaxPool2(xt, g, b, rm, rv, MOMENTUM, EPS)
                    : Ops.maxPool2d(Ops.relu(Ops.batchNorm(xt, g, b, rm, rv, true, MOMENTUM, EPS)), 2, 2, 0);
        } else {
            y = fused ? Ops.batchNormRelu(xt, g, b, rm, rv, MOMENTUM, EPS)
                    : Ops.relu(Ops.batchNorm(xt, g, b, rm, rv, true, MOMENTUM, EPS));
        }
        Ops.sum(Ops.mul(y, Tensor.of(dev, r, y.shape()))).backward();
        return new Run(y.toFloatArray(), xt.grad().toFloatArray(), g.grad().toFloatArray(), b.grad().toFloatArray(),
                rm.toFloatArray(), rv.toFloatArray());
    }

    /** c values start, start + 0.25, ... (distinct running stats per channel). */
    private static float[] seq(int c, float start) {
        float[] v = new float[c];
        for (int i = 0; i < c; i++) v[i] = start + 0.25f * i;
        return v;
    }

    /** The float64 reference: batch statistics, ReLU, running-stat update (unbiased variance), backward of Σ(y·r). */
    private static double[][] reference(float[] x, float[] gamma, float[] beta, float[] r, int n, int c, int hw) {
        return reference(x, gamma, beta, r, n, c, hw, 1, false);
    }

    /**
     * With {@code pool}: then a 2×2 stride-2 max-pool (first maximum wins, rows/columns past an even
     * size dropped) of the h×(hw/h) maps; y and r have the pooled shape, the gradient reaches each
     * window's maximum.
     */
    private static double[][] reference(float[] x, float[] gamma, float[] beta, float[] r, int n, int c, int hw, int h, boolean pool) {
        double[] y = new double[x.length], dx = new double[x.length], dg = new double[c], db = new double[c];
        float[] rFull = r;
        if (pool) {
            // the pooled gradient scattered to each window's maximum (of the ReLU output, computed here in double)
            rFull = new float[x.length];
            double[] z = forwardOnly(x, gamma, beta, n, c, hw);
            int w = hw / h, ho = h / 2, wo = w / 2;
            for (int p = 0; p < n * c; p++) {
                for (int oh = 0; oh < ho; oh++) {
                    for (int ow = 0; ow < wo; ow++) {
                        int best = p * hw + 2 * oh * w + 2 * ow;
                        for (int k : new int[]{1, w, w + 1}) if (z[p * hw + 2 * oh * w + 2 * ow + k] > z[best]) best = p * hw + 2 * oh * w + 2 * ow + k;
                        rFull[best] = r[(p * ho + oh) * wo + ow];
                    }
                }
            }
        }
        r = rFull;
        double[] rm = new double[c], rv = new double[c];
        int m = n * hw;
        for (int ch = 0; ch < c; ch++) {
            double mean = 0, var = 0;
            for (int b = 0; b < n; b++) for (int i = 0; i < hw; i++) mean += x[(b * c + ch) * hw + i];
            mean /= m;
            for (int b = 0; b < n; b++) for (int i = 0; i < hw; i++) var += Math.pow(x[(b * c + ch) * hw + i] - mean, 2);
            var /= m;
            double inv = 1 / Math.sqrt(var + EPS);
            rm[ch] = (1 - (double) MOMENTUM) * (0.1 + 0.25 * ch) + MOMENTUM * mean;
            rv[ch] = (1 - (double) MOMENTUM) * (1 + 0.25 * ch) + MOMENTUM * var * m / (m - 1);
            double sg = 0, sgx = 0;
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < hw; i++) {
                    int k = (b * c + ch) * hw + i;
                    double xh = (x[k] - mean) * inv, z = gamma[ch] * xh + beta[ch];
                    y[k] = Math.max(z, 0);
                    double gz = z > 0 ? r[k] : 0;
                    sg += gz;
                    sgx += gz * xh;
                }
            }
            dg[ch] = sgx;
            db[ch] = sg;
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < hw; i++) {
                    int k = (b * c + ch) * hw + i;
                    double xh = (x[k] - mean) * inv, gz = gamma[ch] * xh + beta[ch] > 0 ? r[k] : 0;
                    dx[k] = gamma[ch] * inv / m * (m * gz - sg - xh * sgx);
                }
            }
        }
        if (pool) {
            int w = hw / h, ho = h / 2, wo = w / 2;
            double[] yp = new double[n * c * ho * wo];
            for (int p = 0; p < n * c; p++) {
                for (int oh = 0; oh < ho; oh++) {
                    for (int ow = 0; ow < wo; ow++) {
                        int i0 = p * hw + 2 * oh * w + 2 * ow;
                        yp[(p * ho + oh) * wo + ow] = Math.max(Math.max(y[i0], y[i0 + 1]), Math.max(y[i0 + w], y[i0 + w + 1]));
                    }
                }
            }
            y = yp;
        }
        return new double[][]{y, dx, dg, db, rm, rv};
    }

    /** max(BN(x), 0) with batch statistics, in double. */
    private static double[] forwardOnly(float[] x, float[] gamma, float[] beta, int n, int c, int hw) {
        double[] y = new double[x.length];
        for (int ch = 0; ch < c; ch++) {
            double mean = 0, var = 0;
            for (int b = 0; b < n; b++) for (int i = 0; i < hw; i++) mean += x[(b * c + ch) * hw + i];
            mean /= n * hw;
            for (int b = 0; b < n; b++) for (int i = 0; i < hw; i++) var += Math.pow(x[(b * c + ch) * hw + i] - mean, 2);
            double inv = 1 / Math.sqrt(var / (n * hw) + EPS);
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < hw; i++) {
                    int k = (b * c + ch) * hw + i;
                    y[k] = Math.max(gamma[ch] * (x[k] - mean) * inv + beta[ch], 0);
                }
            }
        }
        return y;
    }

    private static void assertClose(String what, double[] ref, float[] got, double atol, double rtol) {
        assertEquals(ref.length, got.length, what + ": length");
        for (int i = 0; i < ref.length; i++) {
            double tol = atol + rtol * Math.abs(ref[i]);
            int k = i;
            assertTrue(Math.abs(got[i] - ref[i]) <= tol, () -> what + "[" + k + "]: " + got[k] + " vs reference " + ref[k]);
        }
    }

    private static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    private static void assertRun(String what, double[][] ref, Run got) {
        assertClose(what + " y", ref[0], got.y(), 1e-5, 1e-4);
        assertClose(what + " dx", ref[1], got.dx(), 1e-5, 1e-4);
        assertClose(what + " dgamma", ref[2], got.dgamma(), 1e-4, 1e-4);
        assertClose(what + " dbeta", ref[3], got.dbeta(), 1e-4, 1e-4);
        assertClose(what + " running_mean", ref[4], got.runMean(), 1e-6, 1e-5);
        assertClose(what + " running_var", ref[5], got.runVar(), 1e-6, 1e-5);
    }

    @ParameterizedTest(name = "{0} N{1} C{2} {3}x{4}")
    @MethodSource("shapes")
    void fusedMatchesSeparateOpsAndDoubleReference(String device, int n, int c, int h, int w) {
        Random rng = new Random(31L * n + 7L * c + h * 3L + w);
        float[] x = randn(rng, n * c * h * w, 1.5f, 0.3f), r = randn(rng, x.length, 1f, 0f);
        float[] gamma = randn(rng, c, 0.5f, 1f), beta = randn(rng, c, 0.5f, 0f);
        Device dev = Devices.get(device);
        Run fused = run(dev, true, x, gamma, beta, r, n, c, h, w), sep = run(dev, false, x, gamma, beta, r, n, c, h, w);
        double[][] ref = reference(x, gamma, beta, r, n, c, h * w);
        assertRun("fused", ref, fused);
        assertRun("separate", ref, sep);
        double[][] sepAsRef = {widen(sep.y()), widen(sep.dx()), widen(sep.dgamma()), widen(sep.dbeta()), widen(sep.runMean()), widen(sep.runVar())};
        assertRun("fused vs separate", sepAsRef, fused);
    }

    static Stream<Arguments> poolShapes() {
        List<Arguments> a = new ArrayList<>();
        for (String dev : new String[]{"cpu", "ref"}) {
            for (int n : new int[]{1, 3}) {
                for (int c : new int[]{1, 5, 17}) {
                    for (int[] hw : new int[][]{{2, 2}, {3, 5}, {7, 7}}) a.add(Arguments.of(dev, n, c, hw[0], hw[1]));
                }
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} N{1} C{2} {3}x{4}")
    @MethodSource("poolShapes")
    void fusedWithMaxPoolMatchesSeparateOpsAndDoubleReference(String device, int n, int c, int h, int w) {
        Random rng = new Random(17L * n + 5L * c + h * 11L + w);
        float[] x = randn(rng, n * c * h * w, 1.5f, 0.3f), r = randn(rng, n * c * (h / 2) * (w / 2), 1f, 0f);
        float[] gamma = randn(rng, c, 0.5f, 1f), beta = randn(rng, c, 0.5f, 0f);
        Device dev = Devices.get(device);
        Run fused = run(dev, true, true, x, gamma, beta, r, n, c, h, w), sep = run(dev, false, true, x, gamma, beta, r, n, c, h, w);
        double[][] ref = reference(x, gamma, beta, r, n, c, h * w, h, true);
        assertRun("fused", ref, fused);
        assertRun("separate", ref, sep);
        double[][] sepAsRef = {widen(sep.y()), widen(sep.dx()), widen(sep.dgamma()), widen(sep.dbeta()), widen(sep.runMean()), widen(sep.runVar())};
        assertRun("fused vs separate", sepAsRef, fused);
    }

    /**
     * A large mean against a tiny spread (mean/std = 1e5): a one-pass Σx² in float would lose every
     * digit of the variance, so the batch statistics (seen through the running stats) must stay
     * within 1e-5 of the float64 ones. The normalized output and gradients inherit the float32
     * rounding of the saved mean (half an ulp of 1000, 3e-5, i.e. 3e-3 of a standard deviation,
     * as in PyTorch): y and dx within γ·inv·ulp(1000) (+ 1e-4), dγ within inv·ulp(1000)·Σ|g| (+ 1e-4).
     */
    @Test
    void largeOffsetKeepsTheVarianceAccurate() {
        int n = 3, c = 5, h = 7, w = 7;
        Random rng = new Random(5);
        float[] x = randn(rng, n * c * h * w, 0.01f, 1000f), r = randn(rng, x.length, 1f, 0f);
        float[] gamma = randn(rng, c, 0.5f, 1f), beta = randn(rng, c, 0.5f, 0f);
        double[][] ref = reference(x, gamma, beta, r, n, c, h * w);
        Run fused = run(Devices.cpu(), true, x, gamma, beta, r, n, c, h, w);
        assertClose("running_mean", ref[4], fused.runMean(), 1e-6, 1e-6);
        assertClose("running_var", ref[5], fused.runVar(), 1e-7, 1e-5);
        double ulp = Math.ulp(1000f), inv = 1 / 0.01, sumAbsG = 0;
        for (float v : r) sumAbsG += Math.abs(v);
        double maxGamma = 0;
        for (float g : gamma) maxGamma = Math.max(maxGamma, Math.abs(g));
        assertClose("y", ref[0], fused.y(), 1e-4 + 1.5 * maxGamma * inv * ulp, 1e-4);
        assertClose("dgamma", ref[2], fused.dgamma(), 1e-4 + 1.5 * inv * ulp * sumAbsG, 1e-4);
        assertClose("dbeta", ref[3], fused.dbeta(), 1e-4, 1e-4);
        // dx = γ·inv·(g − mean(g) − x̂·mean(g·x̂)): its x̂ term carries the same offset
        assertClose("dx", ref[1], fused.dx(), 1e-4 + 1.5 * maxGamma * inv * inv * ulp * sumAbsG / x.length * c, 1e-4);
    }

    @Test
    void oneValuePerChannelIsRejectedLikeTheSeparateOp() {
        Tensor x = Tensor.zeros(1, 3, 1, 1);
        Tensor g = Tensor.full(1f, 3), b = Tensor.zeros(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ops.batchNormRelu(x, g, b, Tensor.zeros(3), Tensor.full(1f, 3), MOMENTUM, EPS));
        assertTrue(e.getMessage().startsWith("batch_norm_relu: training needs more than one value per channel"), e.getMessage());
    }

    private static float[] randn(Random rng, int len, float std, float mean) {
        float[] v = new float[len];
        for (int i = 0; i < len; i++) v[i] = (float) (mean + std * rng.nextGaussian());
        return v;
    }

    // ---------------------------------------------------------------- Sequential picks the fused op

    private static final class Traced {
        final BackendTrace trace = new BackendTrace();
        final Device dev = new Device("cpu+trace", trace.wrap(new CpuBackend()));

        long calls(String primitive) {
            return trace.counts().entrySet().stream().filter(e -> e.getKey().startsWith(primitive + " → "))
                    .mapToLong(Map.Entry::getValue).sum();
        }
    }

    /** Conv → BN → [successor] → pool (default a 3×3 stride-2 max-pool, which does not fuse), seeded identically; one forward + backward; returns (output, BN weight grad, running var). */
    private static float[][] step(Traced t, Module successor, boolean training, boolean grad) {
        return step(t, successor, new Layers.MaxPool2d(3, 2, 1), training, grad);
    }

    private static float[][] step(Traced t, Module successor, Module pool, boolean training, boolean grad) {
        Random rng = new Random(9);
        BatchNorm2d bn = new BatchNorm2d(6);
        Sequential seq = new Sequential(new Conv2d(rng, 3, 6), bn);
        if (successor != null) seq.add(successor);
        seq.add(pool);
        seq.to(t.dev);
        seq.train(training);
        Tensor x = Tensor.randn(t.dev, new Random(4), 1f, 3, 3, 6, 6);
        Tensor y;
        try (io.deepslim.autograd.GradMode g = grad ? io.deepslim.autograd.GradMode.on() : io.deepslim.autograd.GradMode.off()) {
            y = seq.forward(x);
            if (grad) Ops.sum(Ops.mul(y, Tensor.randn(t.dev, new Random(8), 1f, y.shape()))).backward();
        }
        Tensor wg = bn.namedParameters().get("weight").grad();
        return new float[][]{y.toFloatArray(), wg == null ? new float[0] : wg.toFloatArray(),
                bn.stateDict().get("running_var").toFloatArray(), bn.stateDict().get("num_batches_tracked").toFloatArray()};
    }

    @Test
    void sequentialTrainingStepRunsTheFusedOpAndMatchesItWhenOff() {
        Traced on = new Traced();
        float[][] fused = step(on, new Layers.ReLU(), true, true);
        assertEquals(1, on.calls("batchNormReluForward"), on.trace::toString);
        assertEquals(1, on.calls("batchNormReluBackward"), on.trace::toString);
        assertEquals(0, on.calls("batchNormForward"), on.trace::toString);
        assertEquals(0, on.calls("batchNormBackward"), on.trace::toString);

        System.setProperty(BatchNorm2d.FUSE_PROPERTY, "off");
        Traced off = new Traced();
        float[][] sep = step(off, new Layers.ReLU(), true, true);
        assertEquals(0, off.calls("batchNormReluForward"), off.trace::toString);
        assertEquals(1, off.calls("batchNormForward"), off.trace::toString);
        assertEquals(1, off.calls("batchNormBackward"), off.trace::toString);

        String[] what = {"output", "weight grad", "running_var", "num_batches_tracked"};
        for (int i = 0; i < what.length; i++) {
            assertEquals(sep[i].length, fused[i].length, what[i]);
            for (int k = 0; k < sep[i].length; k++) assertEquals(sep[i][k], fused[i][k], 1e-5 + 1e-4 * Math.abs(sep[i][k]), what[i] + "[" + k + "]");
        }
        assertArrayEquals(new float[]{1f}, fused[3], "num_batches_tracked counts the fused step once");
        assertTrue(fused[1].length == 6 && Math.abs(fused[1][0]) + Math.abs(fused[1][5]) > 0, "the BN weight received a gradient");
    }

    @Test
    void sequentialWithTwoByTwoPoolRunsTheThreeAsOneOpAndMatchesNoPoolAndOff() {
        Traced three = new Traced();
        float[][] fused = step(three, new Layers.ReLU(), new Layers.MaxPool2d(2), true, true);
        assertEquals(1, three.calls("batchNormReluMaxPool2Forward"), three.trace::toString);
        assertEquals(1, three.calls("batchNormReluMaxPool2Backward"), three.trace::toString);
        assertEquals(0, three.calls("maxPool2dForward") + three.calls("batchNormReluForward") + three.calls("batchNormForward"), three.trace::toString);

        System.setProperty(BatchNorm2d.FUSE_PROPERTY, "nopool");
        Traced two = new Traced();
        float[][] noPool = step(two, new Layers.ReLU(), new Layers.MaxPool2d(2), true, true);
        assertEquals(0, two.calls("batchNormReluMaxPool2Forward"), two.trace::toString);
        assertEquals(1, two.calls("batchNormReluForward"), two.trace::toString);
        assertEquals(1, two.calls("maxPool2dForward"), two.trace::toString);

        System.setProperty(BatchNorm2d.FUSE_PROPERTY, "off");
        Traced none = new Traced();
        float[][] sep = step(none, new Layers.ReLU(), new Layers.MaxPool2d(2), true, true);
        assertEquals(0, none.calls("batchNormReluMaxPool2Forward") + none.calls("batchNormReluForward"), none.trace::toString);

        String[] what = {"output", "weight grad", "running_var", "num_batches_tracked"};
        for (float[][] other : new float[][][]{noPool, sep}) {
            for (int i = 0; i < what.length; i++) {
                assertEquals(other[i].length, fused[i].length, what[i]);
                for (int k = 0; k < other[i].length; k++) {
                    assertEquals(other[i][k], fused[i][k], 1e-5 + 1e-4 * Math.abs(other[i][k]), what[i] + "[" + k + "]");
                }
            }
        }
        assertEquals(3 * 6 * 3 * 3, fused[0].length, "the fused op pooled 6x6 maps to 3x3");
    }

    /** A ReLU-like module that is not Layers.ReLU (as an in-place or quantizing ReLU would be): no fusion, same numbers. */
    private static final class OtherRelu extends Module {
        @Override
        public Tensor forward(Tensor x) { return Ops.relu(x); }
    }

    @Test
    void otherSuccessorsEvalModeAndNoGradFallBackToTheSeparateOps() {
        Traced relu = new Traced();
        float[][] fused = step(relu, new Layers.ReLU(), true, true);
        Traced other = new Traced();
        float[][] viaOther = step(other, new OtherRelu(), true, true);
        assertEquals(0, other.calls("batchNormReluForward"), other.trace::toString);
        assertEquals(1, other.calls("batchNormForward"), other.trace::toString);
        for (int k = 0; k < fused[0].length; k++) assertEquals(fused[0][k], viaOther[0][k], 1e-5 + 1e-4 * Math.abs(fused[0][k]));
        for (int k = 0; k < fused[1].length; k++) assertEquals(fused[1][k], viaOther[1][k], 1e-5 + 1e-4 * Math.abs(fused[1][k]));

        Traced none = new Traced();
        step(none, null, true, true);                        // BN straight into the max-pool
        assertEquals(0, none.calls("batchNormReluForward"), none.trace::toString);
        assertEquals(1, none.calls("batchNormBackward"), none.trace::toString);

        Traced eval = new Traced();
        step(eval, new Layers.ReLU(), false, true);
        assertEquals(0, eval.calls("batchNormReluForward"), eval.trace::toString);
        assertEquals(1, eval.calls("batchNormForward"), eval.trace::toString);

        Traced noGrad = new Traced();
        step(noGrad, new Layers.ReLU(), true, false);
        assertEquals(0, noGrad.calls("batchNormReluForward"), noGrad.trace::toString);
        assertEquals(1, noGrad.calls("batchNormForward"), noGrad.trace::toString);
    }

    @Test
    void batchNormLastInSequentialIsNotFused() {
        Traced t = new Traced();
        Sequential seq = new Sequential(new BatchNorm2d(2));
        seq.to(t.dev);
        Tensor y = seq.forward(Tensor.randn(t.dev, new Random(1), 1f, 2, 2, 3, 3).requiresGrad(true));
        assertEquals(0, t.calls("batchNormReluForward"));
        assertEquals(1, t.calls("batchNormForward"));
        assertTrue(y.toFloatArray()[0] != 0f || y.toFloatArray()[1] != 0f, "output written");
    }
}
