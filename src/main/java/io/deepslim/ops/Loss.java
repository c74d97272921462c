package io.deepslim.ops;

import io.deepslim.backend.UnaryOp;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

/** Losses, composed from differentiable ops (so their gradients come for free). All reduce by mean. */
final class Loss {
    private Loss() {}

    /** Mean cross-entropy of logits (N, C) against class indices. */
    static Tensor crossEntropy(Tensor logits, int[] targets) {
        Check.rank("cross_entropy", logits, 2);
        int n = logits.size(0), c = logits.size(1);
        if (targets.length != n) {
            throw new IllegalArgumentException("cross_entropy: " + targets.length + " targets for logits " + Shape.str(logits.shape()));
        }
        float[] hot = new float[n * c];
        for (int i = 0; i < n; i++) {
            if (targets[i] < 0 || targets[i] >= c) {
                throw new IllegalArgumentException("cross_entropy: target " + targets[i] + " outside [0, " + c + ") at row " + i);
            }
            hot[i * c + targets[i]] = -1f / n;
        }
        Tensor weights = Tensor.of(logits.device(), hot, n, c);
        return Reduce.sum(Elementwise.mul(Softmax.softmax(logits, 1, true), weights));
    }

    /** Mean binary cross-entropy on logits: softplus(x) − x·t, the numerically stable form. */
    static Tensor bceWithLogits(Tensor logits, Tensor targets) {
        Check.sameShape("binary_cross_entropy_with_logits", logits, targets);
        return Reduce.mean(Elementwise.sub(Elementwise.softplus(logits), Elementwise.mul(logits, targets)));
    }

    /** KL(target ‖ exp(logProbs)) summed and divided by the batch size (PyTorch reduction='batchmean'). */
    static Tensor klDivBatchmean(Tensor logProbs, Tensor targetProbs) {
        Check.sameShape("kl_div", logProbs, targetProbs);
        // target·log(target) with 0·log 0 = 0: clamp inside the log only
        Tensor logT = Elementwise.log(Elementwise.unaryRaw(UnaryOp.CLAMP_MIN, targetProbs.detach(), 1e-30f));
        Tensor logTarget = targetProbs.requiresGrad() ? Elementwise.log(Elementwise.maximum(targetProbs, Tensor.scalar(targetProbs.device(), 1e-30f))) : logT;
        Tensor pointwise = Elementwise.mul(targetProbs, Elementwise.sub(logTarget, logProbs));
        return Elementwise.scale(Reduce.sum(pointwise), 1f / logProbs.size(0));
    }

    static Tensor mseLoss(Tensor a, Tensor b) {
        Check.sameShape("mse_loss", a, b);
        Tensor d = Elementwise.sub(a, b);
        return Reduce.mean(Elementwise.mul(d, d));
    }
}
