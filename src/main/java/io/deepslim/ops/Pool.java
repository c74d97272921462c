package io.deepslim.ops;

import io.deepslim.autograd.Autograd;
import io.deepslim.backend.PoolParams;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

/** Max, average and adaptive-average pooling over NCHW inputs. */
final class Pool {
    private Pool() {}

    private static int[] outShape(String op, Tensor x, PoolParams p) {
        Check.f32(op, x);
        if (x.dim() != 4) throw new IllegalArgumentException(op + ": expected NCHW input, got " + Shape.str(x.shape()));
        int ho = p.out(x.size(2)), wo = p.out(x.size(3));
        if (ho <= 0 || wo <= 0) {
            throw new IllegalArgumentException(op + ": input " + Shape.str(x.shape()) + " is smaller than the " + p.kernel() + "x" + p.kernel() + " window");
        }
        return new int[]{x.size(0), x.size(1), ho, wo};
    }

    static Tensor maxPool2d(Tensor x, PoolParams p) {
        int[] os = outShape("max_pool2d", x, p);
        Tensor xc = x.contiguousRaw();
        Tensor y = Check.like(x, os);
        // the argmax only serves the backward: without a gradient to take, host backends skip it (one
        // int write per output less; device backends keep the contract of a non-null argmax)
        boolean grad = io.deepslim.autograd.GradMode.isEnabled() && x.requiresGrad();
        if (!grad && x.device().isHost()) {
            Check.be(x).maxPool2dForward(xc, p, y, null);
            return y;
        }
        Tensor argmax = Tensor.empty(x.device(), DType.I32, os);
        Check.be(x).maxPool2dForward(xc, p, y, argmax);
        int[] xs = x.shape();
        return Autograd.record(y, "max_pool2d", g -> {
            Tensor dx = Check.like(x, xs);
            Check.be(x).maxPool2dBackward(g.contiguousRaw(), argmax, dx);
            return new Tensor[]{dx};
        }, x);
    }

    static Tensor avgPool2d(Tensor x, PoolParams p) {
        int[] os = outShape("avg_pool2d", x, p);
        Tensor y = Check.like(x, os);
        Check.be(x).avgPool2dForward(x.contiguousRaw(), p, y);
        int[] xs = x.shape();
        return Autograd.record(y, "avg_pool2d", g -> {
            Tensor dx = Check.like(x, xs);
            Check.be(x).avgPool2dBackward(g.contiguousRaw(), p, dx);
            return new Tensor[]{dx};
        }, x);
    }

    static Tensor adaptiveAvgPool2d(Tensor x, int oh, int ow) {
        Check.f32("adaptive_avg_pool2d", x);
        if (x.dim() != 4 || oh < 1 || ow < 1) {
            throw new IllegalArgumentException("adaptive_avg_pool2d: input " + Shape.str(x.shape()) + " to " + oh + "x" + ow + " is invalid");
        }
        Tensor y = Check.like(x, x.size(0), x.size(1), oh, ow);
        Check.be(x).adaptiveAvgPool2dForward(x.contiguousRaw(), y);
        int[] xs = x.shape();
        return Autograd.record(y, "adaptive_avg_pool2d", g -> {
            Tensor dx = Check.like(x, xs);
            Check.be(x).adaptiveAvgPool2dBackward(g.contiguousRaw(), dx);
            return new Tensor[]{dx};
        }, x);
    }
}
