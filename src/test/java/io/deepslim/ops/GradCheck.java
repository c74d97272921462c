package io.deepslim.ops;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.Device;
import io.deepslim.engine.Devices;
import io.deepslim.engine.TestDevices;
import io.deepslim.tensor.Tensor;

import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Central finite differences against autograd. The engine computes in float32, so the scalar
 * probe loss Σ out·gout is accumulated in double on the host and the step is 1e-2 (1e-3 for
 * ops with kinks, whose inputs the callers keep well apart); tolerance |a−n| ≤ 2e-2·max(1,|n|).
 */
final class GradCheck {
    private GradCheck() {}

    /** The device inputs are built on; set per test by {@link #on} (tests run one at a time). */
    private static Device device = Devices.cpu();

    /** Builds the following inputs on the test device named {@code name} (skips the test when unavailable). */
    static void on(String name) { device = TestDevices.require(name); }

    static Device device() { return device; }

    static double probe(Tensor out, float[] gout) {
        float[] o = out.toFloatArray();
        double s = 0;
        for (int i = 0; i < o.length; i++) s += (double) o[i] * gout[i];
        return s;
    }

    static void check(String name, Function<Tensor[], Tensor> f, float eps, Tensor... inputs) {
        for (Tensor t : inputs) t.requiresGrad(true).setGrad(null);
        Tensor out = f.apply(inputs);
        Random rng = new Random(7);
        float[] gout = new float[(int) out.numel()];
        for (int i = 0; i < gout.length; i++) gout[i] = (float) rng.nextGaussian();
        Ops.sum(Ops.mul(out, Tensor.of(out.device(), gout, out.shape()))).backward();
        try (GradMode g = GradMode.off()) {
            for (int k = 0; k < inputs.length; k++) {
                Tensor in = inputs[k];
                assertNotNull(in.grad(), name + ": no gradient reached input " + k);
                float[] analytic = in.grad().toFloatArray();
                float[] values = in.toFloatArray();
                for (int i = 0; i < in.numel(); i++) {
                    float orig = values[i];
                    values[i] = orig + eps;
                    in.copyFrom(values);
                    double plus = probe(f.apply(inputs), gout);
                    values[i] = orig - eps;
                    in.copyFrom(values);
                    double minus = probe(f.apply(inputs), gout);
                    values[i] = orig;
                    in.copyFrom(values);
                    double numeric = (plus - minus) / (2 * eps);
                    if (Math.abs(analytic[i] - numeric) > 2e-2 * Math.max(1, Math.abs(numeric))) {
                        fail(name + ": input " + k + " element " + i + " analytic " + analytic[i] + " numeric " + numeric);
                    }
                }
            }
        }
    }

    static Tensor randn(long seed, int... shape) { return Tensor.randn(device, new Random(seed), 1f, shape); }

    /** Distinct values ±(0.1 … ) spaced 0.05 apart in random order: no ties, no kinks within ±eps. */
    static Tensor distinct(long seed, int... shape) {
        int n = (int) io.deepslim.tensor.Shape.numel(shape);
        float[] v = new float[n];
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        java.util.Collections.shuffle(java.util.Arrays.asList(idx), new Random(seed));
        for (int i = 0; i < n; i++) {
            v[i] = 0.05f * (idx[i] - n / 2) + 0.025f;
        }
        Tensor t = Tensor.of(device, v, shape);
        assertEquals(n, t.numel());
        return t;
    }
}
