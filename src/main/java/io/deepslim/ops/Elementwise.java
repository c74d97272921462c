package io.deepslim.ops;

import io.deepslim.autograd.Autograd;
import io.deepslim.backend.BinaryOp;
import io.deepslim.backend.UnaryOp;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

/** Elementwise arithmetic and activations, each with its backward rule. */
final class Elementwise {
    private Elementwise() {}

    /** Forward of a broadcasting binary op, no recording. */
    static Tensor binaryRaw(BinaryOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        Check.f32(name, a, b);
        Check.sameDevice(name, a, b);
        Tensor out = Check.like(a, Shape.broadcast(name, a.shape(), b.shape()));
        Check.be(a).binary(op, a, b, out);
        return out;
    }

    /** Forward of a unary op on a contiguous copy of a, no recording. */
    static Tensor unaryRaw(UnaryOp op, Tensor a, float alpha) {
        Check.f32(op.name().toLowerCase(), a);
        Tensor c = a.contiguousRaw();
        Tensor out = Check.like(a, a.shape());
        Check.be(a).unary(op, c, alpha, out);
        return out;
    }

    static Tensor add(Tensor a, Tensor b) {
        Tensor out = binaryRaw(BinaryOp.ADD, a, b);
        return Autograd.record(out, "add", g -> new Tensor[]{Reduce.sumTo(g, a.shape()), Reduce.sumTo(g, b.shape())}, a, b);
    }

    static Tensor sub(Tensor a, Tensor b) {
        Tensor out = binaryRaw(BinaryOp.SUB, a, b);
        return Autograd.record(out, "sub", g -> new Tensor[]{Reduce.sumTo(g, a.shape()), Reduce.sumTo(neg(g), b.shape())}, a, b);
    }

    static Tensor mul(Tensor a, Tensor b) {
        Tensor out = binaryRaw(BinaryOp.MUL, a, b);
        return Autograd.record(out, "mul", g -> new Tensor[]{
                a.requiresGrad() ? Reduce.sumTo(mul(g, b), a.shape()) : null,
                b.requiresGrad() ? Reduce.sumTo(mul(g, a), b.shape()) : null}, a, b);
    }

    static Tensor div(Tensor a, Tensor b) {
        Tensor out = binaryRaw(BinaryOp.DIV, a, b);
        return Autograd.record(out, "div", g -> new Tensor[]{
                a.requiresGrad() ? Reduce.sumTo(div(g, b), a.shape()) : null,
                // d(a/b)/db = −a/b² = −out/b
                b.requiresGrad() ? Reduce.sumTo(neg(div(mul(g, out), b)), b.shape()) : null}, a, b);
    }

    static Tensor maximum(Tensor a, Tensor b) {
        Tensor out = binaryRaw(BinaryOp.MAX, a, b);
        return Autograd.record(out, "maximum", g -> {
            // ties split the gradient evenly, as PyTorch does
            Tensor takeA = add(binaryRaw(BinaryOp.GT, a, b), scale(binaryRaw(BinaryOp.EQ, a, b), 0.5f));
            Tensor takeB = unaryRaw(UnaryOp.ADD_SCALAR, neg(takeA), 1f);
            return new Tensor[]{Reduce.sumTo(mul(g, takeA), a.shape()), Reduce.sumTo(mul(g, takeB), b.shape())};
        }, a, b);
    }

    static Tensor neg(Tensor a) {
        Tensor out = unaryRaw(UnaryOp.NEG, a, 0f);
        return Autograd.record(out, "neg", g -> new Tensor[]{neg(g)}, a);
    }

    static Tensor scale(Tensor a, float s) {
        Tensor out = unaryRaw(UnaryOp.SCALE, a, s);
        return Autograd.record(out, "scale", g -> new Tensor[]{scale(g, s)}, a);
    }

    static Tensor addScalar(Tensor a, float s) {
        Tensor out = unaryRaw(UnaryOp.ADD_SCALAR, a, s);
        return Autograd.record(out, "add_scalar", g -> new Tensor[]{g}, a);
    }

    static Tensor exp(Tensor a) {
        Tensor out = unaryRaw(UnaryOp.EXP, a, 0f);
        return Autograd.record(out, "exp", g -> new Tensor[]{mul(g, out)}, a);
    }

    static Tensor log(Tensor a) {
        Tensor out = unaryRaw(UnaryOp.LOG, a, 0f);
        return Autograd.record(out, "log", g -> new Tensor[]{div(g, a)}, a);
    }

    static Tensor sqrt(Tensor a) {
        Tensor out = unaryRaw(UnaryOp.SQRT, a, 0f);
        return Autograd.record(out, "sqrt", g -> new Tensor[]{div(scale(g, 0.5f), out)}, a);
    }

    static Tensor pow(Tensor a, float p) {
        Tensor out = unaryRaw(UnaryOp.POW, a, p);
        return Autograd.record(out, "pow", g -> new Tensor[]{mul(g, scale(unaryRaw(UnaryOp.POW, a, p - 1f), p))}, a);
    }

    static Tensor abs(Tensor a) {
        Tensor out = unaryRaw(UnaryOp.ABS, a, 0f);
        return Autograd.record(out, "abs", g -> new Tensor[]{mul(g, unaryRaw(UnaryOp.SIGN, a, 0f))}, a);
    }

    static Tensor relu(Tensor a) {
        Tensor out = unaryRaw(UnaryOp.RELU, a, 0f);
        return Autograd.record(out, "relu", g -> new Tensor[]{binaryRaw(BinaryOp.MASK_POSITIVE, g, out)}, a);
    }

    static Tensor sigmoid(Tensor a) {
        Tensor out = unaryRaw(UnaryOp.SIGMOID, a, 0f);
        // σ' = σ(1 − σ)
        return Autograd.record(out, "sigmoid", g -> new Tensor[]{mul(g, mul(out, unaryRaw(UnaryOp.ADD_SCALAR, neg(out), 1f)))}, a);
    }

    static Tensor tanh(Tensor a) {
        Tensor out = unaryRaw(UnaryOp.TANH, a, 0f);
        // tanh' = 1 − tanh²
        return Autograd.record(out, "tanh", g -> new Tensor[]{mul(g, unaryRaw(UnaryOp.ADD_SCALAR, neg(mul(out, out)), 1f))}, a);
    }

    static Tensor softplus(Tensor a) {
        Tensor out = unaryRaw(UnaryOp.SOFTPLUS, a, 0f);
        return Autograd.record(out, "softplus", g -> new Tensor[]{mul(g, unaryRaw(UnaryOp.SIGMOID, a, 0f))}, a);
    }
}
