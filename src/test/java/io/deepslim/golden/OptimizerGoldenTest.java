package io.deepslim.golden;

import io.deepslim.engine.TestDevices;
import io.deepslim.ops.Ops;
import io.deepslim.optim.Adam;
import io.deepslim.optim.SGD;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;

/**
 * Two optimizer steps on PaperNet (fixtures opt_sgd, opt_adam, opt_adamw: PyTorch float32, same batch
 * both steps), checked two ways:
 * <ul>
 * <li>injected gradients: PyTorch's own gradients of each step are handed to the optimizer, so only the
 *     update rule is compared; tolerance 1e-6 + 1e-5·|ref|;</li>
 * <li>end to end: deepslim computes forward and backward itself; losses 1e-5 + 1e-4·|ref|, parameters
 *     1e-5 + 1e-4·|ref|. For Adam/AdamW, elements whose PyTorch gradient is below 1e-6 at either step
 *     are skipped: there m/√v is the ratio of two rounding noises (e.g. conv biases followed by
 *     training-mode BN have an exactly-zero true gradient), so its sign is arbitrary.</li>
 * </ul>
 */
class OptimizerGoldenTest {
    static final double INJECTED_ATOL = 1e-6, INJECTED_RTOL = 1e-5, ATOL = 1e-5, RTOL = 1e-4, NOISE_GRAD = 1e-6;

    static Stream<Arguments> fixtures() { return TestDevices.cross("opt_sgd", "opt_adam", "opt_adamw"); }

    /** The optimizer named by the fixture's metadata; returns {step, zeroGrad}. */
    private static Runnable[] optimizer(Golden g, List<Tensor> params) {
        float lr = Float.parseFloat(g.meta("lr")), wd = Float.parseFloat(g.meta("weight_decay"));
        switch (g.meta("optimizer")) {
            case "sgd" -> {
                SGD o = new SGD(params, lr, Float.parseFloat(g.meta("momentum")), wd, g.metaBool("nesterov"));
                return new Runnable[]{o::step, o::zeroGrad};
            }
            case "adam", "adamw" -> {
                Adam o = new Adam(params, lr, Float.parseFloat(g.meta("beta1")), Float.parseFloat(g.meta("beta2")),
                        Float.parseFloat(g.meta("eps")), wd, g.meta("optimizer").equals("adamw"));
                return new Runnable[]{o::step, o::zeroGrad};
            }
            default -> throw new IllegalStateException(g.meta("optimizer"));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("fixtures")
    void injectedGradients(String device, String fixture) {
        Golden g = Golden.load(device, fixture);
        List<String> names = NetworkGoldenTest.parameterNames(g);
        Map<String, Tensor> p = NetworkGoldenTest.load(g, "param.", "init.");
        List<Tensor> params = names.stream().map(p::get).toList();
        Runnable[] opt = optimizer(g, params);
        List<Executable> checks = new ArrayList<>();
        for (int step = 1; step <= 2; step++) {
            opt[1].run();
            for (String n : names) p.get(n).setGrad(g.tensor("grad" + step + "." + n));
            opt[0].run();
            for (String n : names) {
                String ref = "step" + step + "." + n;
                float[] got = p.get(n).toFloatArray();
                int[] shape = p.get(n).shape();
                checks.add(() -> g.assertClose(ref + " (injected)", g.floats(ref), g.shape(ref), shape, got,
                        INJECTED_ATOL, INJECTED_RTOL));
            }
        }
        assertAll(fixture, checks);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("fixtures")
    void endToEnd(String device, String fixture) {
        Golden g = Golden.load(device, fixture);
        List<String> names = NetworkGoldenTest.parameterNames(g);
        Map<String, Tensor> p = NetworkGoldenTest.load(g, "param.", "init.");
        List<Tensor> params = names.stream().map(p::get).toList();
        Runnable[] opt = optimizer(g, params);
        boolean adam = !g.meta("optimizer").equals("sgd");
        int[] y = g.ints("in.y");
        Tensor x = g.tensor("in.x");
        List<Executable> checks = new ArrayList<>();
        for (int step = 1; step <= 2; step++) {
            opt[1].run();
            Tensor loss = Ops.crossEntropy(NetworkGoldenTest.forward(p, x, true), y);
            loss.backward();
            String lossName = "out.loss" + step;
            checks.add(() -> g.assertClose(lossName, lossName, loss, ATOL, RTOL));
            opt[0].run();
            for (String n : names) {
                String ref = "step" + step + "." + n;
                float[] want = g.floats(ref), got = p.get(n).toFloatArray();
                if (adam) skipNoiseGradients(g, n, step, want, got);
                int[] shape = p.get(n).shape();
                checks.add(() -> g.assertClose(ref, want, g.shape(ref), shape, got, ATOL, RTOL));
            }
        }
        assertAll(fixture, checks);
    }

    /** Copies the reference into {@code got} where PyTorch's gradient was noise at any step so far. */
    private static void skipNoiseGradients(Golden g, String name, int step, float[] want, float[] got) {
        for (int s = 1; s <= step; s++) {
            float[] grad = g.floats("grad" + s + "." + name);
            for (int i = 0; i < grad.length; i++) if (Math.abs(grad[i]) < NOISE_GRAD) got[i] = want[i];
        }
    }
}
