package io.deepslim.compress.prune;

import io.deepslim.compress.Compressed;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;

/**
 * A layer pruned by reparametrization, as PyTorch's torch.nn.utils.prune: the trainable
 * parameter is {@code weight_orig}, the buffer {@code weight_mask} holds 0/1, and the forward
 * uses {@code weight_orig ⊙ weight_mask}. Pruned entries therefore get a zero gradient and the
 * effective weight stays exactly zero there whatever the optimizer does to {@code weight_orig}.
 */
public interface Pruned extends Compressed {
    /** The original weight and its mask, shared by the Conv2d and Linear variants. */
    MaskedWeight maskedWeight();

    /** The layer's bias (null if it has none). */
    Tensor bias();

    /** The sparse encoding of the weight plus the dense bias. */
    @Override
    default java.util.Map<String, Tensor> compressedTensors() {
        java.util.Map<String, Tensor> m = new java.util.LinkedHashMap<>(maskedWeight().encode());
        if (bias() != null) m.put("bias", bias());
        return m;
    }

    /** The trainable parameter (registered as "weight_orig"). */
    default Tensor weightOrig() { return maskedWeight().orig; }

    /** The 0/1 mask (registered as the buffer "weight_mask"), same shape as the weight. */
    default Tensor mask() { return maskedWeight().mask; }

    /** Multiplies the mask by {@code newMask} (flat, row-major, 0/1): masks compose over rounds. */
    default void applyMask(float[] newMask) { maskedWeight().combine(newMask); }

    /** A plain layer whose weight is {@code orig ⊙ mask} (the reparametrization removed). */
    Module baked();
}
