package io.deepslim.autograd;

import io.deepslim.tensor.Tensor;

/**
 * One recorded operation on the tape: its inputs and the local backward rule that maps the
 * gradient of its output to gradients of its inputs (null where an input needs none).
 */
public final class Node {
    /** Local backward rule of one op. */
    @FunctionalInterface
    public interface Backward {
        Tensor[] apply(Tensor gradOut);
    }

    private final String name;
    private final Tensor[] inputs;
    private final Backward backward;

    public Node(String name, Tensor[] inputs, Backward backward) {
        this.name = name;
        this.inputs = inputs;
        this.backward = backward;
    }

    public String name() { return name; }

    Tensor[] inputs() { return inputs; }

    Tensor[] backward(Tensor gradOut) { return backward.apply(gradOut); }
}
