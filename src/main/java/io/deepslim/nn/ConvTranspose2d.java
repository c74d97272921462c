package io.deepslim.nn;

import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;

import java.util.Random;

/** Transposed convolution, weight (in, out/groups, k, k), as torch.nn.ConvTranspose2d. */
public class ConvTranspose2d extends Module {
    private final int in, out, kernel, stride, padding, outputPadding, groups;
    private final Tensor weight, bias;

    public ConvTranspose2d(Random rng, int in, int out, int kernel, int stride, int padding, int outputPadding, int groups, boolean bias) {
        if (in <= 0 || out <= 0 || kernel <= 0 || groups <= 0 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("ConvTranspose2d: invalid in=" + in + " out=" + out + " kernel=" + kernel + " groups=" + groups);
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.outputPadding = outputPadding;
        this.groups = groups;
        // PyTorch computes fan_in from weight dim 1 for transposed convs
        int fanIn = out / groups * kernel * kernel;
        this.weight = param("weight", Init.defaultUniform(rng, fanIn, in, out / groups, kernel, kernel));
        this.bias = bias ? param("bias", Init.defaultUniform(rng, fanIn, out)) : null;
    }

    public int in() { return in; }

    public int out() { return out; }

    public int kernel() { return kernel; }

    public int stride() { return stride; }

    public int padding() { return padding; }

    public int outputPadding() { return outputPadding; }

    public int groups() { return groups; }

    public boolean hasBias() { return bias != null; }

    @Override
    public Tensor forward(Tensor x) { return Ops.convTranspose2d(x, weight, bias, stride, padding, outputPadding, groups); }

    @Override
    protected String describe() { return in + "→" + out + ", k" + kernel + ", s" + stride + ", p" + padding; }
}
