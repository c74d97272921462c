package io.deepslim.compress.distill;

import io.deepslim.autograd.GradMode;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Module;
import io.deepslim.ops.Ops;
import io.deepslim.optim.Optimizer;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

/**
 * One knowledge-distillation training step at a time, for a trainer's loop: the teacher runs in
 * eval mode without gradients, the student trains on {@link DistillationLoss} plus, optionally,
 * β·{@link FeatureDistillation} on the last conv feature maps (both models must then be ZooNets).
 * Temporaries of a step are freed when it returns.
 */
public final class Distiller {
    private final Module teacher, student;
    private final Optimizer optimizer;
    private final DistillationLoss loss;
    private FeatureDistillation features;
    private float beta;

    /** Validates that the class counts match when both models declare them. */
    public Distiller(Module teacher, Module student, Optimizer optimizer, DistillationLoss loss) {
        if (teacher instanceof ZooNet && student instanceof ZooNet && ((ZooNet) teacher).numClasses() != ((ZooNet) student).numClasses()) {
            throw new IllegalArgumentException("distillation: the student has " + ((ZooNet) student).numClasses()
                    + " output classes but the teacher has " + ((ZooNet) teacher).numClasses() + "; they must match");
        }
        this.teacher = teacher;
        this.student = student;
        this.optimizer = optimizer;
        this.loss = loss;
    }

    /** Adds β·feature loss; the optimizer must also hold {@code f.parameters()} when f has a projection. */
    public Distiller withFeatureTerm(FeatureDistillation f, float beta) {
        if (!(teacher instanceof ZooNet && student instanceof ZooNet)) {
            throw new IllegalArgumentException("feature distillation needs ZooNet teacher and student (for their feature maps)");
        }
        if (!(beta >= 0)) throw new IllegalArgumentException("feature loss weight must be ≥ 0, got " + beta);
        this.features = f;
        this.beta = beta;
        return this;
    }

    /** The loss on one batch without updating anything (student in eval mode), e.g. for validation. */
    public float evaluate(Tensor x, int[] y) {
        try (TensorScope s = TensorScope.open(); GradMode g = GradMode.off()) {
            student.eval();
            return total(x, y).item();
        }
    }

    /** Forward both models on (x, y), back-propagate into the student, one optimizer step; returns the loss. */
    public float step(Tensor x, int[] y) {
        try (TensorScope s = TensorScope.open()) {
            student.train(true);
            Tensor l = total(x, y);
            optimizer.zeroGrad();
            l.backward();
            optimizer.step();
            return l.item();
        }
    }

    private Tensor total(Tensor x, int[] y) {
        teacher.eval();
        Tensor tLogits, tFeat = null;
        try (GradMode g = GradMode.off()) {
            if (features != null) {
                tFeat = ((ZooNet) teacher).features(x);
                tLogits = ((ZooNet) teacher).classify(tFeat);
            } else {
                tLogits = teacher.forward(x);
            }
        }
        if (features == null) return loss.loss(student.forward(x), tLogits, y);
        Tensor sFeat = ((ZooNet) student).features(x);
        Tensor l = loss.loss(((ZooNet) student).classify(sFeat), tLogits, y);
        return Ops.add(l, Ops.scale(features.loss(sFeat, tFeat), beta));
    }
}
