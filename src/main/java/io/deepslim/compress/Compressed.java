package io.deepslim.compress;

import io.deepslim.tensor.Tensor;

import java.util.Map;

/**
 * A layer that stores its weights in a compressed form (sparse, int8, low-rank). The model file
 * writes {@link #compressedTensors()} under the layer's path and {@link #recipe()} in the
 * metadata; {@link CompressedModel#decodeLayer} rebuilds the layer from the two.
 */
public interface Compressed {
    /** The tensors that represent this layer, names relative to it (e.g. "weight.values", "bias"). */
    Map<String, Tensor> compressedTensors();

    /** JSON-able description: "method" plus what decoding needs (shapes, conv geometry, encoding, rank, scales granularity). */
    Map<String, Object> recipe();

    /** Scalar parameters of the layer as it computes (pruned entries included, int8 weights counted once). */
    long parameterCount();

    /** Parameters that are not zero. */
    long nonZeroCount();
}
