package io.deepslim.infer;

import io.deepslim.compress.prune.PrunedConv2d;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;

/**
 * Inference-only pruned conv (BN already folded in) with the ReLU and 2×2 stride-2 max-pool that
 * followed it: one native sparse call whose epilogue adds the bias, applies the ReLU and pools, so the
 * full-size map is never written (vgg45m's pruned blocks). The pruned layer stays a child, so its
 * sparse-kernel choice, sparsity and mask are seen as before; below break-even it runs the backend's
 * fused dense conv. Records no gradient.
 */
public final class FusedPrunedConv2d extends Module {
    private final PrunedConv2d conv;
    private final boolean relu, pool;

    FusedPrunedConv2d(PrunedConv2d conv, boolean relu, boolean pool) {
        this.conv = child("conv", conv);
        this.relu = relu;
        this.pool = pool;
    }

    @Override
    public Tensor forward(Tensor x) { return conv.forwardInference(x, relu, pool); }

    /** The wrapped pruned conv. */
    public PrunedConv2d conv() { return conv; }

    /** True when the ReLU runs in the conv's epilogue. */
    public boolean relu() { return relu; }

    /** True when the 2×2 max-pool runs in the conv's epilogue. */
    public boolean pools() { return pool; }

    @Override
    protected String describe() {
        // the wrapped layer's line (sparsity, kernel that ran) with the fused epilogue
        return conv.summary().split("\n")[0].replaceFirst("\\s+\\[.*", "") + (relu ? " +ReLU" : "") + (pool ? " +maxpool2" : "");
    }
}
