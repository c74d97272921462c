package io.deepslim.transfer;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.distill.DistillationLoss;
import io.deepslim.models.ZooNet;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

/**
 * FReTAL (Kim, Tariq, Woo 2021; PAPER.md §2), source-free: the student starts as a copy of the
 * frozen teacher and trains on target data only with {@code CE + KD + representation loss}.
 * As in the authors' released code: KD is {@link DistillationLoss} with T = 20, α = 0.5; a sample's
 * bin is the probability its model gives the TRUE class, 5 bins per class (0.5,0.6] … (0.9,1.0]
 * (lower: no bin); the pooled feature of a sample is its last conv map max-pooled with window
 * min(4, H) then averaged over channels (N, C, H, W) → (N, D); the teacher's per-(class, bin) mean
 * of that feature over the whole target training set is a fixed target, and each batch adds, for
 * every (class, bin) the STUDENT's confidence puts samples in, Σ_d (mean over those samples of the
 * student's pooled feature − target)². The window min(4, H): the authors' 4 is their whole 4×4 map
 * at 128 px; at 64 px our maps are 2×2.
 */
public final class Fretal {
    public static final int BINS = 5;
    public static final float KD_TEMPERATURE = 20f, KD_ALPHA = 0.5f;

    private Fretal() {}

    /** The bin 0..4 of a true-class probability, or −1 at 0.5 and below. */
    public static int bin(float p) {
        if (!(p > 0.5f)) return -1;
        // (0.5,0.6] → 0 … (0.9,1.0] → 4, right-closed as in the released code
        for (int b = 0; b < BINS; b++) if (p <= 0.6f + 0.1f * b + 1e-7f) return b;
        return BINS - 1;
    }

    /** Bins of a batch from logits (N, classes) and labels. */
    public static int[] bins(Tensor logits, int[] labels) {
        float[] p = Ops.softmax(logits.detach(), 1).toFloatArray();
        int c = logits.size(1);
        int[] out = new int[labels.length];
        for (int i = 0; i < labels.length; i++) out[i] = bin(p[i * c + labels[i]]);
        return out;
    }

    /** Max-pool (window min(4, H, W)) then channel mean: (N, C, H, W) → (N, D). */
    public static Tensor pooled(Tensor features) {
        if (features.dim() != 4) throw new IllegalArgumentException("FReTAL: features must be (N, C, H, W), got " + io.deepslim.tensor.Shape.str(features.shape()));
        int k = Math.min(4, Math.min(features.size(2), features.size(3)));
        Tensor m = Ops.mean(Ops.maxPool2d(features, k, k, 0), 1, false);   // (N, h, w)
        return Ops.reshape(m, m.size(0), m.size(1) * m.size(2));
    }

    /** Per-(class, bin) teacher targets: mean pooled feature, or null where no sample fell. */
    public record Targets(float[][][] mean, int[][] counts, int dim) {
        /** How many (class, bin) cells have a target. */
        public int filled() {
            int n = 0;
            for (int[] c : counts) for (int v : c) if (v > 0) n++;
            return n;
        }
    }

    /** Accumulates teacher targets from pooled features (N, D), logits (N, classes) and labels. */
    public static final class TargetBuilder {
        private final int classes;
        private double[][][] sum;
        private int[][] counts;
        private int dim = -1;

        public TargetBuilder(int classes) {
            this.classes = classes;
            this.counts = new int[classes][BINS];
        }

        public void add(Tensor pooled, Tensor logits, int[] labels) {
            int[] b = bins(logits, labels);
            int d = pooled.size(1);
            if (sum == null) {
                dim = d;
                sum = new double[classes][BINS][d];
            }
            float[] f = pooled.toFloatArray();
            for (int i = 0; i < labels.length; i++) {
                if (b[i] < 0) continue;
                counts[labels[i]][b[i]]++;
                for (int j = 0; j < d; j++) sum[labels[i]][b[i]][j] += f[i * d + j];
            }
        }

        public Targets build() {
            float[][][] mean = new float[classes][BINS][];
            for (int c = 0; c < classes; c++) {
                for (int b = 0; b < BINS; b++) {
                    if (counts[c][b] == 0) continue;
                    mean[c][b] = new float[dim];
                    for (int j = 0; j < dim; j++) mean[c][b][j] = (float) (sum[c][b][j] / counts[c][b]);
                }
            }
            return new Targets(mean, counts, dim);
        }
    }

    /** The teacher's targets over all of {@code data} (teacher in eval mode, no gradients). */
    public static Targets teacherTargets(ZooNet teacher, TaskData data, int batch) {
        TargetBuilder tb = new TargetBuilder(teacher.numClasses());
        teacher.eval();
        try (GradMode g = GradMode.off()) {
            for (int[] idx : data.batches(batch, null)) {
                try (TensorScope s = TensorScope.open()) {
                    Tensor f = teacher.features(data.images(idx));
                    tb.add(pooled(f), teacher.classify(f), data.labels(idx));
                }
            }
        }
        return tb.build();
    }

    /**
     * The representation loss of a batch: student pooled features (N, D) with gradient, the
     * student's bins and the labels. Zero (a constant) when no (class, bin) cell of the batch has a target.
     */
    public static Tensor representationLoss(Tensor studentPooled, int[] studentBins, int[] labels, Targets t) {
        int n = labels.length, d = studentPooled.size(1);
        if (d != t.dim()) throw new IllegalArgumentException("FReTAL: student pooled features have " + d + " values, the teacher's " + t.dim());
        int classes = t.counts().length;
        // one averaging row per occupied (class, bin) cell with a target: A (G, N), targets (G, D)
        int[][] cellCount = new int[classes][BINS];
        for (int i = 0; i < n; i++) if (studentBins[i] >= 0 && t.mean()[labels[i]][studentBins[i]] != null) cellCount[labels[i]][studentBins[i]]++;
        int g = 0;
        int[][] row = new int[classes][BINS];
        for (int c = 0; c < classes; c++) for (int b = 0; b < BINS; b++) row[c][b] = cellCount[c][b] > 0 ? g++ : -1;
        if (g == 0) return Ops.scale(Ops.sum(studentPooled), 0f);
        float[] a = new float[g * n], target = new float[g * d];
        for (int i = 0; i < n; i++) {
            if (studentBins[i] < 0) continue;
            int r = row[labels[i]][studentBins[i]];
            if (r >= 0) a[r * n + i] = 1f / cellCount[labels[i]][studentBins[i]];
        }
        for (int c = 0; c < classes; c++) {
            for (int b = 0; b < BINS; b++) if (row[c][b] >= 0) System.arraycopy(t.mean()[c][b], 0, target, row[c][b] * d, d);
        }
        Tensor means = Ops.matmul(Tensor.of(studentPooled.device(), a, g, n), studentPooled);          // (G, D)
        Tensor diff = Ops.sub(means, Tensor.of(studentPooled.device(), target, g, d));
        return Ops.sum(Ops.mul(diff, diff));
    }

    /** The full FReTAL loss of one batch: CE + KD(T=20, α=0.5) + representation loss. */
    public static Tensor loss(ZooNet student, ZooNet teacher, Tensor x, int[] y, Targets targets) {
        Tensor tLogits;
        teacher.eval();
        try (GradMode g = GradMode.off()) {
            tLogits = teacher.forward(x);
        }
        Tensor sFeat = student.features(x);
        Tensor sLogits = student.classify(sFeat);
        Tensor ce = Ops.crossEntropy(sLogits, y);
        Tensor kd = new DistillationLoss(KD_TEMPERATURE, KD_ALPHA).loss(sLogits, tLogits, y);
        Tensor rep = representationLoss(pooled(sFeat), bins(sLogits, y), y, targets);
        return Ops.add(Ops.add(ce, kd), rep);
    }
}
