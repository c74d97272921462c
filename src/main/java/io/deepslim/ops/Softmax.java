package io.deepslim.ops;

import io.deepslim.autograd.Autograd;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

/** Softmax and log-softmax along any dimension (computed on the last, transposing when needed). */
final class Softmax {
    private Softmax() {}

    static Tensor softmax(Tensor x, int dim, boolean log) {
        String op = log ? "log_softmax" : "softmax";
        Check.f32(op, x);
        int d = Shape.dim(op, dim, Math.max(1, x.dim()));
        int last = x.dim() - 1;
        if (d != last) {
            return Views.transpose(softmax(Views.contiguous(Views.transpose(x, d, last)), -1, log), d, last);
        }
        Tensor xc = x.contiguousRaw();
        Tensor y = Check.like(x, x.shape());
        Check.be(x).softmax(xc, log, y);
        return Autograd.record(y, op, g -> {
            Tensor dx = Check.like(x, x.shape());
            Check.be(x).softmaxBackward(y, g.contiguousRaw(), log, dx);
            return new Tensor[]{dx};
        }, x);
    }
}
