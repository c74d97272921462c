package io.deepslim.infer;

import io.deepslim.compress.quant.Int8Conv2d;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Module;
import io.deepslim.nn.Sequential;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps activations in int8 between consecutive int8 convolutions of a fused network: where an
 * {@link Int8Conv2d} is followed directly (nothing but identities in between, in forward order) by
 * an int8 conv with static input parameters, the first stores its output as the second's input codes
 * ({@link Int8Conv2d#withOutput}), so no float map is written and no quantize pass runs. Exactly the
 * unlinked chain's result: the requantize in the epilogue is the reference's quantize.
 */
final class Int8Chain {
    private Int8Chain() {}

    /** A leaf in forward order and where it sits (parent null: not replaceable). */
    private record Slot(Sequential parent, int index, Module m) {}

    /** Links every such pair in {@code net}: a zoo network's feature blocks as one chain, any other Sequential on its own. */
    static void link(Module net) {
        if (net instanceof ZooNet z) {
            List<Slot> chain = new ArrayList<>();
            for (String f : z.featureNames()) leaves(null, -1, z.children().get(f), chain);
            link(chain);
            return;
        }
        walk(net);
    }

    private static void walk(Module m) {
        if (m instanceof Sequential seq) {
            List<Slot> chain = new ArrayList<>();
            leaves(null, -1, seq, chain);
            link(chain);
            return;  // nested Sequentials are part of this chain
        }
        for (Module c : m.children().values()) walk(c);
    }

    private static void leaves(Sequential parent, int index, Module m, List<Slot> out) {
        if (m instanceof Sequential seq) {
            for (int i = 0; i < seq.size(); i++) {
                if (!(seq.get(i) instanceof Layers.Identity)) leaves(seq, i, seq.get(i), out);
            }
        } else {
            out.add(new Slot(parent, index, m));
        }
    }

    private static void link(List<Slot> chain) {
        for (int i = 0; i + 1 < chain.size(); i++) {
            Slot a = chain.get(i);
            if (a.parent() == null || !(a.m() instanceof Int8Conv2d q) || q.output != null) continue;
            if (chain.get(i + 1).m() instanceof Int8Conv2d next && next.inputQParams() != null) {
                a.parent().replaceChild(String.valueOf(a.index()), q.withOutput(next.inputQParams()));
            }
        }
    }
}
