package io.deepslim.nn;

import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;

import java.util.Random;

/** Fully connected layer, weight (out, in), as torch.nn.Linear. */
public class Linear extends Module {
    public final int in, out;
    private final Tensor weight, bias;

    public Linear(Random rng, int in, int out, boolean bias) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear: invalid in=" + in + " out=" + out);
        this.in = in;
        this.out = out;
        this.weight = param("weight", Init.defaultUniform(rng, in, out, in));
        this.bias = bias ? param("bias", Init.defaultUniform(rng, in, out)) : null;
    }

    public Linear(Random rng, int in, int out) { this(rng, in, out, true); }

    /**
     * Wraps existing tensors (weight (out, in), bias (out) or null) as a layer; compression code
     * uses it to build baked, sliced or factorized layers. Marks them trainable, as every new layer's parameters are.
     */
    public Linear(Tensor weight, Tensor bias) {
        if (weight.dim() != 2 || weight.size(0) <= 0 || weight.size(1) <= 0) {
            throw new IllegalArgumentException("Linear: weight must be (out, in), got " + io.deepslim.tensor.Shape.str(weight.shape()));
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != weight.size(0))) {
            throw new IllegalArgumentException("Linear: bias " + io.deepslim.tensor.Shape.str(bias.shape())
                    + " does not match weight " + io.deepslim.tensor.Shape.str(weight.shape()));
        }
        this.in = weight.size(1);
        this.out = weight.size(0);
        this.weight = param("weight", weight);
        this.bias = bias == null ? null : param("bias", bias);
    }

    public Tensor weight() { return weight; }

    public Tensor bias() { return bias; }

    /** The weight the forward pass uses (compression wrappers substitute masked or decoded ones). */
    protected Tensor effectiveWeight() { return weight; }

    @Override
    public Tensor forward(Tensor x) { return Ops.linear(x, effectiveWeight(), bias); }

    @Override
    protected String describe() { return in + "→" + out; }
}
