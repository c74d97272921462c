package io.deepslim.nn;

import io.deepslim.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Children applied in order, named "0", "1", … as in PyTorch. */
public class Sequential extends Module {
    private final List<String> order = new ArrayList<>();

    public Sequential(Module... layers) {
        for (Module m : layers) add(m);
    }

    /** Appends a layer under the next index name. */
    public Sequential add(Module m) {
        String name = String.valueOf(order.size());
        order.add(name);
        child(name, m);
        return this;
    }

    public int size() { return order.size(); }

    public Module get(int i) { return children().get(order.get(i)); }

    /**
     * Runs the children in order; in training, a BatchNorm2d directly followed by a ReLU (and a
     * 2×2 max-pool) runs as one fused op (see {@link BatchNorm2d#fusesWithRelu}).
     */
    @Override
    public Tensor forward(Tensor x) {
        Map<String, Module> ch = children();
        for (int i = 0; i < order.size(); i++) {
            Module m = ch.get(order.get(i));
            Module next = i + 1 < order.size() ? ch.get(order.get(i + 1)) : null;
            Module next2 = i + 2 < order.size() ? ch.get(order.get(i + 2)) : null;
            if (m instanceof BatchNorm2d bn && bn.fusesWithReluMaxPool2(next, next2, x)) {
                x = bn.forwardReluMaxPool2(x);
                i += 2;   // the ReLU and the pool ran inside the fused op
            } else if (m instanceof BatchNorm2d bn && bn.fusesWithRelu(next)) {
                x = bn.forwardRelu(x);
                i++;   // the ReLU ran inside the fused op
            } else {
                x = m.forward(x);
            }
        }
        return x;
    }
}
