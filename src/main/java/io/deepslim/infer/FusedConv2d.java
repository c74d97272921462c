package io.deepslim.infer;

import io.deepslim.backend.ConvParams;
import io.deepslim.backend.nativ.NativeKernels;
import io.deepslim.backend.nativ.SeparableKernel;
import io.deepslim.backend.nativ.SmallMapConvKernel;
import io.deepslim.backend.nativ.WinogradKernel;
import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Module;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;


/**
 * Inference-only convolution with an evaluation-mode BatchNorm folded into its weight and bias
 * and, optionally, the following ReLU fused into the convolution's epilogue. Records no gradient.
 */
public final class FusedConv2d extends Module {
    private final ConvParams params;
    private final boolean relu;
    /** A 2×2 stride-2 max-pool follows in the same call (the backend may fuse it into the epilogue). */
    private final boolean pool;
    private final Tensor weight, bias;
    private final String description;
    /** The kernel the last forward ran when it was a native one (shown by {@link #describe()}), else null. */
    private volatile String kernel;

    private FusedConv2d(ConvParams params, boolean relu, Tensor weight, Tensor bias, String description) {
        this(params, relu, false, weight, bias, description);
    }

    private FusedConv2d(ConvParams params, boolean relu, boolean pool, Tensor weight, Tensor bias, String description) {
        this.params = params;
        this.relu = relu;
        this.pool = pool;
        this.weight = buffer("weight", weight);
        this.bias = buffer("bias", bias);
        this.description = description;
    }

    /** {@code conv} as it is (weight and bias shared, no BN to fold) as a fused conv with an optional ReLU. */
    static FusedConv2d plain(Conv2d conv, boolean relu) {
        Tensor b = conv.bias() != null ? conv.bias() : Tensor.of(conv.weight().device(), new float[conv.out], conv.out);
        return new FusedConv2d(conv.params, relu, conv.weight(), b, conv.in + "→" + conv.out + " k" + conv.kernel + (relu ? " +ReLU" : ""));
    }

    /**
     * Folds {@code bn} (running statistics) into {@code conv}: w' = w·γ/√(σ²+ε) per output
     * channel, b' = (b − μ)·γ/√(σ²+ε) + β.
     */
    public static FusedConv2d fold(Conv2d conv, BatchNorm2d bn, boolean relu) {
        return fold(conv, bn, relu, conv.in + "→" + conv.out + " k" + conv.kernel + " +BN" + (relu ? "+ReLU" : ""));
    }

    private static FusedConv2d fold(Conv2d conv, BatchNorm2d bn, boolean relu, String description) {
        int cout = conv.out;
        java.util.Map<String, Tensor> s = bn.stateDict();
        float[] gamma = s.get("weight").toFloatArray(), beta = s.get("bias").toFloatArray();
        float[] mean = s.get("running_mean").toFloatArray(), var = s.get("running_var").toFloatArray();
        float[] w = conv.weight().toFloatArray();
        float[] b = conv.bias() == null ? new float[cout] : conv.bias().toFloatArray();
        int per = w.length / cout;
        float[] fb = new float[cout];
        for (int co = 0; co < cout; co++) {
            double scale = gamma[co] / Math.sqrt(var[co] + bn.eps());
            for (int i = 0; i < per; i++) w[co * per + i] = (float) (w[co * per + i] * scale);
            fb[co] = (float) ((b[co] - mean[co]) * scale + beta[co]);
        }
        return new FusedConv2d(conv.params, relu, Tensor.of(conv.weight().device(), w, conv.weight().shape()), Tensor.of(conv.weight().device(), fb, cout),
                description);
    }

    /**
     * Folds an ungrouped {@code conv} followed directly by a 1×1 stride-1 unpadded ungrouped
     * {@code pointwise} conv (no nonlinearity between them, as in a separable block), then
     * {@code bn}, into one convolution: w'[o] = Σ_m P[o][m]·w[m], b' = P·b + b_P (sums in double).
     * The composed layer has Cin·Cout·k² multiply-adds per pixel instead of Cmid·(Cin·k² + Cout).
     */
    public static FusedConv2d foldPair(Conv2d conv, Conv2d pointwise, BatchNorm2d bn, boolean relu) {
        if (conv.groups != 1 || !isPointwise(pointwise) || pointwise.in != conv.out) {
            throw new IllegalArgumentException("foldPair: needs an ungrouped conv then a 1x1 stride-1 conv of matching width");
        }
        int mid = conv.out, cout = pointwise.out, per = conv.weight().shape()[1] * conv.kernel * conv.kernel;
        float[] w = conv.weight().toFloatArray(), pw = pointwise.weight().toFloatArray();
        float[] b = conv.bias() == null ? new float[mid] : conv.bias().toFloatArray();
        float[] pb = pointwise.bias() == null ? new float[cout] : pointwise.bias().toFloatArray();
        float[] cw = new float[cout * per], cb = new float[cout];
        for (int o = 0; o < cout; o++) {
            double bias = pb[o];
            double[] acc = new double[per];
            for (int m = 0; m < mid; m++) {
                double pv = pw[o * mid + m];
                bias += pv * b[m];
                for (int i = 0; i < per; i++) acc[i] += pv * w[m * per + i];
            }
            for (int i = 0; i < per; i++) cw[o * per + i] = (float) acc[i];
            cb[o] = (float) bias;
        }
        int[] shape = conv.weight().shape();
        Conv2d composed = new Conv2d(conv.in, cout, conv.kernel, conv.params, Tensor.of(conv.weight().device(), cw, cout, shape[1], shape[2], shape[3]),
                Tensor.of(conv.weight().device(), cb, cout));
        return fold(composed, bn, relu, conv.in + "→" + mid + "→" + cout + " k" + conv.kernel + "·1x1 composed +BN" + (relu ? "+ReLU" : ""));
    }

    /** A 1×1, stride-1, unpadded, ungrouped convolution. */
    public static boolean isPointwise(Conv2d c) {
        ConvParams p = c.params;
        return c.kernel == 1 && c.groups == 1 && p.strideH() == 1 && p.strideW() == 1 && p.padH() == 0 && p.padW() == 0
                && p.dilationH() == 1 && p.dilationW() == 1;
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] ws = weight.shape();
        if (x.dim() != 4 || x.size(1) != ws[1] * params.groups()) {
            throw new IllegalArgumentException("fused conv2d: input " + java.util.Arrays.toString(x.shape())
                    + " does not match weight " + java.util.Arrays.toString(ws));
        }
        int ho = params.outH(x.size(2), ws[2]), wo = params.outW(x.size(3), ws[3]);
        Tensor xc = x.contiguousRaw();
        // a few output positions per call: the native small-map kernel (the weight read once in its own size)
        NativeKernels sk = SmallMapConvKernel.wanted(ws[0], ho, wo, params) && (!pool || (ho >= 2 && wo >= 2))
                ? SeparableKernel.kernelsFor(xc) : null;
        if (sk != null) {
            Tensor y = Tensor.empty(x.device(), DType.F32, x.size(0), ws[0], pool ? ho / 2 : ho, pool ? wo / 2 : wo);
            SmallMapConvKernel.forward(sk, xc, weight, bias, params, relu, pool, y);
            kernel = SmallMapConvKernel.name(sk);
            return y;
        }
        // stride-1 3x3 with enough channels: the native Winograd F(4x4) kernel (bias, ReLU and pool in its output transform)
        NativeKernels k = WinogradKernel.wanted(ws[1], ws[0], x.size(2), x.size(3), ws[2], ws[3], params) ? SeparableKernel.kernelsFor(xc) : null;
        if (k != null && (!pool || (ho >= 2 && wo >= 2))) {
            Tensor y = Tensor.empty(x.device(), DType.F32, x.size(0), ws[0], pool ? ho / 2 : ho, pool ? wo / 2 : wo);
            WinogradKernel.forward(k, xc, weight, bias, relu, pool, y);
            kernel = WinogradKernel.name(k);
            return y;
        }
        kernel = null;
        if (pool) {
            if (ho < 2 || wo < 2) {
                throw new IllegalArgumentException("fused conv2d+maxpool2: input " + java.util.Arrays.toString(x.shape())
                        + " gives a " + ho + "x" + wo + " map, smaller than the 2x2 window");
            }
            Tensor y = Tensor.empty(x.device(), DType.F32, x.size(0), ws[0], ho / 2, wo / 2);
            x.device().backend().conv2dForwardMaxPool2(xc, weight, bias, params, relu, y);
            return y;
        }
        Tensor y = Tensor.empty(x.device(), DType.F32, x.size(0), ws[0], ho, wo);
        if (relu) x.device().backend().conv2dForwardRelu(xc, weight, bias, params, y);
        else x.device().backend().conv2dForward(xc, weight, bias, params, y);
        return y;
    }

    /** This layer with the 2×2 stride-2 max-pool that follows it folded in (the weight and bias are shared). */
    FusedConv2d withMaxPool2() {
        if (pool) throw new IllegalStateException("fused conv2d already pools: " + description);
        return new FusedConv2d(params, relu, true, weight, bias, description + "+maxpool2");
    }

    boolean pools() { return pool; }

    @Override
    protected String describe() {
        String k = kernel;
        if (k == null) {
            // not run yet: the kernel the rule picks for maps of at least 4x4
            int[] ws = weight.shape();
            NativeKernels nk = NativeKernels.get().orElse(null);
            if (nk != null && NativeKernels.onHostDevice(weight) && WinogradKernel.wanted(ws[1], ws[0], 4, 4, ws[2], ws[3], params)) {
                k = WinogradKernel.name(nk);
            }
        }
        return k == null ? description : description + " " + k;
    }

    /** The folded weight (Cout, Cin/groups, kh, kw). */
    Tensor foldedWeight() { return weight; }

    /** The folded bias (Cout). */
    Tensor foldedBias() { return bias; }

    ConvParams params() { return params; }

    boolean relu() { return relu; }

    String description() { return description; }
}
