package io.deepslim.ops;

import io.deepslim.autograd.Autograd;
import io.deepslim.backend.BinaryOp;
import io.deepslim.backend.ReduceOp;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

import java.util.Arrays;

/** Sum / mean / max reductions and the broadcast helpers their backward rules need. */
final class Reduce {
    private Reduce() {}

    /** Reduces one dimension of a (any strides) keeping it as size 1; no recording. */
    static Tensor reduceRaw(ReduceOp op, Tensor a, int dim) {
        Tensor c = a.contiguousRaw();
        int[] s = a.shape();
        s[dim] = 1;
        Tensor out = Check.like(a, s);
        Check.be(a).reduce(op, c, dim, out);
        return out;
    }

    /** Broadcasts g to {@code shape} by materializing it (stride-0 view, then a copy). */
    static Tensor expand(Tensor g, int[] shape) {
        if (Arrays.equals(g.shape(), shape)) return g;
        Shape.broadcast("expand", g.shape(), shape);
        int[] st = new int[shape.length];
        int[] gs = g.shape(), gst = g.strides();
        int shift = shape.length - gs.length;
        for (int i = 0; i < gs.length; i++) st[i + shift] = gs[i] == 1 ? 0 : gst[i];
        Tensor view = g.viewRaw(shape, st, g.offset());
        Tensor out = Check.like(g, shape);
        Check.be(g).copy(view, out);
        return out;
    }

    /** Sums g over the dimensions that broadcasting expanded, giving a tensor of {@code shape}. */
    static Tensor sumTo(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) return g;
        int shift = gs.length - shape.length;
        Tensor r = g;
        for (int i = 0; i < gs.length; i++) {
            boolean lead = i < shift;
            if (lead || (shape[i - shift] == 1 && gs[i] != 1)) r = reduceRaw(ReduceOp.SUM, r, i);
        }
        return reshapeRaw(r, shape);
    }

    static Tensor sum(Tensor a) {
        Check.f32("sum", a);
        Tensor flat = a.contiguousRaw();
        Tensor v = flat.viewRaw(new int[]{(int) a.numel()}, new int[]{1}, flat.offset());
        Tensor r = reduceRaw(ReduceOp.SUM, v, 0);
        Tensor out = r.viewRaw(new int[0], new int[0], r.offset());
        int[] shape = a.shape();
        return Autograd.record(out, "sum", g -> new Tensor[]{expand(g, shape)}, a);
    }

    static Tensor sum(Tensor a, int dim, boolean keepdim) {
        Check.f32("sum", a);
        int d = Shape.dim("sum", dim, a.dim());
        Tensor kept = reduceRaw(ReduceOp.SUM, a, d);
        Tensor out = keepdim ? kept : squeeze(kept, d);
        int[] shape = a.shape(), keptShape = kept.shape();
        return Autograd.record(out, "sum_dim", g -> new Tensor[]{expand(reshapeRaw(g, keptShape), shape)}, a);
    }

    static Tensor mean(Tensor a) {
        return Elementwise.scale(sum(a), 1f / Math.max(1, a.numel()));
    }

    static Tensor mean(Tensor a, int dim, boolean keepdim) {
        int d = Shape.dim("mean", dim, a.dim());
        return Elementwise.scale(sum(a, d, keepdim), 1f / a.size(d));
    }

    /** Maximum values along dim; the gradient goes to every element equal to the maximum. */
    static Tensor max(Tensor a, int dim, boolean keepdim) {
        Check.f32("max", a);
        int d = Shape.dim("max", dim, a.dim());
        Tensor kept = reduceRaw(ReduceOp.MAX, a, d);
        Tensor out = keepdim ? kept : squeeze(kept, d);
        int[] shape = a.shape(), keptShape = kept.shape();
        return Autograd.record(out, "max_dim", g -> {
            Tensor mask = Elementwise.binaryRaw(BinaryOp.EQ, a, kept);
            return new Tensor[]{Elementwise.mul(expand(reshapeRaw(g, keptShape), shape), mask)};
        }, a);
    }

    /** Index of the largest element along the last dimension, as floats; not differentiable. */
    static Tensor argmax(Tensor a) {
        Tensor c = a.contiguousRaw();
        int[] s = Arrays.copyOf(a.shape(), a.dim() - 1);
        Tensor out = Check.like(a, s);
        Check.be(a).argmaxLastDim(c, out);
        return out;
    }

    static Tensor squeeze(Tensor t, int d) {
        int[] s = t.shape();
        int[] ns = new int[s.length - 1];
        for (int i = 0, j = 0; i < s.length; i++) if (i != d) ns[j++] = s[i];
        return reshapeRaw(t, ns);
    }

    static Tensor reshapeRaw(Tensor t, int[] shape) {
        Tensor c = t.contiguousRaw();
        return c.viewRaw(shape.clone(), Shape.contiguousStrides(shape), c.offset());
    }
}
