package io.deepslim.transfer;

import io.deepslim.data.Batch;
import io.deepslim.data.DataLoader;
import io.deepslim.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A small labelled image set held in memory: {@code images} is N×3×S×S row-major normalized
 * floats, {@code labels} the class indices into {@code classNames}. Transfer runs iterate it in
 * seeded shuffled batches, so a run is reproducible and needs no loader threads.
 */
public record TaskData(String name, float[] images, int[] labels, int size, List<String> classNames) {
    public TaskData {
        if (size <= 0) throw new IllegalArgumentException(name + ": image size must be > 0, got " + size);
        if ((long) labels.length * 3 * size * size != images.length) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels but " + images.length + " floats for " + size + " px images");
        }
        for (int y : labels) {
            if (y < 0 || y >= classNames.size()) throw new IllegalArgumentException(name + ": label " + y + " outside classes " + classNames);
        }
        classNames = List.copyOf(classNames);
    }

    /** Number of images. */
    public int count() { return labels.length; }

    /** Reads every image of one pass of {@code loader} (bad files were already skipped by it). */
    public static TaskData fromLoader(String name, DataLoader loader, List<String> classNames) {
        List<float[]> parts = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        int size = -1;
        for (Batch b : loader.epoch(0)) {
            parts.add(b.images());
            for (int y : b.labels()) ys.add(y);
            size = b.size();
        }
        if (ys.isEmpty()) throw new IllegalArgumentException(name + ": no images");
        float[] all = new float[ys.size() * 3 * size * size];
        int off = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, off, p.length);
            off += p.length;
        }
        return new TaskData(name, all, ys.stream().mapToInt(Integer::intValue).toArray(), size, classNames);
    }

    /** Images {@code idx} as an N×3×S×S tensor (in the caller's tensor scope). */
    public Tensor images(int[] idx) { return images(idx, io.deepslim.engine.Devices.cpu()); }

    /** Images {@code idx} as an N×3×S×S tensor on {@code device} (in the caller's tensor scope). */
    public Tensor images(int[] idx, io.deepslim.backend.Device device) {
        int per = 3 * size * size;
        float[] out = new float[idx.length * per];
        for (int i = 0; i < idx.length; i++) System.arraycopy(images, idx[i] * per, out, i * per, per);
        return Tensor.of(device, out, idx.length, 3, size, size);
    }

    /** Labels of {@code idx}. */
    public int[] labels(int[] idx) {
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) out[i] = labels[idx[i]];
        return out;
    }

    /** Index batches of one epoch: a seeded shuffle when {@code seed} is non-null, else in order. */
    public List<int[]> batches(int batchSize, Long seed) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
        Integer[] order = new Integer[count()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        if (seed != null) java.util.Collections.shuffle(Arrays.asList(order), new Random(seed));
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < order.length; s += batchSize) {
            int n = Math.min(batchSize, order.length - s);
            int[] b = new int[n];
            for (int i = 0; i < n; i++) b[i] = order[s + i];
            out.add(b);
        }
        return out;
    }

    /** The first {@code n} images (all when n ≥ count), e.g. to keep a measurement small. */
    public TaskData head(int n) {
        if (n >= count()) return this;
        int per = 3 * size * size;
        return new TaskData(name, Arrays.copyOf(images, n * per), Arrays.copyOf(labels, n), size, classNames);
    }
}
