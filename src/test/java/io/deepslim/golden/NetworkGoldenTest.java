package io.deepslim.golden;

import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertAll;

/**
 * The paper-style network of tools/make_fixtures.py ({@code PaperNet}: conv-BN-ReLU-pool ×2, a
 * depthwise-separable block, two linear layers; batch 2, 3×32×32, cross-entropy) built from Ops
 * calls, against PyTorch float64 references.
 * Tolerances: logits, loss and BN buffers |diff| ≤ 1e-5 + 1e-4·|ref|; parameter gradients
 * ≤ 1e-4 + 1e-4·|ref| (float32 sums over up to 2·32·32 positions per weight).
 */
class NetworkGoldenTest {
    static final double ATOL = 1e-5, RTOL = 1e-4, GRAD_ATOL = 1e-4;
    static final String[] BN = {"layer1.1", "layer2.1", "layer3.2"};

    /** PaperNet's forward; {@code p} holds parameters and BN buffers under state_dict names. */
    static Tensor forward(Map<String, Tensor> p, Tensor x, boolean training) { return forward(p, x, training, 0); }

    /** {@code fused} 1: training-mode BN + ReLU through Ops.batchNormRelu; 2: BN + ReLU + pool through Ops.batchNormReluMaxPool2. */
    static Tensor forward(Map<String, Tensor> p, Tensor x, boolean training, int fused) {
        Tensor h = block(p, x, "layer1.0", "layer1.1", training, fused);
        h = block(p, h, "layer2.0", "layer2.1", training, fused);
        h = Ops.conv2d(h, p.get("layer3.0.weight"), p.get("layer3.0.bias"), 1, 1, 16);   // depthwise 3x3
        h = block(p, h, "layer3.1", "layer3.2", training, fused);                                // pointwise 1x1 (padding 0 below)
        h = Ops.flatten(h, 1);                                                               // (2, 16·4·4)
        h = Ops.relu(Ops.linear(h, p.get("fc.0.weight"), p.get("fc.0.bias")));
        return Ops.linear(h, p.get("fc1.weight"), p.get("fc1.bias"));
    }

    /** conv (3x3 pad 1, or 1x1 pad 0) → BN → ReLU → maxpool 2. */
    private static Tensor block(Map<String, Tensor> p, Tensor x, String conv, String bn, boolean training, int fused) {
        Tensor w = p.get(conv + ".weight");
        int pad = w.shape()[2] / 2;
        Tensor h = Ops.conv2d(x, w, p.get(conv + ".bias"), 1, pad, 1);
        if (fused == 2) {
            return Ops.batchNormReluMaxPool2(h, p.get(bn + ".weight"), p.get(bn + ".bias"), p.get(bn + ".running_mean"),
                    p.get(bn + ".running_var"), 0.1f, 1e-5f);
        }
        if (fused == 1) {
            h = Ops.batchNormRelu(h, p.get(bn + ".weight"), p.get(bn + ".bias"), p.get(bn + ".running_mean"),
                    p.get(bn + ".running_var"), 0.1f, 1e-5f);
            return Ops.maxPool2d(h, 2, 2, 0);
        }
        h = Ops.batchNorm(h, p.get(bn + ".weight"), p.get(bn + ".bias"), p.get(bn + ".running_mean"),
                p.get(bn + ".running_var"), training, 0.1f, 1e-5f);
        return Ops.maxPool2d(Ops.relu(h), 2, 2, 0);
    }

    /** Parameters from {@code <paramPrefix>.<name>} (tracking gradients) plus BN buffers from {@code <bufferPrefix>}. */
    static Map<String, Tensor> load(Golden g, String paramPrefix, String bufferPrefix) {
        Map<String, Tensor> p = new LinkedHashMap<>();
        for (String n : g.names(paramPrefix)) p.put(n.substring(paramPrefix.length()), g.tensor(n).requiresGrad(true));
        for (String bn : BN) {
            for (String b : new String[]{".running_mean", ".running_var"}) p.put(bn + b, g.tensor(bufferPrefix + bn + b));
        }
        return p;
    }

    static List<String> parameterNames(Golden g) {
        List<String> names = new ArrayList<>();
        for (String n : g.names("param.")) names.add(n.substring("param.".length()));
        return names;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.deepslim.engine.TestDevices#names")
    void trainingModeForwardBackwardAndBuffers(String device) {
        check(device, "net_train", "init.", true);
    }

    /** The same fixture with every BN + ReLU pair run as the fused training op. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.deepslim.engine.TestDevices#names")
    void trainingModeFusedBatchNormRelu(String device) {
        check(device, "net_train", "init.", true, 1);
    }

    /** The same fixture with every BN + ReLU + 2×2 max-pool run as one fused training op. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.deepslim.engine.TestDevices#names")
    void trainingModeFusedBatchNormReluMaxPool(String device) {
        check(device, "net_train", "init.", true, 2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.deepslim.engine.TestDevices#names")
    void evalModeForwardBackward(String device) {
        check(device, "net_eval", "buffer.", false);
    }

    private void check(String device, String fixture, String bufferPrefix, boolean training) {
        check(device, fixture, bufferPrefix, training, 0);
    }

    private void check(String device, String fixture, String bufferPrefix, boolean training, int fused) {
        Golden g = Golden.load(device, fixture);
        Map<String, Tensor> p = load(g, "param.", bufferPrefix);
        Tensor logits = forward(p, g.tensor("in.x"), training, fused);
        Tensor loss = Ops.crossEntropy(logits, g.ints("in.y"));
        loss.backward();

        List<Executable> checks = new ArrayList<>();
        checks.add(() -> g.assertClose("logits", "out.logits", logits, ATOL, RTOL));
        checks.add(() -> g.assertClose("loss", "out.loss", loss, ATOL, RTOL));
        for (String n : parameterNames(g)) {
            Tensor grad = p.get(n).grad();
            checks.add(() -> g.assertClose("grad." + n, "grad." + n, grad, GRAD_ATOL, RTOL));
        }
        for (String bn : BN) {
            for (String b : new String[]{".running_mean", ".running_var"}) {
                checks.add(() -> g.assertClose("buffer." + bn + b, "buffer." + bn + b, p.get(bn + b), ATOL, RTOL));
            }
        }
        assertAll(fixture, checks);
    }
}
