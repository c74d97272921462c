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
