package io.deepslim.infer;

import io.deepslim.backend.nativ.NativeKernels;
import io.deepslim.backend.nativ.NativeLibrary;
import io.deepslim.compress.prune.PrunedConv2d;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Module;
import io.deepslim.nn.Sequential;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

/**
 * Inference-only pruned conv (BN already folded in) with the ReLU and 2×2 stride-2 max-pool that
 * followed it: one native sparse call whose epilogue adds the bias, applies the ReLU and pools, so the
 * full-size map is never written (vgg45m's pruned blocks). The pruned layer stays a child, so its
 * sparse-kernel choice, sparsity and mask are seen as before; below break-even it runs the backend's
 * fused dense conv. A layer between the small-map and the Winograd break-evens (80% pruned; see
 * {@code InferenceFusion.SMALL_MAP_SPARSE_BREAK_EVEN}) runs sparse only on maps the sparse small-map path takes and,
 * on larger ones, the dense block the unpruned model would run (native Winograd, ReLU and pool in it) on its masked
 * weight, built on first use. Records no gradient.
 */
public final class FusedPrunedConv2d extends Module {
    private final PrunedConv2d conv;
    private final boolean relu, pool, smallMapsOnly;
    private volatile Module dense;  // the dense block for larger maps (smallMapsOnly), built on first use; not a child

    FusedPrunedConv2d(PrunedConv2d conv, boolean relu, boolean pool) { this(conv, relu, pool, false); }

    FusedPrunedConv2d(PrunedConv2d conv, boolean relu, boolean pool, boolean smallMapsOnly) {
        this.conv = child("conv", conv);
        this.relu = relu;
        this.pool = pool;
        this.smallMapsOnly = smallMapsOnly;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (smallMapsOnly && !sparseSmallMap(x)) return denseBlock().forward(x);
        return conv.forwardInference(x, relu, pool);
    }

    /**
     * Most output positions of a whole batch (batch × map) for which a 75–89.5% sparse layer runs sparse: at batch 8
     * the dense Winograd block reads each weight once for 8 samples, and 80%-pruned vgg45m at 64 px ran 0.93× dense
     * with its 8×8 layer sparse (512 positions) against 1.01× baked, while at 32 px (4×4 and 2×2 maps, ≤ 128) it ran
     * 1.18× against 1.05× (CompressVersus --batch 8, benchmarks/results/2026-11-30-mixed-small-map-break-even.md).
     */
    static final int SMALL_MAP_MAX_BATCH_POSITIONS = 256;

    /** Whether the native sparse kernel runs x's output map on its small-map path, and the batch is small enough (above). */
    private boolean sparseSmallMap(Tensor x) {
        NativeKernels k = NativeKernels.get().orElse(null);
        if (k == null || x.dim() != 4 || !NativeKernels.onHostDevice(x)) return false;
        int ho = conv.params.outH(x.size(2), conv.kernel), wo = conv.params.outW(x.size(3), conv.kernel);
        return NativeLibrary.ds_sparse_conv_small_map(k.path(), ho, wo) == 1 && (long) x.size(0) * ho * wo <= SMALL_MAP_MAX_BATCH_POSITIONS;
    }

    /** The dense model's block for this layer: the masked weight (BN folded) as a fused conv, ReLU and pool in it. */
    private Module denseBlock() {
        Module d = dense;
        if (d != null) return d;
        synchronized (this) {
            if (dense == null) {
                dense = TensorScope.unscoped(() -> {
                    Sequential s = new Sequential(FusedConv2d.plain((Conv2d) conv.baked(), relu));
                    if (pool) s.add(new Layers.MaxPool2d(2));
                    InferenceFusion.fuseBlock(s);  // the pool into the conv (and the direct kernel's rules), as in the dense model
                    s.eval();
                    return s;
                });
            }
            return dense;
        }
    }

    /** True when this layer runs sparse on small maps only (dense on larger ones). */
    public boolean sparseOnSmallMapsOnly() { return smallMapsOnly; }

    /** The wrapped pruned conv. */
    public PrunedConv2d conv() { return conv; }

    /** True when the ReLU runs in the conv's epilogue. */
    public boolean relu() { return relu; }

    /** True when the 2×2 max-pool runs in the conv's epilogue. */
    public boolean pools() { return pool; }

    @Override
    protected String describe() {
        // the wrapped layer's line (sparsity, kernel that ran) with the fused epilogue
        return conv.summary().split("\n")[0].replaceFirst("\\s+\\[.*", "") + (relu ? " +ReLU" : "") + (pool ? " +maxpool2" : "")
                + (smallMapsOnly ? " (sparse on small maps only; larger: dense Winograd)" : "");
    }
}
