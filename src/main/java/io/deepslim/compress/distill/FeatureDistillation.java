package io.deepslim.compress.distill;

import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Module;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

import java.util.Random;

/**
 * Feature-level distillation term: MSE between the student's and the teacher's feature maps
 * (N, C, H, W). When the channel counts differ, a learned 1x1 conv ("proj", no bias) maps the
 * student's channels to the teacher's — add {@link #parameters()} to the optimizer; when the
 * spatial sizes differ, the larger map is adaptive-average-pooled to the smaller size.
 */
public final class FeatureDistillation extends Module {
    private final int studentChannels, teacherChannels;
    private final Conv2d proj;

    public FeatureDistillation(int studentChannels, int teacherChannels, long seed) {
        if (studentChannels <= 0 || teacherChannels <= 0) throw new IllegalArgumentException("channel counts must be > 0");
        this.studentChannels = studentChannels;
        this.teacherChannels = teacherChannels;
        this.proj = studentChannels == teacherChannels ? null
                : child("proj", new Conv2d(new Random(seed), studentChannels, teacherChannels, 1, 1, 0, 1, false));
    }

    /** The student features after the projection (identity when the channels already match). */
    @Override
    public Tensor forward(Tensor studentFeatures) { return proj == null ? studentFeatures : proj.forward(studentFeatures); }

    /** MSE(proj(s), t) after pooling both to the smaller spatial size; the teacher is detached. */
    public Tensor loss(Tensor student, Tensor teacher) {
        if (student.dim() != 4 || teacher.dim() != 4 || student.size(1) != studentChannels || teacher.size(1) != teacherChannels
                || student.size(0) != teacher.size(0)) {
            throw new IllegalArgumentException("feature distillation: expected student (N, " + studentChannels + ", H, W) and teacher (N, "
                    + teacherChannels + ", H', W'), got " + Shape.str(student.shape()) + " and " + Shape.str(teacher.shape()));
        }
        Tensor s = forward(student), t = teacher.detach();
        int h = Math.min(s.size(2), t.size(2)), w = Math.min(s.size(3), t.size(3));
        if (s.size(2) != h || s.size(3) != w) s = Ops.adaptiveAvgPool2d(s, h, w);
        if (t.size(2) != h || t.size(3) != w) t = Ops.adaptiveAvgPool2d(t, h, w);
        return Ops.mseLoss(s, t);
    }
}
