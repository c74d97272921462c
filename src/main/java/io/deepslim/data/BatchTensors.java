package io.deepslim.data;

import io.deepslim.tensor.Tensor;

/** The only bridge from the data layer to the tensor engine: copies a {@link Batch} into F32 tensors. */
public final class BatchTensors {
    private BatchTensors() {}

    /** The images as an N×3×S×S F32 CPU tensor. */
    public static Tensor images(Batch b) { return Tensor.of(b.images(), b.shape()); }

    /** The images as an N×3×S×S F32 tensor on {@code device} (copied there from the batch's host floats). */
    public static Tensor images(Batch b, io.deepslim.backend.Device device) { return Tensor.of(device, b.images(), b.shape()); }

    /** The labels as an N-element F32 CPU tensor of class indices (0/1). */
    public static Tensor labels(Batch b) { return Tensor.of(b.labelsAsFloats(), b.count()); }
}
