package io.deepslim.nn;

import io.deepslim.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

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

    @Override
    public Tensor forward(Tensor x) {
        for (String name : order) x = children().get(name).forward(x);
        return x;
    }
}
