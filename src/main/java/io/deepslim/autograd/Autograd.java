package io.deepslim.autograd;

import io.deepslim.ops.Ops;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** Records operations and runs reverse-mode differentiation over them. */
public final class Autograd {
    private Autograd() {}

    /**
     * Attaches {@code backward} to {@code out} if recording is on and any input requires a
     * gradient; returns {@code out} either way.
     */
    public static Tensor record(Tensor out, String name, Node.Backward backward, Tensor... inputs) {
        if (!GradMode.isEnabled()) return out;
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                out.setGradFn(new Node(name, inputs, backward));
                return out;
            }
        }
        return out;
    }

    /** Back-propagates from a one-element {@code root}; leaf gradients accumulate into {@code grad()}. */
    public static void backward(Tensor root) {
        if (root.numel() != 1) {
            throw new IllegalArgumentException("backward: needs a scalar loss, got shape " + Shape.str(root.shape()));
        }
        if (!root.requiresGrad()) throw new IllegalStateException("backward: the loss does not require a gradient");
        List<Tensor> order = topoOrder(root);
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        try (GradMode g = GradMode.off()) {
            grads.put(root, Ops.onesLike(root));
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Tensor gOut = grads.remove(t);
                if (gOut == null) continue;
                Node node = t.gradFn();
                if (node == null) {
                    accumulateLeaf(t, gOut);
                    continue;
                }
                Tensor[] ins = node.inputs();
                Tensor[] gIn = node.backward(gOut);
                for (int k = 0; k < ins.length; k++) {
                    Tensor in = ins[k];
                    if (in == null || !in.requiresGrad() || gIn[k] == null) continue;
                    if (!Arrays.equals(gIn[k].shape(), in.shape())) {
                        throw new IllegalStateException("backward of " + node.name() + ": gradient shape "
                                + Shape.str(gIn[k].shape()) + " != input shape " + Shape.str(in.shape()));
                    }
                    Tensor prev = grads.get(in);
                    grads.put(in, prev == null ? gIn[k] : Ops.add(prev, gIn[k]));
                }
            }
        }
    }

    private static void accumulateLeaf(Tensor leaf, Tensor g) {
        Tensor existing = leaf.grad();
        if (existing == null) {
            // the gradient outlives the step's scope: parameters keep it across iterations
            Tensor copy = TensorScope.unscoped(() -> Tensor.zeros(leaf.device(), leaf.dtype(), leaf.shape()));
            leaf.device().backend().axpy(1f, g.contiguousRaw(), copy);
            leaf.setGrad(copy);
        } else {
            leaf.device().backend().axpy(1f, g.contiguousRaw(), existing);
        }
    }

    /** Tensors reachable from root, every tensor after all tensors it depends on. */
    private static List<Tensor> topoOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        // iterative DFS (deep networks would overflow a recursive one): frame = tensor + next input index
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[]{root, 0});
        visited.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Tensor[] ins = t.gradFn() == null ? new Tensor[0] : t.gradFn().inputs();
            if (next < ins.length) {
                frame[1] = next + 1;
                Tensor in = ins[next];
                if (in != null && in.requiresGrad() && visited.put(in, Boolean.TRUE) == null) {
                    stack.push(new Object[]{in, 0});
                }
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }
}
