package io.deepslim.ops;

import io.deepslim.autograd.Autograd;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

/** Shape operations: reshape/flatten, transpose/permute, narrow, contiguous. */
final class Views {
    private Views() {}

    /** Resolves one -1 entry and checks the element count. */
    static int[] inferShape(String op, Tensor t, int[] shape) {
        int[] s = shape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException(op + ": only one -1 allowed in " + Shape.str(shape));
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException(op + ": negative size in " + Shape.str(shape));
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || t.numel() % known != 0) {
                throw new IllegalArgumentException(op + ": cannot view " + Shape.str(t.shape()) + " as " + Shape.str(shape));
            }
            s[infer] = (int) (t.numel() / known);
        }
        if (Shape.numel(s) != t.numel()) {
            throw new IllegalArgumentException(op + ": cannot view " + Shape.str(t.shape()) + " (" + t.numel()
                    + " elements) as " + Shape.str(shape));
        }
        return s;
    }

    static Tensor reshape(Tensor t, int... shape) {
        int[] s = inferShape("reshape", t, shape);
        Tensor out = Reduce.reshapeRaw(t, s);
        int[] orig = t.shape();
        return Autograd.record(out, "reshape", g -> new Tensor[]{Reduce.reshapeRaw(g, orig)}, t);
    }

    static Tensor flatten(Tensor t, int startDim) {
        int d = Shape.dim("flatten", startDim, Math.max(1, t.dim()));
        int[] s = t.shape();
        int[] ns = new int[d + 1];
        System.arraycopy(s, 0, ns, 0, d);
        long rest = 1;
        for (int i = d; i < s.length; i++) rest *= s[i];
        ns[d] = (int) rest;
        return reshape(t, ns);
    }

    static Tensor permute(Tensor t, int... dims) {
        int r = t.dim();
        if (dims.length != r) {
            throw new IllegalArgumentException("permute: " + dims.length + " dims given for shape " + Shape.str(t.shape()));
        }
        int[] s = t.shape(), st = t.strides(), ns = new int[r], nst = new int[r], inv = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            int d = Shape.dim("permute", dims[i], r);
            if (seen[d]) throw new IllegalArgumentException("permute: repeated dimension " + d);
            seen[d] = true;
            ns[i] = s[d];
            nst[i] = st[d];
            inv[d] = i;
        }
        Tensor out = t.viewRaw(ns, nst, t.offset());
        return Autograd.record(out, "permute", g -> new Tensor[]{permuteRaw(g, inv)}, t);
    }

    private static Tensor permuteRaw(Tensor g, int[] dims) {
        int[] s = g.shape(), st = g.strides(), ns = new int[s.length], nst = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            ns[i] = s[dims[i]];
            nst[i] = st[dims[i]];
        }
        return g.viewRaw(ns, nst, g.offset()).contiguousRaw();
    }

    static Tensor transpose(Tensor t, int a, int b) {
        int[] dims = new int[t.dim()];
        for (int i = 0; i < dims.length; i++) dims[i] = i;
        int da = Shape.dim("transpose", a, t.dim()), db = Shape.dim("transpose", b, t.dim());
        dims[da] = db;
        dims[db] = da;
        return permute(t, dims);
    }

    /** Elements [start, start+length) of dimension dim, as a view. */
    static Tensor narrow(Tensor t, int dim, int start, int length) {
        int d = Shape.dim("narrow", dim, t.dim());
        if (start < 0 || length < 0 || start + length > t.size(d)) {
            throw new IllegalArgumentException("narrow: range [" + start + ", " + (start + length) + ") outside dimension "
                    + d + " of " + Shape.str(t.shape()));
        }
        int[] s = t.shape();
        s[d] = length;
        Tensor out = t.viewRaw(s, t.strides(), t.offset() + start * t.strides()[d]);
        int[] full = t.shape();
        return Autograd.record(out, "narrow", g -> {
            Tensor gx = Tensor.zeros(t.device(), t.dtype(), full);
            Tensor slot = gx.viewRaw(s, gx.strides(), start * gx.strides()[d]);
            Check.be(t).copy(g, slot);
            return new Tensor[]{gx};
        }, t);
    }

    static Tensor contiguous(Tensor t) {
        if (t.isContiguous()) return t;
        Tensor out = t.contiguousRaw();
        return Autograd.record(out, "contiguous", g -> new Tensor[]{g}, t);
    }
}
