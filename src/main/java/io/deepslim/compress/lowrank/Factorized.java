package io.deepslim.compress.lowrank;

import io.deepslim.backend.ConvParams;
import io.deepslim.compress.Compressed;
import io.deepslim.compress.ModelStats;
import io.deepslim.compress.Recipes;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.nn.Sequential;
import io.deepslim.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A layer replaced by two rank-r factors, as a Sequential so state_dict names match PyTorch's:
 * Linear(in→r, no bias), Linear(r→out, bias) — or for a conv, Conv k×k (in→r, the original
 * stride/padding, no bias), Conv 1x1 (r→out, bias). The paper variant puts ReLU, Dropout between
 * them (children 0..3).
 */
public final class Factorized extends Sequential implements Compressed {
    private final int rank;
    private final Variant variant;

    Factorized(Module first, Module second, int rank, Variant variant) {
        this.rank = rank;
        this.variant = variant;
        add(first);
        if (variant == Variant.PAPER_RELU_BETWEEN) {
            add(new Layers.ReLU());
            add(new Layers.Dropout(0.5f, 0));
        }
        add(second);
    }

    public int rank() { return rank; }

    public Variant variant() { return variant; }

    /** The first factor (Linear or Conv2d). */
    public Module first() { return get(0); }

    /** The second factor (Linear or Conv2d 1x1). */
    public Module second() { return get(size() - 1); }

    /** Rebuilds a layer from {@link #compressedTensors()} and {@link #recipe()}. */
    public static Factorized decode(Map<String, Tensor> ts, Map<String, Object> recipe) {
        Variant v = Variant.valueOf(Recipes.string(recipe, "variant"));
        int r = Recipes.integer(recipe, "rank"), last = v == Variant.CORRECT ? 1 : 3;
        Tensor a = Recipes.tensor(ts, "0.weight").contiguousRaw(), b = Recipes.tensor(ts, last + ".weight").contiguousRaw();
        Tensor bias = ts.containsKey(last + ".bias") ? ts.get(last + ".bias").contiguousRaw() : null;
        if (a.dim() < 2 || b.dim() < 2 || a.size(0) != r || b.size(1) != r) {
            throw new IllegalArgumentException("low-rank factors " + io.deepslim.tensor.Shape.str(a.shape()) + " and "
                    + io.deepslim.tensor.Shape.str(b.shape()) + " do not have the recipe's rank " + r);
        }
        if ("conv2d".equals(recipe.get("layer"))) {
            int in = Recipes.integer(recipe, "in"), out = Recipes.integer(recipe, "out"), k = Recipes.integer(recipe, "kernel");
            ConvParams p = Recipes.convParams(recipe);
            return new Factorized(new Conv2d(in, r, k, p, a, null), new Conv2d(r, out, 1, ConvParams.of(1, 0, 1), b, bias), r, v);
        }
        return new Factorized(new Linear(a, null), new Linear(b, bias), r, v);
    }

    @Override
    public Map<String, Tensor> compressedTensors() { return stateDict(); }

    @Override
    public Map<String, Object> recipe() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("method", "lowrank");
        if (first() instanceof Conv2d) {
            r.put("layer", "conv2d");
            r.putAll(Recipes.conv((Conv2d) first()));
            r.put("out", ((Conv2d) second()).out);
        } else {
            r.put("layer", "linear");
            r.put("in", ((Linear) first()).in);
            r.put("out", ((Linear) second()).out);
        }
        r.put("rank", rank);
        r.put("variant", variant.name());
        return r;
    }

    @Override
    public long parameterCount() { return super.parameterCount(); }

    @Override
    public long nonZeroCount() {
        long n = 0;
        for (Tensor t : namedParameters().values()) n += ModelStats.nonZero(t);
        return n;
    }

    @Override
    protected String describe() { return "rank " + rank + (variant == Variant.CORRECT ? "" : ", " + variant); }
}
