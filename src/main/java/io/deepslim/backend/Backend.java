package io.deepslim.backend;

import io.deepslim.tensor.Tensor;

/**
 * The primitive set every device implements. Everything differentiable (ops, autograd, layers,
 * optimizers) is written on top of these. A new backend usually extends {@link DelegatingBackend},
 * overrides the primitives it speeds up and hands the rest to the backend below it (see
 * docs/engine.md); {@link #implementationOf} says which backend runs a primitive.
 *
 * <p>Conventions: float32 tensors in NCHW layout; inputs contiguous unless a method says
 * otherwise; outputs are allocated by the caller with the right shape and are written fully.
 */
public interface Backend {
    /** A short human-readable name ("cpu/openblas", "cpu/java", "cuda:0"). */
    String name();

    /** Name of the backend that runs {@code primitive} (a method name of this interface) on this stack. */
    default String implementationOf(String primitive) { return name(); }

    // ------------------------------------------------------------------ explicit host transfers

    /** Copies contiguous F32 {@code src} into {@code dst} (length = numel). */
    void readFloats(Tensor src, float[] dst);

    /** Copies {@code src} into contiguous F32 {@code dst} (length = numel). */
    void writeFloats(float[] src, Tensor dst);

    /** Copies contiguous I8 {@code src} into {@code dst}. */
    void readBytes(Tensor src, byte[] dst);

    /** Copies {@code src} into contiguous I8 {@code dst}. */
    void writeBytes(byte[] src, Tensor dst);

    /** Copies contiguous I32 {@code src} into {@code dst}. */
    void readInts(Tensor src, int[] dst);

    /** Copies {@code src} into contiguous I32 {@code dst}. */
    void writeInts(int[] src, Tensor dst);

    // ------------------------------------------------------------------ memory

    /** Copies {@code src} (any strides) into contiguous {@code dst} of the same shape. */
    void copy(Tensor src, Tensor dst);

    /** Sets every element of contiguous {@code dst} to {@code v}. */
    void fill(Tensor dst, float v);

    /** {@code out = op(a)} elementwise; {@code alpha} is the op's scalar parameter where it has one. */
    void unary(UnaryOp op, Tensor a, float alpha, Tensor out);

    /** {@code out = op(a, b)} with NumPy broadcasting of a and b to out's shape; a and b may be strided. */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** {@code y += alpha * x}, same shape, both contiguous (gradient accumulation, optimizer updates). */
    void axpy(float alpha, Tensor x, Tensor y);

    /** Reduces dimension {@code dim} of contiguous {@code a} into {@code out} (that dim of size 1). */
    void reduce(ReduceOp op, Tensor a, int dim, Tensor out);

    /** Index of the maximum along the last dimension: a is (M, N), out is (M) holding indices as floats. */
    void argmaxLastDim(Tensor a, Tensor out);

    /** {@code C = alpha * op(A) * op(B) + beta * C}; 2-D, or 3-D batched with equal batch sizes. */
    void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /** y (N,Cout,Ho,Wo) = conv(x (N,Cin,H,W), w (Cout,Cin/g,kh,kw)) + bias (Cout, nullable). */
    void conv2dForward(Tensor x, Tensor w, Tensor bias, ConvParams p, Tensor y);

    /** conv2dForward followed by ReLU (inference); backends may fuse the two into one pass. */
    default void conv2dForwardRelu(Tensor x, Tensor w, Tensor bias, ConvParams p, Tensor y) {
        conv2dForward(x, w, bias, p, y);
        unary(UnaryOp.RELU, y, 0f, y);
    }

    /**
     * conv2dForward [+ ReLU] followed by a 2×2 stride-2 unpadded max-pool (inference, no argmax):
     * y is (N, Cout, ⌊Ho/2⌋, ⌊Wo/2⌋). Backends may fuse the pool into the convolution's epilogue.
     */
    default void conv2dForwardMaxPool2(Tensor x, Tensor w, Tensor bias, ConvParams p, boolean relu, Tensor y) {
        int[] ys = y.shape();
        Tensor full = Tensor.empty(y.device(), io.deepslim.tensor.DType.F32, ys[0], ys[1], p.outH(x.size(2), w.size(2)), p.outW(x.size(3), w.size(3)));
        Tensor argmax = Tensor.empty(y.device(), io.deepslim.tensor.DType.I32, ys);
        try {
            if (relu) conv2dForwardRelu(x, w, bias, p, full);
            else conv2dForward(x, w, bias, p, full);
            maxPool2dForward(full, new PoolParams(2, 2, 0), y, argmax);
        } finally {
            full.close();
            argmax.close();
        }
    }

    /** dx = gradient of conv2d with respect to its input. */
    void conv2dBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx);

    /** dw = gradient of conv2d with respect to its weight (overwritten, not accumulated). */
    void conv2dBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw);

    /**
     * Max pooling; {@code argmax} (same shape as y) receives the flat input index (within the plane) of each max.
     * Host backends ({@code Device.isHost()}) must accept a null argmax: inference without gradients skips it.
     */
    void maxPool2dForward(Tensor x, PoolParams p, Tensor y, Tensor argmax);

    /** Scatters dy into dx (zeroed first) at the recorded argmax positions. */
    void maxPool2dBackward(Tensor dy, Tensor argmax, Tensor dx);

    /** Average pooling (padding counted in the divisor, as PyTorch's default count_include_pad=True). */
    void avgPool2dForward(Tensor x, PoolParams p, Tensor y);

    void avgPool2dBackward(Tensor dy, PoolParams p, Tensor dx);

    /** Adaptive average pooling to y's spatial size, PyTorch's window rule (floor start, ceil end). */
    void adaptiveAvgPool2dForward(Tensor x, Tensor y);

    void adaptiveAvgPool2dBackward(Tensor dy, Tensor dx);

    /**
     * Batch normalization over (N,H,W) per channel. In training, uses batch statistics, writes
     * saveMean / saveInvStd (C) and updates running stats with {@code momentum} (unbiased variance);
     * in evaluation, uses the running stats and leaves the save tensors untouched.
     */
    void batchNormForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                          boolean training, float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveInvStd);

    /** Training-mode batch-norm backward: writes dx, dgamma, dbeta. */
    void batchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
                           Tensor dx, Tensor dgamma, Tensor dbeta);

    /**
     * Training-mode batch norm followed by ReLU, y = max(BN(x), 0): batch statistics, save tensors
     * and running-stat update as {@link #batchNormForward} with {@code training} true. Backends may
     * fuse the two into fewer passes; this default runs them one after the other.
     */
    default void batchNormReluForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                      float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        batchNormForward(x, gamma, beta, runningMean, runningVar, true, momentum, eps, y, saveMean, saveInvStd);
        unary(UnaryOp.RELU, y, 0f, y);
    }

    /**
     * Backward of {@link #batchNormReluForward} (y its output, dy the gradient of y): writes dx,
     * dgamma, dbeta (either may be null). Backends may recompute the ReLU mask from x, gamma, beta
     * and the saved statistics instead of reading y; this default masks dy by y > 0, then runs
     * {@link #batchNormBackward}.
     */
    default void batchNormReluBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor beta, Tensor saveMean,
                                       Tensor saveInvStd, Tensor dx, Tensor dgamma, Tensor dbeta) {
        Tensor masked = Tensor.empty(dy.device(), io.deepslim.tensor.DType.F32, dy.shape());
        binary(BinaryOp.MASK_POSITIVE, dy, y, masked);
        batchNormBackward(x, masked, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    /**
     * {@link #batchNormReluForward} followed by a 2×2 stride-2 unpadded max-pool of its output:
     * y and argmax (I32) have the pooled shape, argmax as {@link #maxPool2dForward} writes it. Backends
     * may skip the full-size map; this default computes it, then pools.
     */
    default void batchNormReluMaxPool2Forward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                              float momentum, float eps, Tensor y, Tensor argmax, Tensor saveMean, Tensor saveInvStd) {
        Tensor full = Tensor.empty(x.device(), io.deepslim.tensor.DType.F32, x.shape());
        batchNormReluForward(x, gamma, beta, runningMean, runningVar, momentum, eps, full, saveMean, saveInvStd);
        maxPool2dForward(full, new PoolParams(2, 2, 0), y, argmax);
    }

    /**
     * Backward of {@link #batchNormReluMaxPool2Forward} (y, argmax its outputs, dy the gradient of
     * y): writes dx, dgamma, dbeta. The ReLU passes a window's gradient where the window's maximum
     * is positive, so this default masks dy by y > 0, scatters it to the argmax positions and runs
     * {@link #batchNormBackward}.
     */
    default void batchNormReluMaxPool2Backward(Tensor x, Tensor y, Tensor argmax, Tensor dy, Tensor gamma, Tensor beta,
                                               Tensor saveMean, Tensor saveInvStd, Tensor dx, Tensor dgamma, Tensor dbeta) {
        Tensor masked = Tensor.empty(dy.device(), io.deepslim.tensor.DType.F32, dy.shape());
        binary(BinaryOp.MASK_POSITIVE, dy, y, masked);
        Tensor full = Tensor.empty(x.device(), io.deepslim.tensor.DType.F32, x.shape());
        maxPool2dBackward(masked, argmax, full);
        batchNormBackward(x, full, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    /** Softmax (or log-softmax) over the last dimension. */
    void softmax(Tensor x, boolean log, Tensor y);

    /** Backward of {@link #softmax} given its output y. */
    void softmaxBackward(Tensor y, Tensor dy, boolean log, Tensor dx);

    /** Fills out with 1/(1-p) where a seeded uniform draw is ≥ p, else 0 (inverted dropout mask). */
    void dropoutMask(Tensor out, float p, long seed);

    // ------------------------------------------------------------------ int8 (compress.quant)

    /** {min, max} over the elements of contiguous F32 {@code x} (activation ranges for quantization). */
    float[] minMax(Tensor x);

    /** {@code q = clamp(rint(x / scale) + zeroPoint, −128, 127)}: contiguous F32 x → I8 q of the same shape. */
    void quantize(Tensor x, float scale, int zeroPoint, Tensor q);

    /**
     * Int8 matrix product with float output, int32 accumulation:
     * {@code y[m,n] = xScale · wScale[n] · Σ_k (xq[m,k] − xZero) · wq[n,k] + bias[n]}; xq (M, K) and
     * wq (N, K) I8 (weights symmetric, zero point 0), wScale F32 of length 1 (per tensor) or N (per
     * output row), bias F32 (N) or null, y F32 (M, N).
     */
    void int8Gemm(Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias, Tensor y);

    /**
     * Int8 convolution with float output: {@link #int8Gemm}'s arithmetic over the patches of xq
     * (N, Cin, H, W) I8, padding holding {@code xZero} (the code of a real 0); wq (Cout, Cin/g, kh, kw)
     * I8, wScale length 1 or Cout, bias (Cout) or null, y F32 (N, Cout, Ho, Wo).
     */
    void int8Conv2d(Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias, ConvParams p, Tensor y);

    // ------------------------------------------------------------------ optimizer updates (in place, contiguous F32)

    /**
     * One SGD step on w (PyTorch semantics, dampening 0): {@code d = g + wd·w}; with momentum
     * {@code v = first ? d : momentum·v + d} and {@code d = nesterov ? d + momentum·v : v}; then
     * {@code w −= lr·d}.
     */
    void sgdStep(Tensor w, Tensor g, Tensor velocity, float lr, float momentum, float weightDecay, boolean nesterov, boolean first);

    /**
     * One Adam step number {@code step} (1-based) on w: L2 decay into the gradient, or decoupled
     * ({@code w *= 1 − lr·wd}, AdamW); {@code m = β1·m + (1−β1)·g}, {@code v = β2·v + (1−β2)·g²},
     * {@code w −= lr/(1−β1^t) · m / (√v/√(1−β2^t) + eps)}.
     */
    void adamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                  float weightDecay, boolean decoupled, long step);
}
