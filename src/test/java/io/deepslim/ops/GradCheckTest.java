package io.deepslim.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static io.deepslim.ops.GradCheck.check;
import static io.deepslim.ops.GradCheck.distinct;
import static io.deepslim.ops.GradCheck.randn;

/** Finite-difference gradient checks for every op with a backward rule (tiny shapes), on every test device. */
class GradCheckTest {
    private static final float EPS = 1e-2f, KINK_EPS = 1e-3f;

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.deepslim.engine.TestDevices#names")
    void elementwiseBroadcast(String device) {
        GradCheck.on(device);
        check("add", in -> Ops.add(in[0], in[1]), EPS, randn(1, 2, 3, 4), randn(2, 3, 1));
        check("sub", in -> Ops.sub(in[0], in[1]), EPS, randn(1, 2, 3), randn(2, 3));
        check("mul", in -> Ops.mul(in[0], in[1]), EPS, randn(1, 2, 3, 4), randn(2, 1, 4));
        check("div", in -> Ops.div(in[0], Ops.addScalar(Ops.exp(in[1]), 0.5f)), EPS, randn(1, 3, 4), randn(2, 4));
        check("scale", in -> Ops.scale(in[0], -1.5f), EPS, randn(3, 5));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.deepslim.engine.TestDevices#names")
    void unary(String device) {
        GradCheck.on(device);
        check("neg", in -> Ops.neg(in[0]), EPS, randn(1, 7));
        check("exp", in -> Ops.exp(in[0]), EPS, randn(2, 7));
        check("log", in -> Ops.log(Ops.addScalar(Ops.exp(in[0]), 0.5f)), EPS, randn(3, 7));
        check("sqrt", in -> Ops.sqrt(Ops.addScalar(Ops.exp(in[0]), 0.5f)), EPS, randn(4, 7));
        check("pow", in -> Ops.pow(in[0], 3f), EPS, randn(5, 7));
        check("abs", in -> Ops.abs(in[0]), KINK_EPS, distinct(6, 9));
        check("relu", in -> Ops.relu(in[0]), KINK_EPS, distinct(7, 9));
        check("sigmoid", in -> Ops.sigmoid(in[0]), EPS, randn(8, 7));
        check("tanh", in -> Ops.tanh(in[0]), EPS, randn(9, 7));
        check("softplus", in -> Ops.softplus(in[0]), EPS, randn(10, 7));
        check("maximum", in -> Ops.maximum(in[0], in[1]), KINK_EPS, distinct(11, 2, 3), Ops.addScalar(distinct(12, 2, 3), 0.0125f).detach());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.deepslim.engine.TestDevices#names")
    void shapesAndReductions(String device) {
        GradCheck.on(device);
        check("reshape", in -> Ops.reshape(in[0], 3, -1), EPS, randn(1, 2, 3, 2));
        check("permute", in -> Ops.permute(in[0], 2, 0, 1), EPS, randn(2, 2, 3, 4));
        check("transpose", in -> Ops.transpose(in[0], 0, 1), EPS, randn(3, 3, 5));
        check("narrow", in -> Ops.narrow(in[0], 1, 1, 2), EPS, randn(4, 2, 4, 3));
        check("flatten", in -> Ops.flatten(in[0], 1), EPS, randn(5, 2, 3, 2));
        check("sum", in -> Ops.sum(in[0]), EPS, randn(6, 3, 4));
        check("sum_dim", in -> Ops.sum(in[0], 1, false), EPS, randn(7, 2, 3, 4));
        check("mean_dim", in -> Ops.mean(in[0], 0, true), EPS, randn(8, 3, 4));
        check("max_dim", in -> Ops.max(in[0], 1, false), KINK_EPS, distinct(9, 3, 5));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.deepslim.engine.TestDevices#names")
    void linearAlgebra(String device) {
        GradCheck.on(device);
        check("matmul", in -> Ops.matmul(in[0], in[1]), EPS, randn(1, 3, 4), randn(2, 4, 5));
        check("bmm", in -> Ops.matmul(in[0], in[1]), EPS, randn(3, 2, 3, 4), randn(4, 2, 4, 2));
        check("linear", in -> Ops.linear(in[0], in[1], in[2]), EPS, randn(5, 3, 4), randn(6, 2, 4), randn(7, 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.deepslim.engine.TestDevices#names")
    void convolutions(String device) {
        GradCheck.on(device);
        check("conv3x3", in -> Ops.conv2d(in[0], in[1], in[2], 1, 1, 1), EPS, randn(1, 2, 3, 5, 4), randn(2, 4, 3, 3, 3), randn(3, 4));
        check("conv_s2", in -> Ops.conv2d(in[0], in[1], null, 2, 1, 1), EPS, randn(4, 1, 2, 7, 6), randn(5, 3, 2, 3, 3));
        check("conv_groups", in -> Ops.conv2d(in[0], in[1], in[2], 1, 0, 2), EPS, randn(6, 1, 4, 4, 4), randn(7, 4, 2, 2, 2), randn(8, 4));
        check("conv_depthwise", in -> Ops.conv2d(in[0], in[1], in[2], 1, 1, 3), EPS, randn(9, 2, 3, 4, 5), randn(10, 6, 1, 3, 3), randn(11, 6));
        check("conv1x1", in -> Ops.conv2d(in[0], in[1], in[2], 1, 0, 1), EPS, randn(12, 2, 3, 3, 2), randn(13, 4, 3, 1, 1), randn(14, 4));
        check("conv_t", in -> Ops.convTranspose2d(in[0], in[1], in[2], 2, 1, 1, 1), EPS, randn(15, 1, 2, 3, 3), randn(16, 2, 3, 3, 3), randn(17, 3));
        check("conv_t_groups", in -> Ops.convTranspose2d(in[0], in[1], null, 2, 0, 0, 2), EPS, randn(18, 1, 4, 2, 3), randn(19, 4, 1, 2, 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.deepslim.engine.TestDevices#names")
    void pooling(String device) {
        GradCheck.on(device);
        check("max_pool", in -> Ops.maxPool2d(in[0], 2, 2, 0), KINK_EPS, distinct(1, 1, 2, 4, 5));
        check("max_pool_pad", in -> Ops.maxPool2d(in[0], 3, 2, 1), KINK_EPS, distinct(2, 2, 1, 5, 5));
        check("avg_pool", in -> Ops.avgPool2d(in[0], 3, 2, 1), EPS, randn(3, 1, 2, 5, 5));
        check("adaptive", in -> Ops.adaptiveAvgPool2d(in[0], 3, 2), EPS, randn(4, 1, 2, 7, 5));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.deepslim.engine.TestDevices#names")
    void normalizationAndLosses(String device) {
        GradCheck.on(device);
        check("batch_norm_train", in -> Ops.batchNorm(in[0], in[1], in[2], null, null, true, 0.1f, 1e-5f), EPS,
                randn(1, 3, 2, 2, 2), randn(2, 2), randn(3, 2));
        io.deepslim.tensor.Tensor rm = randn(4, 2), rv = Ops.addScalar(Ops.abs(randn(5, 2)), 0.5f);
        check("batch_norm_eval", in -> Ops.batchNorm(in[0], in[1], in[2], rm, rv, false, 0.1f, 1e-5f), EPS,
                randn(6, 2, 2, 3), randn(7, 2), randn(8, 2));
        check("softmax", in -> Ops.softmax(in[0], -1), EPS, randn(9, 3, 4));
        check("softmax_dim1", in -> Ops.softmax(in[0], 1), EPS, randn(10, 2, 3, 2));
        check("log_softmax", in -> Ops.logSoftmax(in[0], 1), EPS, randn(11, 3, 4));
        check("cross_entropy", in -> Ops.crossEntropy(in[0], new int[]{1, 0, 2}), EPS, randn(12, 3, 3));
        check("bce", in -> Ops.bceWithLogits(in[0], io.deepslim.tensor.Tensor.of(GradCheck.device(), new float[]{1, 0, 1, 0}, 4)), EPS, randn(13, 4));
        check("kl_div", in -> Ops.klDivBatchmean(Ops.logSoftmax(in[0], 1), Ops.softmax(in[1], 1)), EPS, randn(14, 2, 3), randn(15, 2, 3));
        check("mse", in -> Ops.mseLoss(in[0], in[1]), EPS, randn(16, 2, 3), randn(17, 2, 3));
        check("dropout", in -> Ops.dropout(in[0], 0.5f, true, 42L), EPS, randn(18, 4, 5));
    }
}
