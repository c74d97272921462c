package io.deepslim.ops;

import io.deepslim.autograd.Autograd;
import io.deepslim.backend.BinaryOp;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

/** Matrix products: matmul (2-D and batched 3-D) and the fully connected layer. */
final class Linalg {
    private Linalg() {}

    /** C = op(A)·op(B) on contiguous copies; a and b are 2-D or 3-D. */
    static Tensor gemmRaw(String op, boolean ta, boolean tb, Tensor a, Tensor b) {
        Check.f32(op, a, b);
        Check.sameDevice(op, a, b);
        if (a.dim() < 2 || a.dim() > 3 || b.dim() < 2 || b.dim() > 3) {
            throw new IllegalArgumentException(op + ": needs 2-D or 3-D operands, got " + Shape.str(a.shape()) + " and " + Shape.str(b.shape()));
        }
        int m = ta ? a.size(-1) : a.size(-2), ka = ta ? a.size(-2) : a.size(-1);
        int kb = tb ? b.size(-1) : b.size(-2), n = tb ? b.size(-2) : b.size(-1);
        if (ka != kb) {
            throw new IllegalArgumentException(op + ": inner dimensions differ: " + Shape.str(a.shape()) + " and " + Shape.str(b.shape()));
        }
        int batch = Math.max(a.dim() == 3 ? a.size(0) : 1, b.dim() == 3 ? b.size(0) : 1);
        if ((a.dim() == 3 && a.size(0) != batch) || (b.dim() == 3 && b.size(0) != batch)) {
            throw new IllegalArgumentException(op + ": batch sizes differ: " + Shape.str(a.shape()) + " and " + Shape.str(b.shape()));
        }
        boolean batched = a.dim() == 3 || b.dim() == 3;
        Tensor out = batched ? Check.like(a, batch, m, n) : Check.like(a, m, n);
        Check.be(a).gemm(ta, tb, 1f, a.contiguousRaw(), b.contiguousRaw(), 0f, out);
        return out;
    }

    static Tensor matmul(Tensor a, Tensor b) {
        Tensor out = gemmRaw("matmul", false, false, a, b);
        return Autograd.record(out, "matmul", g -> new Tensor[]{
                a.requiresGrad() ? Reduce.sumTo(gemmRaw("matmul_backward", false, true, g, b), a.shape()) : null,
                b.requiresGrad() ? Reduce.sumTo(gemmRaw("matmul_backward", true, false, a, g), b.shape()) : null}, a, b);
    }

    /** y = x·wᵀ + b with PyTorch's weight layout w (out, in); x (N, in). */
    static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        Check.rank("linear", w, 2);
        Check.rank("linear", x, 2);
        if (x.size(1) != w.size(1)) {
            throw new IllegalArgumentException("linear: input " + Shape.str(x.shape()) + " does not match weight "
                    + Shape.str(w.shape()) + " (expects " + w.size(1) + " features)");
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != w.size(0))) {
            throw new IllegalArgumentException("linear: bias " + Shape.str(bias.shape()) + " does not match weight " + Shape.str(w.shape()));
        }
        Tensor out = gemmRaw("linear", false, true, x, w);
        if (bias != null) Check.be(out).binary(BinaryOp.ADD, out, bias, out);
        return Autograd.record(out, "linear", g -> new Tensor[]{
                x.requiresGrad() ? gemmRaw("linear_backward", false, false, g, w) : null,
                w.requiresGrad() ? gemmRaw("linear_backward", true, false, g, x) : null,
                bias != null && bias.requiresGrad() ? Reduce.sumTo(g, bias.shape()) : null}, x, w, bias);
    }
}
