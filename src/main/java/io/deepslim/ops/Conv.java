package io.deepslim.ops;

import io.deepslim.autograd.Autograd;
import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

/** 2-D convolution and transposed convolution (NCHW). */
final class Conv {
    private Conv() {}

    private static String shapes(Tensor x, Tensor w) {
        return "input " + Shape.str(x.shape()) + ", weight " + Shape.str(w.shape());
    }

    /** Per-channel bias gradient: sum of g over (N, H, W). */
    static Tensor biasGrad(Tensor g) {
        // innermost first: each pass reads contiguous rows and shrinks the data the next one reads
        Tensor s = Reduce.reduceRaw(io.deepslim.backend.ReduceOp.SUM, g, 3);
        s = Reduce.reduceRaw(io.deepslim.backend.ReduceOp.SUM, s, 2);
        s = Reduce.reduceRaw(io.deepslim.backend.ReduceOp.SUM, s, 0);
        return Reduce.reshapeRaw(s, new int[]{g.size(1)});
    }

    static Tensor conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        Check.f32("conv2d", x, w, bias);
        if (x.dim() != 4 || w.dim() != 4) throw new IllegalArgumentException("conv2d: expected 4-D tensors, got " + shapes(x, w));
        int cin = x.size(1), cout = w.size(0), g = p.groups();
        if (cin % g != 0 || cout % g != 0 || w.size(1) * g != cin) {
            throw new IllegalArgumentException("conv2d: " + shapes(x, w) + " inconsistent with groups=" + g
                    + " (weight dim 1 × groups must equal input channels " + cin + ")");
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != cout)) {
            throw new IllegalArgumentException("conv2d: bias " + Shape.str(bias.shape()) + " does not match " + cout + " output channels");
        }
        int ho = p.outH(x.size(2), w.size(2)), wo = p.outW(x.size(3), w.size(3));
        if (ho <= 0 || wo <= 0) throw new IllegalArgumentException("conv2d: " + shapes(x, w) + " gives an empty output " + ho + "x" + wo);
        Tensor xc = x.contiguousRaw(), wc = w.contiguousRaw(), bc = bias == null ? null : bias.contiguousRaw();
        Tensor y = Check.like(x, x.size(0), cout, ho, wo);
        Check.be(x).conv2dForward(xc, wc, bc, p, y);
        return Autograd.record(y, "conv2d", gy -> {
            Tensor gc = gy.contiguousRaw();
            Tensor dx = null, dw = null;
            if (x.requiresGrad()) {
                dx = Check.like(x, x.shape());
                Check.be(x).conv2dBackwardData(gc, wc, p, dx);
            }
            if (w.requiresGrad()) {
                dw = Check.like(w, w.shape());
                Check.be(x).conv2dBackwardFilter(xc, gc, p, dw);
            }
            return new Tensor[]{dx, dw, bias != null && bias.requiresGrad() ? biasGrad(gc) : null};
        }, x, w, bias);
    }

    /**
     * Transposed convolution with PyTorch's weight layout (Cin, Cout/groups, kh, kw): the adjoint
     * of conv2d, so forward is conv2d's data-gradient and the backward passes reuse conv2d.
     */
    static Tensor convTranspose2d(Tensor x, Tensor w, Tensor bias, ConvParams p, int outPadH, int outPadW) {
        Check.f32("conv_transpose2d", x, w, bias);
        if (x.dim() != 4 || w.dim() != 4) {
            throw new IllegalArgumentException("conv_transpose2d: expected 4-D tensors, got " + shapes(x, w));
        }
        int cin = x.size(1), g = p.groups();
        if (w.size(0) != cin || cin % g != 0) {
            throw new IllegalArgumentException("conv_transpose2d: " + shapes(x, w) + " inconsistent with groups=" + g
                    + " (weight dim 0 must equal input channels " + cin + ")");
        }
        if (outPadH >= Math.max(p.strideH(), p.dilationH()) || outPadW >= Math.max(p.strideW(), p.dilationW()) || outPadH < 0 || outPadW < 0) {
            throw new IllegalArgumentException("conv_transpose2d: output_padding must be smaller than stride or dilation");
        }
        int cout = w.size(1) * g;
        int ho = (x.size(2) - 1) * p.strideH() - 2 * p.padH() + p.dilationH() * (w.size(2) - 1) + outPadH + 1;
        int wo = (x.size(3) - 1) * p.strideW() - 2 * p.padW() + p.dilationW() * (w.size(3) - 1) + outPadW + 1;
        if (ho <= 0 || wo <= 0) {
            throw new IllegalArgumentException("conv_transpose2d: " + shapes(x, w) + " gives an empty output " + ho + "x" + wo);
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != cout)) {
            throw new IllegalArgumentException("conv_transpose2d: bias " + Shape.str(bias.shape()) + " does not match " + cout + " output channels");
        }
        Tensor xc = x.contiguousRaw(), wc = w.contiguousRaw();
        Tensor y = Check.like(x, x.size(0), cout, ho, wo);
        // the equivalent conv maps y-space (cout channels) to x-space (cin channels) with weight w
        Check.be(x).conv2dBackwardData(xc, wc, p, y);
        if (bias != null) Check.be(y).binary(io.deepslim.backend.BinaryOp.ADD, y, Reduce.reshapeRaw(bias, new int[]{cout, 1, 1}), y);
        return Autograd.record(y, "conv_transpose2d", gy -> {
            Tensor gc = gy.contiguousRaw();
            Tensor dx = null, dw = null;
            if (x.requiresGrad()) {
                dx = Check.like(x, x.shape());
                Check.be(x).conv2dForward(gc, wc, null, p, dx);
            }
            if (w.requiresGrad()) {
                dw = Check.like(w, w.shape());
                Check.be(x).conv2dBackwardFilter(gc, xc, p, dw);
            }
            return new Tensor[]{dx, dw, bias != null && bias.requiresGrad() ? biasGrad(gc) : null};
        }, x, w, bias);
    }
}
