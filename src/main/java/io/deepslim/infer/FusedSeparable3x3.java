package io.deepslim.infer;

import io.deepslim.backend.Backend;
import io.deepslim.backend.ConvParams;
import io.deepslim.backend.nativ.NativeKernels;
import io.deepslim.backend.nativ.SeparableKernel;
import io.deepslim.nn.Module;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;

/**
 * Inference-only 3×3 pad-1 convolution (depthwise, or dense with few input channels), optionally
 * followed by a 1×1 convolution with BatchNorm folded in, then ReLU and an optional 2×2 max-pool,
 * as one call of the native kernel ({@link SeparableKernel}): the intermediate map is processed in
 * cache-sized bands of rows and never written out, and the pool runs in the epilogue. Off the CPU,
 * or without the native library, the same arithmetic runs as backend convolutions and a pool.
 */
public final class FusedSeparable3x3 extends Module {
    private static final ConvParams POINTWISE = ConvParams.of(1, 0, 1);

    private final ConvParams params;
    private final boolean relu, pool;
    private final Tensor spatialWeight, spatialBias, pointWeight, pointBias;
    private final String description;
    // inputs wider than directMaxWidth run through wide (the backend's Winograd/im2col conv), when set
    private Module wide;
    private int directMaxWidth = Integer.MAX_VALUE;

    /**
     * spatialWeight (Cmid, Cin/groups, 3, 3) with params (padding 1, stride 1 or 2); pointWeight
     * (Cout, Cmid, 1, 1) or null for no 1×1 stage; biases may be null.
     */
    FusedSeparable3x3(ConvParams params, Tensor spatialWeight, Tensor spatialBias, Tensor pointWeight, Tensor pointBias,
                      boolean relu, boolean pool, String description) {
        int[] ws = spatialWeight.shape();
        if (ws.length != 4 || !SeparableKernel.supports(ws[2], ws[3], params)) {
            throw new IllegalArgumentException("fused separable: needs a 3x3 kernel, padding 1, stride 1 or 2, got weight "
                    + java.util.Arrays.toString(ws) + " and " + params);
        }
        this.params = params;
        this.relu = relu;
        this.pool = pool;
        this.spatialWeight = buffer("weight", spatialWeight);
        this.spatialBias = spatialBias == null ? null : buffer("bias", spatialBias);
        this.pointWeight = pointWeight == null ? null : buffer("pw_weight", pointWeight);
        this.pointBias = pointBias == null ? null : buffer("pw_bias", pointBias);
        this.description = description;
    }

    /**
     * This layer, running inputs wider than {@code maxWidth} columns through {@code fallback} (the
     * same arithmetic: a folded conv with the pool if this layer pools) instead of the direct kernel.
     */
    FusedSeparable3x3 withWideFallback(Module fallback, int maxWidth) {
        fallback.eval();
        this.wide = fallback;
        this.directMaxWidth = maxWidth;
        return this;
    }

    /** True when the layer ends with the 2×2 max-pool. */
    public boolean pools() { return pool; }

    /** True when the layer has the 1×1 stage. */
    public boolean hasPointwise() { return pointWeight != null; }

    @Override
    public Tensor forward(Tensor x) {
        int[] ws = spatialWeight.shape();
        int groups = params.groups();
        if (x.dim() != 4 || x.size(1) != ws[1] * groups) {
            throw new IllegalArgumentException("fused separable: input " + java.util.Arrays.toString(x.shape())
                    + " does not match weight " + java.util.Arrays.toString(ws) + " with " + groups + " groups");
        }
        if (wide != null && x.size(3) > directMaxWidth) return wide.forward(x);
        int s = params.strideH(), ho = (x.size(2) - 1) / s + 1, wo = (x.size(3) - 1) / s + 1;
        int cout = pointWeight == null ? ws[0] : pointWeight.size(0);
        Tensor xc = x.contiguousRaw();
        NativeKernels k = SeparableKernel.kernelsFor(xc);
        if (k != null) {
            Tensor y = Tensor.empty(x.device(), DType.F32, x.size(0), cout, pool ? ho / 2 : ho, pool ? wo / 2 : wo);
            SeparableKernel.forward(k, xc, spatialWeight, spatialBias, groups, s, pointWeight, pointBias, relu, pool, y);
            return y;
        }
        Backend be = x.device().backend();
        Tensor mid = Tensor.empty(x.device(), DType.F32, x.size(0), ws[0], ho, wo);
        if (pointWeight == null && relu) be.conv2dForwardRelu(xc, spatialWeight, spatialBias, params, mid);
        else be.conv2dForward(xc, spatialWeight, spatialBias, params, mid);
        Tensor out = mid;
        if (pointWeight != null) {
            out = Tensor.empty(x.device(), DType.F32, x.size(0), cout, ho, wo);
            if (relu) be.conv2dForwardRelu(mid, pointWeight, pointBias, POINTWISE, out);
            else be.conv2dForward(mid, pointWeight, pointBias, POINTWISE, out);
        }
        return pool ? Ops.maxPool2d(out, 2, 2, 0) : out;
    }

    @Override
    protected String describe() {
        return wide == null ? description : description + " on maps ≤ " + directMaxWidth + " px, wider than " + directMaxWidth + ": backend conv";
    }
}
