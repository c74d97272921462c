package io.deepslim.ops;

import io.deepslim.autograd.Autograd;
import io.deepslim.backend.ConvParams;
import io.deepslim.backend.PoolParams;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;

/**
 * The differentiable operations, one entry point. Every op records its backward rule when
 * gradient mode is on and an input requires a gradient. Bad arguments throw
 * {@link IllegalArgumentException} naming the op and the shapes involved.
 */
public final class Ops {
    private Ops() {}

    // elementwise (NumPy broadcasting)
    public static Tensor add(Tensor a, Tensor b) { return Elementwise.add(a, b); }
    public static Tensor sub(Tensor a, Tensor b) { return Elementwise.sub(a, b); }
    public static Tensor mul(Tensor a, Tensor b) { return Elementwise.mul(a, b); }
    public static Tensor div(Tensor a, Tensor b) { return Elementwise.div(a, b); }
    public static Tensor maximum(Tensor a, Tensor b) { return Elementwise.maximum(a, b); }
    public static Tensor scale(Tensor a, float s) { return Elementwise.scale(a, s); }
    public static Tensor addScalar(Tensor a, float s) { return Elementwise.addScalar(a, s); }
    public static Tensor neg(Tensor a) { return Elementwise.neg(a); }
    public static Tensor exp(Tensor a) { return Elementwise.exp(a); }
    public static Tensor log(Tensor a) { return Elementwise.log(a); }
    public static Tensor sqrt(Tensor a) { return Elementwise.sqrt(a); }
    public static Tensor pow(Tensor a, float p) { return Elementwise.pow(a, p); }
    public static Tensor abs(Tensor a) { return Elementwise.abs(a); }
    public static Tensor relu(Tensor a) { return Elementwise.relu(a); }
    public static Tensor sigmoid(Tensor a) { return Elementwise.sigmoid(a); }
    public static Tensor tanh(Tensor a) { return Elementwise.tanh(a); }
    public static Tensor softplus(Tensor a) { return Elementwise.softplus(a); }

    // shapes
    public static Tensor reshape(Tensor t, int... shape) { return Views.reshape(t, shape); }
    public static Tensor flatten(Tensor t, int startDim) { return Views.flatten(t, startDim); }
    public static Tensor permute(Tensor t, int... dims) { return Views.permute(t, dims); }
    public static Tensor transpose(Tensor t, int a, int b) { return Views.transpose(t, a, b); }
    public static Tensor narrow(Tensor t, int dim, int start, int length) { return Views.narrow(t, dim, start, length); }
    public static Tensor contiguous(Tensor t) { return Views.contiguous(t); }

    // reductions
    public static Tensor sum(Tensor a) { return Reduce.sum(a); }
    public static Tensor sum(Tensor a, int dim, boolean keepdim) { return Reduce.sum(a, dim, keepdim); }
    public static Tensor mean(Tensor a) { return Reduce.mean(a); }
    public static Tensor mean(Tensor a, int dim, boolean keepdim) { return Reduce.mean(a, dim, keepdim); }
    public static Tensor max(Tensor a, int dim, boolean keepdim) { return Reduce.max(a, dim, keepdim); }
    /** Index of the maximum along the last dimension (as floats); not differentiable. */
    public static Tensor argmax(Tensor a) { return Reduce.argmax(a); }

    // linear algebra
    public static Tensor matmul(Tensor a, Tensor b) { return Linalg.matmul(a, b); }
    /** x (N, in) · wᵀ + b, w (out, in) as in PyTorch; bias may be null. */
    public static Tensor linear(Tensor x, Tensor w, Tensor bias) { return Linalg.linear(x, w, bias); }

    // convolution and pooling (NCHW)
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) { return Conv.conv2d(x, w, bias, p); }
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding, int groups) {
        return Conv.conv2d(x, w, bias, ConvParams.of(stride, padding, groups));
    }
    /** Weight (Cin, Cout/groups, kh, kw), as in PyTorch. */
    public static Tensor convTranspose2d(Tensor x, Tensor w, Tensor bias, int stride, int padding, int outputPadding, int groups) {
        return Conv.convTranspose2d(x, w, bias, ConvParams.of(stride, padding, groups), outputPadding, outputPadding);
    }
    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        return Pool.maxPool2d(x, new PoolParams(kernel, stride, padding));
    }
    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        return Pool.avgPool2d(x, new PoolParams(kernel, stride, padding));
    }
    public static Tensor adaptiveAvgPool2d(Tensor x, int oh, int ow) { return Pool.adaptiveAvgPool2d(x, oh, ow); }

    // normalization, regularization
    public static Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                   boolean training, float momentum, float eps) {
        return Norm.batchNorm(x, gamma, beta, runningMean, runningVar, training, momentum, eps);
    }

    /** relu(batchNorm(x, ..., training = true, ...)) as one fused op (one forward, one backward). */
    public static Tensor batchNormRelu(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                       float momentum, float eps) {
        return Norm.batchNormRelu(x, gamma, beta, runningMean, runningVar, momentum, eps);
    }

    /** maxPool2d(relu(batchNorm(x, ..., training = true, ...)), 2, 2, 0) as one fused op. */
    public static Tensor batchNormReluMaxPool2(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                               float momentum, float eps) {
        return Norm.batchNormReluMaxPool2(x, gamma, beta, runningMean, runningVar, momentum, eps);
    }

    /** Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1−p). */
    public static Tensor dropout(Tensor x, float p, boolean training, long seed) {
        if (p < 0f || p >= 1f) throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        if (!training || p == 0f) return x;
        Tensor mask = Tensor.empty(x.device(), DType.F32, x.shape());
        x.device().backend().dropoutMask(mask, p, seed);
        Tensor out = Elementwise.binaryRaw(io.deepslim.backend.BinaryOp.MUL, x, mask);
        return Autograd.record(out, "dropout", g -> new Tensor[]{Elementwise.mul(g, mask)}, x);
    }

    // softmax and losses
    public static Tensor softmax(Tensor x, int dim) { return Softmax.softmax(x, dim, false); }
    public static Tensor logSoftmax(Tensor x, int dim) { return Softmax.softmax(x, dim, true); }
    public static Tensor crossEntropy(Tensor logits, int[] targets) { return Loss.crossEntropy(logits, targets); }
    public static Tensor bceWithLogits(Tensor logits, Tensor targets) { return Loss.bceWithLogits(logits, targets); }
    /** PyTorch {@code kl_div(logProbs, targetProbs, reduction='batchmean')}. */
    public static Tensor klDivBatchmean(Tensor logProbs, Tensor targetProbs) { return Loss.klDivBatchmean(logProbs, targetProbs); }
    public static Tensor mseLoss(Tensor a, Tensor b) { return Loss.mseLoss(a, b); }

    // constants
    public static Tensor onesLike(Tensor t) {
        Tensor o = Tensor.empty(t.device(), DType.F32, t.shape());
        t.device().backend().fill(o, 1f);
        return o;
    }
    public static Tensor zerosLike(Tensor t) { return Tensor.zeros(t.device(), DType.F32, t.shape()); }
}
