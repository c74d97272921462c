package io.deepslim.nn;

import io.deepslim.backend.ConvParams;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;

import java.util.Random;

/** 2-D convolution, weight (out, in/groups, k, k) and optional bias, as torch.nn.Conv2d. */
public class Conv2d extends Module {
    public final int in, out, kernel, groups;
    public final ConvParams params;
    private Tensor weight, bias;

    public Conv2d(Random rng, int in, int out, int kernel, int stride, int padding, int groups, boolean bias) {
        if (in <= 0 || out <= 0 || kernel <= 0 || groups <= 0 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("Conv2d: invalid in=" + in + " out=" + out + " kernel=" + kernel + " groups=" + groups);
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.groups = groups;
        this.params = ConvParams.of(stride, padding, groups);
        int fanIn = in / groups * kernel * kernel;
        this.weight = param("weight", Init.defaultUniform(rng, fanIn, out, in / groups, kernel, kernel));
        this.bias = bias ? param("bias", Init.defaultUniform(rng, fanIn, out)) : null;
    }

    /**
     * Wraps existing tensors (weight (out, in/groups, k, k), bias (out) or null) as a convolution;
     * compression code uses it to build baked, sliced or factorized layers. Marks them trainable, as every new layer's parameters are.
     */
    public Conv2d(int in, int out, int kernel, ConvParams params, Tensor weight, Tensor bias) {
        int g = params.groups();
        if (in <= 0 || out <= 0 || kernel <= 0 || in % g != 0 || out % g != 0) {
            throw new IllegalArgumentException("Conv2d: invalid in=" + in + " out=" + out + " kernel=" + kernel + " groups=" + g);
        }
        if (!java.util.Arrays.equals(weight.shape(), new int[]{out, in / g, kernel, kernel})) {
            throw new IllegalArgumentException("Conv2d: weight " + io.deepslim.tensor.Shape.str(weight.shape())
                    + " does not match in=" + in + " out=" + out + " kernel=" + kernel + " groups=" + g);
        }
        if (bias != null && !java.util.Arrays.equals(bias.shape(), new int[]{out})) {
            throw new IllegalArgumentException("Conv2d: bias " + io.deepslim.tensor.Shape.str(bias.shape()) + " does not match out=" + out);
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.groups = g;
        this.params = params;
        this.weight = param("weight", weight);
        this.bias = bias == null ? null : param("bias", bias);
    }

    /** A 3x3, stride-1, padding-1 convolution with bias (the paper's default). */
    public Conv2d(Random rng, int in, int out) { this(rng, in, out, 3, 1, 1, 1, true); }

    public Tensor weight() { return weight; }

    public Tensor bias() { return bias; }

    /** The weight the forward pass uses (compression wrappers substitute masked or decoded ones). */
    protected Tensor effectiveWeight() { return weight; }

    @Override
    public Tensor forward(Tensor x) { return Ops.conv2d(x, effectiveWeight(), bias, params); }

    @Override
    protected String describe() {
        return in + "→" + out + ", k" + kernel + ", s" + params.strideH() + ", p" + params.padH() + (groups > 1 ? ", g" + groups : "");
    }
}
