package io.deepslim.ops;

import io.deepslim.autograd.Autograd;
import io.deepslim.backend.UnaryOp;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

/** Batch normalization (per channel of NCHW or NC input). */
final class Norm {
    private Norm() {}

    static Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar,
                            boolean training, float momentum, float eps) {
        check("batch_norm", x, gamma, beta, runMean, runVar, training);
        int c = x.size(1);
        Tensor xc = x.contiguousRaw();
        Tensor y = Check.like(x, x.shape());
        Tensor saveMean = Check.like(x, c), saveInv = Check.like(x, c);
        Check.be(x).batchNormForward(xc, gamma, beta, runMean, runVar, training, momentum, eps, y, saveMean, saveInv);
        if (training) {
            return Autograd.record(y, "batch_norm", g -> {
                Tensor dx = Check.like(x, x.shape());
                Tensor dg = gamma == null ? null : Check.like(x, c), db = beta == null ? null : Check.like(x, c);
                Check.be(x).batchNormBackward(xc, g.contiguousRaw(), gamma, saveMean, saveInv, dx, dg, db);
                return new Tensor[]{dx, dg, db, null, null};
            }, x, gamma, beta, runMean, runVar);
        }
        return Autograd.record(y, "batch_norm_eval", g -> {
            // eval mode is an affine map per channel: y = (x − μ)·inv·γ + β
            int[] bshape = new int[x.dim()];
            java.util.Arrays.fill(bshape, 1);
            bshape[1] = c;
            Tensor inv = Elementwise.unaryRaw(UnaryOp.POW, Elementwise.addScalar(runVar, eps), -0.5f);
            Tensor scale = gamma == null ? inv : Elementwise.mul(inv, gamma);
            Tensor dx = Elementwise.mul(g, Reduce.reshapeRaw(scale, bshape));
            Tensor dg = null, db = null;
            if (gamma != null && gamma.requiresGrad()) {
                Tensor xhat = Elementwise.mul(Elementwise.sub(xc, Reduce.reshapeRaw(runMean, bshape)), Reduce.reshapeRaw(inv, bshape));
                dg = channelSum(Elementwise.mul(g, xhat));
            }
            if (beta != null && beta.requiresGrad()) db = channelSum(g);
            return new Tensor[]{dx, dg, db, null, null};
        }, x, gamma, beta, runMean, runVar);
    }

    /**
     * Training-mode batch norm followed by ReLU as one recorded op: the backend's fused forward
     * (batch statistics, running-stat update, normalize, ReLU) and backward (ReLU mask, the two
     * reductions, dx). Equal to {@code relu(batchNorm(x, ..., true, ...))} up to rounding.
     */
    static Tensor batchNormRelu(Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar, float momentum, float eps) {
        check("batch_norm_relu", x, gamma, beta, runMean, runVar, true);
        int c = x.size(1);
        Tensor xc = x.contiguousRaw();
        Tensor y = Check.like(x, x.shape());
        Tensor saveMean = Check.like(x, c), saveInv = Check.like(x, c);
        Check.be(x).batchNormReluForward(xc, gamma, beta, runMean, runVar, momentum, eps, y, saveMean, saveInv);
        return Autograd.record(y, "batch_norm_relu", g -> {
            Tensor dx = Check.like(x, x.shape());
            Tensor dg = gamma == null ? null : Check.like(x, c), db = beta == null ? null : Check.like(x, c);
            Check.be(x).batchNormReluBackward(xc, y, g.contiguousRaw(), gamma, beta, saveMean, saveInv, dx, dg, db);
            return new Tensor[]{dx, dg, db, null, null};
        }, x, gamma, beta, runMean, runVar);
    }

    /**
     * Training-mode batch norm, ReLU and a 2×2 stride-2 unpadded max-pool as one recorded op
     * (N, C, H, W) → (N, C, H/2, W/2): the backend may skip the full-size map (the CPU backend keeps
     * only x, the pooled output and the argmax for the backward). Equal to
     * {@code maxPool2d(relu(batchNorm(x, ..., true, ...)), 2, 2, 0)} up to rounding.
     */
    static Tensor batchNormReluMaxPool2(Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar, float momentum, float eps) {
        check("batch_norm_relu_maxpool2", x, gamma, beta, runMean, runVar, true);
        if (x.dim() != 4 || x.size(2) < 2 || x.size(3) < 2) {
            throw new IllegalArgumentException("batch_norm_relu_maxpool2: expected (N, C, H, W) input with H, W ≥ 2, got " + Shape.str(x.shape()));
        }
        int c = x.size(1);
        int[] os = {x.size(0), c, x.size(2) / 2, x.size(3) / 2};
        Tensor xc = x.contiguousRaw();
        Tensor y = Check.like(x, os);
        Tensor argmax = Tensor.empty(x.device(), io.deepslim.tensor.DType.I32, os);
        Tensor saveMean = Check.like(x, c), saveInv = Check.like(x, c);
        Check.be(x).batchNormReluMaxPool2Forward(xc, gamma, beta, runMean, runVar, momentum, eps, y, argmax, saveMean, saveInv);
        return Autograd.record(y, "batch_norm_relu_maxpool2", g -> {
            Tensor dx = Check.like(x, x.shape());
            Tensor dg = gamma == null ? null : Check.like(x, c), db = beta == null ? null : Check.like(x, c);
            Check.be(x).batchNormReluMaxPool2Backward(xc, y, argmax, g.contiguousRaw(), gamma, beta, saveMean, saveInv, dx, dg, db);
            return new Tensor[]{dx, dg, db, null, null};
        }, x, gamma, beta, runMean, runVar);
    }

    /** Validates batch-norm arguments; messages start with {@code op}. */
    private static void check(String op, Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar, boolean training) {
        Check.f32(op, x, gamma, beta, runMean, runVar);
        if (x.dim() < 2) throw new IllegalArgumentException(op + ": expected (N, C, ...) input, got " + Shape.str(x.shape()));
        int c = x.size(1);
        for (Tensor t : new Tensor[]{gamma, beta, runMean, runVar}) {
            if (t != null && (t.dim() != 1 || t.size(0) != c)) {
                throw new IllegalArgumentException(op + ": per-channel tensor " + Shape.str(t.shape())
                        + " does not match input " + Shape.str(x.shape()));
            }
        }
        if (!training && (runMean == null || runVar == null)) {
            throw new IllegalArgumentException(op + ": evaluation mode needs running statistics");
        }
        if (training && x.numel() / c <= 1) {
            throw new IllegalArgumentException(op + ": training needs more than one value per channel, got " + Shape.str(x.shape()));
        }
    }

    /** Sums a (N, C, ...) tensor to (C). */
    private static Tensor channelSum(Tensor t) {
        int c = t.size(1);
        int[] keep = new int[t.dim()];
        java.util.Arrays.fill(keep, 1);
        keep[1] = c;
        return Reduce.reshapeRaw(Reduce.sumTo(t, keep), new int[]{c});
    }
}
