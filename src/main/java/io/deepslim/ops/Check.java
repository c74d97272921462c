package io.deepslim.ops;

import io.deepslim.backend.Backend;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

/** Argument checks shared by the op families; every failure names the op and the shapes. */
final class Check {
    private Check() {}

    static void rank(String op, Tensor t, int rank) {
        if (t.dim() != rank) {
            throw new IllegalArgumentException(op + ": expected a rank-" + rank + " tensor, got shape " + Shape.str(t.shape()));
        }
    }

    static void f32(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && t.dtype() != DType.F32) throw new IllegalArgumentException(op + ": expected F32, got " + t.dtype());
        }
    }

    static void sameDevice(String op, Tensor a, Tensor b) {
        if (a.device() != b.device()) {
            throw new IllegalArgumentException(op + ": tensors on different devices (" + a.device() + ", " + b.device() + ")");
        }
    }

    static void sameShape(String op, Tensor a, Tensor b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": shapes " + Shape.str(a.shape()) + " and " + Shape.str(b.shape()) + " differ");
        }
    }

    static Backend be(Tensor t) { return t.device().backend(); }

    /** A new uninitialized F32 tensor on t's device. */
    static Tensor like(Tensor t, int... shape) { return Tensor.empty(t.device(), DType.F32, shape); }
}
