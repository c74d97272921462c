package io.deepslim.nn;

import io.deepslim.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A shared trunk feeding several heads, e.g. an encoder with a classifier and a decoder (the
 * two-branch autoencoder): {@link #outputs} gives every head's output, {@link #forward} the first
 * head's (so the network still works wherever one output is expected). Children: the trunk, then
 * the heads, under the names given.
 */
public class Branches extends Module {
    private final String trunk;
    private final List<String> heads = new ArrayList<>();

    /** A trunk registered as {@code trunkName}; add heads with {@link #head}. */
    public Branches(String trunkName, Module trunk) {
        this.trunk = trunkName;
        child(trunkName, trunk);
    }

    /** Adds a head fed by the trunk's output; the first head added is the one {@link #forward} returns. */
    public Branches head(String name, Module m) {
        if (children().containsKey(name)) throw new IllegalArgumentException("Branches: child '" + name + "' already exists");
        heads.add(name);
        child(name, m);
        return this;
    }

    public String trunkName() { return trunk; }

    /** Head names in order. */
    public List<String> headNames() { return List.copyOf(heads); }

    /** Every head's output, by head name, in order (the trunk runs once). */
    public Map<String, Tensor> outputs(Tensor x) {
        Tensor h = children().get(trunk).forward(x);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : heads) out.put(name, children().get(name).forward(h));
        return out;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (heads.isEmpty()) throw new IllegalStateException("Branches: no heads");
        return children().get(heads.get(0)).forward(children().get(trunk).forward(x));
    }
}
