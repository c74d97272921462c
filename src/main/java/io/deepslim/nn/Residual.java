package io.deepslim.nn;

import io.deepslim.ops.Ops;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

/** A skip connection around {@code fn}: y = x + fn(x); fn must keep the input's shape. Child name "fn". */
public class Residual extends Module {
    private final Module fn;

    public Residual(Module fn) { this.fn = child("fn", fn); }

    /** The wrapped branch (the registered child, which compression may have swapped). */
    public Module fn() { return children().get("fn"); }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = fn().forward(x);
        if (!java.util.Arrays.equals(x.shape(), y.shape())) {
            throw new IllegalArgumentException("Residual: branch maps " + Shape.str(x.shape()) + " to " + Shape.str(y.shape()) + "; it must keep the shape");
        }
        return Ops.add(x, y);
    }
}
