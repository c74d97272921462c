package io.deepslim.compress.distill;

import io.deepslim.ops.Ops;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

/**
 * Response-based distillation loss of the paper (PAPER.md §1.2, the authors' code):
 * {@code L = w·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1 − w)·CE(s, y)}, KL averaged over the batch,
 * teacher logits detached. T² keeps the soft term's gradient scale independent of T (Hinton et al.).
 */
public final class DistillationLoss {
    private final float temperature, weight;

    /** {@code weight} is w, the share of the teacher term; 1 − w goes to the labels. */
    public DistillationLoss(float temperature, float weight) {
        if (!(temperature > 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        if (!(weight >= 0 && weight <= 1)) throw new IllegalArgumentException("teacher weight w must be in [0, 1], got " + weight);
        this.temperature = temperature;
        this.weight = weight;
    }

    /** The paper's setting: T = 2, w = 0.5. */
    public static DistillationLoss paper() { return new DistillationLoss(2f, 0.5f); }

    public float temperature() { return temperature; }

    public float weight() { return weight; }

    /** The combined loss for student logits (N, C), teacher logits (N, C) and labels (N). */
    public Tensor loss(Tensor student, Tensor teacher, int[] labels) {
        Tensor soft = softTerm(student, teacher);
        if (weight == 1f) return Ops.scale(soft, weight);
        Tensor hard = Ops.crossEntropy(student, labels);
        return Ops.add(Ops.scale(soft, weight), Ops.scale(hard, 1f - weight));
    }

    /** T²·KL(softmax(t/T) ‖ softmax(s/T)) with the teacher detached. */
    public Tensor softTerm(Tensor student, Tensor teacher) {
        checkClasses(student, teacher);
        float inv = 1f / temperature;
        Tensor logP = Ops.logSoftmax(Ops.scale(student, inv), 1);
        Tensor q = Ops.softmax(Ops.scale(teacher.detach(), inv), 1);
        return Ops.scale(Ops.klDivBatchmean(logP, q), temperature * temperature);
    }

    /** Student and teacher must both be (N, C) with the same N and C. */
    static void checkClasses(Tensor student, Tensor teacher) {
        if (student.dim() != 2 || teacher.dim() != 2) {
            throw new IllegalArgumentException("distillation: logits must be (N, classes), got student " + Shape.str(student.shape())
                    + ", teacher " + Shape.str(teacher.shape()));
        }
        if (student.size(1) != teacher.size(1)) {
            throw new IllegalArgumentException("distillation: the student has " + student.size(1) + " output classes but the teacher has "
                    + teacher.size(1) + "; they must match");
        }
        if (student.size(0) != teacher.size(0)) {
            throw new IllegalArgumentException("distillation: batch sizes differ (student " + student.size(0) + ", teacher " + teacher.size(0) + ")");
        }
    }
}
