package io.deepslim.data;

/**
 * One batch from a {@link DataLoader}: {@code images} is N×3×S×S row-major normalized floats, with the
 * labels, generator names and source indices of the N images. Turn it into tensors with {@link BatchTensors}.
 */
public record Batch(float[] images, int[] labels, String[] generators, int[] indices, int size) {
    public Batch {
        int n = labels.length;
        if (generators.length != n || indices.length != n || images.length != (long) n * 3 * size * size) {
            throw new IllegalArgumentException("batch arrays disagree: " + n + " labels, " + images.length + " floats, size " + size);
        }
    }

    /** Number of images N. */
    public int count() { return labels.length; }

    /** Shape of {@link #images()}: {N, 3, S, S}. */
    public int[] shape() { return new int[]{labels.length, 3, size, size}; }

    /** Labels as floats (0/1), for losses that take float targets. */
    public float[] labelsAsFloats() {
        float[] f = new float[labels.length];
        for (int i = 0; i < f.length; i++) f[i] = labels[i];
        return f;
    }
}
