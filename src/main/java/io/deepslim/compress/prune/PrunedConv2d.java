package io.deepslim.compress.prune;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.nativ.SparseKernel;
import io.deepslim.compress.Recipes;
import io.deepslim.compress.SparseCodec;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.LinkedHashMap;
import java.util.Map;

/** A Conv2d pruned by reparametrization (see {@link Pruned}); state_dict: bias, weight_orig, weight_mask. */
public final class PrunedConv2d extends Conv2d implements Pruned {
    private final MaskedWeight mw;
    private final SparseKernel sparse = new SparseKernel();

    /** Wraps {@code src}'s tensors (shared, not copied) with {@code mask} (same shape as the weight). */
    public PrunedConv2d(Conv2d src, Tensor mask) {
        this(src, mask, src.weight().requiresGrad(), src.bias() != null && src.bias().requiresGrad());
    }

    private PrunedConv2d(Conv2d src, Tensor mask, boolean weightTrainable, boolean biasTrainable) {
        super(src.in, src.out, src.kernel, src.params, checkPlain(src).weight(), src.bias());
        super.weight().requiresGrad(weightTrainable);
        if (src.bias() != null) src.bias().requiresGrad(biasTrainable);
        renameParam("weight", "weight_orig");
        this.mw = new MaskedWeight(super.weight(), mask);
        buffer("weight_mask", mask);
    }

    private static Conv2d checkPlain(Conv2d c) {
        if (c instanceof Pruned) throw new IllegalArgumentException("layer is already pruned; use applyMask to add a round");
        return c;
    }

    /** Rebuilds a layer from {@link #compressedTensors()} and {@link #recipe()}. */
    public static PrunedConv2d decode(Map<String, Tensor> ts, Map<String, Object> recipe) {
        int in = Recipes.integer(recipe, "in"), out = Recipes.integer(recipe, "out"), k = Recipes.integer(recipe, "kernel");
        var p = Recipes.convParams(recipe);
        int[] shape = {out, in / p.groups(), k, k};
        float[][] wm = SparseCodec.decode("weight", ts, Recipes.string(recipe, "encoding"), out * (in / p.groups()) * k * k);
        Tensor bias = ts.containsKey("bias") ? Recipes.tensor(ts, "bias").contiguousRaw() : null;
        Conv2d plain = new Conv2d(in, out, k, p, TensorScope.unscoped(() -> Tensor.of(wm[0], shape)), bias);
        return new PrunedConv2d(plain, MaskedWeight.of(wm[1], shape));
    }

    /** Inference (eval mode, no gradient wanted) runs the packed sparse kernel when it pays; training the dense masked path. */
    @Override
    public Tensor forward(Tensor x) {
        boolean wantsGrad = GradMode.isEnabled() && (x.requiresGrad() || mw.orig.requiresGrad() || (bias() != null && bias().requiresGrad()));
        if (!isTraining() && !wantsGrad) return forwardInference(x, false, false);
        return super.forward(x);
    }

    /**
     * Inference only (records no gradient): conv, then ReLU if {@code relu}, then a 2×2 stride-2
     * max-pool if {@code pool}, all in one sparse kernel call when the layer runs sparse, else the
     * backend's fused dense conv on the cached masked weight. Used by inference fusion, which folds
     * the ReLU and pool that follow a pruned conv into it.
     */
    public Tensor forwardInference(Tensor x, boolean relu, boolean pool) {
        Tensor y = sparse.conv(x, mw.orig, mw.mask, mw.version(), bias(), params, relu, pool);
        if (y != null) return y;
        // below break-even (or no native kernels): dense on the cached masked weight
        if (!relu && !pool) return io.deepslim.ops.Ops.conv2d(x, mw.inferenceWeight(), bias(), params);
        Tensor w = mw.inferenceWeight();
        int[] ws = w.shape();
        if (x.dim() != 4 || x.size(1) != ws[1] * params.groups()) {
            throw new IllegalArgumentException("pruned conv2d: input " + java.util.Arrays.toString(x.shape()) + " does not match weight "
                    + java.util.Arrays.toString(ws));
        }
        int ho = params.outH(x.size(2), ws[2]), wo = params.outW(x.size(3), ws[3]);
        Tensor xc = x.contiguousRaw();
        if (!pool) {
            Tensor out = Tensor.empty(x.device(), io.deepslim.tensor.DType.F32, x.size(0), ws[0], ho, wo);
            x.device().backend().conv2dForwardRelu(xc, w, bias(), params, out);
            return out;
        }
        if (ho < 2 || wo < 2) {
            throw new IllegalArgumentException("pruned conv2d+maxpool2: input " + java.util.Arrays.toString(x.shape()) + " gives a "
                    + ho + "x" + wo + " map, smaller than the 2x2 window");
        }
        Tensor out = Tensor.empty(x.device(), io.deepslim.tensor.DType.F32, x.size(0), ws[0], ho / 2, wo / 2);
        x.device().backend().conv2dForwardMaxPool2(xc, w, bias(), params, relu, out);
        return out;
    }

    /** This layer's inference kernel choice (break-even, forced mode, what ran last). */
    public SparseKernel sparseKernel() { return sparse; }

    /** The masked weight the forward uses; public here so quantizers and exporters can read it. */
    @Override
    public Tensor effectiveWeight() { return mw.effective(); }

    /** The effective (masked) weight, as PyTorch's {@code module.weight} after pruning. */
    @Override
    public Tensor weight() { return mw.effective(); }

    @Override
    public MaskedWeight maskedWeight() { return mw; }

    @Override
    public Module baked() {
        boolean biasTrainable = bias() != null && bias().requiresGrad();
        Conv2d c = new Conv2d(in, out, kernel, params, mw.bakedCopy(), bias());
        c.weight().requiresGrad(mw.orig.requiresGrad());
        if (bias() != null) bias().requiresGrad(biasTrainable);
        return c;
    }

    @Override
    public Map<String, Object> recipe() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("method", "prune");
        r.put("layer", "conv2d");
        r.putAll(Recipes.conv(this));
        r.put("sparsity", mw.sparsity());
        r.put("encoding", mw.encoding());
        return r;
    }

    @Override
    public long parameterCount() { return mw.orig.numel() + (bias() == null ? 0 : bias().numel()); }

    @Override
    public long nonZeroCount() { return mw.nonZero() + io.deepslim.compress.ModelStats.nonZero(bias()); }

    @Override
    protected String describe() { return super.describe() + String.format(", pruned %.1f%%, kernel: %s", 100 * mw.sparsity(), sparse.lastChoice()); }
}
