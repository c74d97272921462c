package io.deepslim.transfer;

import io.deepslim.backend.ConvParams;
import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Module;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;

import java.util.Random;

/**
 * The paper's convolutional adapter (PAPER.md §1.3) as a residual branch:
 * {@code y = x + out(ReLU(bn(pw(dw(x)))))} with dw a depthwise 3x3 conv (groups = C), pw a
 * pointwise 1x1 conv C→C, and {@code out} a 1x1 conv C→C whose weight and bias start at zero.
 * Zero-initializing the LAST linear map makes insertion an exact identity while the gradient to
 * {@code out} (ReLU output × upstream gradient) is non-zero, so the branch learns from step one;
 * zero-initializing the BatchNorm before the ReLU instead would give exactly zero gradients
 * everywhere (DESIGN.md). Child names follow PyTorch attribute names: dw, pw, bn, out.
 */
public final class Adapter extends Module {
    // Model-file registration point: when the layer-type registry lands (io, seams-model), register
    // "deepslim.Adapter" with its one field {channels} here so adapter models load like any other.
    /** Layer type name for the model-file registry. */
    public static final String TYPE = "deepslim.Adapter";

    private final int channels;
    private final Conv2d dw, pw, out;
    private final BatchNorm2d bn;

    /** An adapter for C-channel feature maps, dw/pw initialized like PyTorch, out at zero. */
    public Adapter(int channels, long seed) {
        if (channels <= 0) throw new IllegalArgumentException("adapter: channels must be > 0, got " + channels);
        Random rng = new Random(seed);
        this.channels = channels;
        this.dw = child("dw", new Conv2d(rng, channels, channels, 3, 1, 1, channels, true));
        this.pw = child("pw", new Conv2d(rng, channels, channels, 1, 1, 0, 1, true));
        this.bn = child("bn", new BatchNorm2d(channels));
        this.out = child("out", new Conv2d(channels, channels, 1, ConvParams.of(1, 0, 1),
                Tensor.zeros(channels, channels, 1, 1), Tensor.zeros(channels)));
    }

    public int channels() { return channels; }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 4 || x.size(1) != channels) {
            throw new IllegalArgumentException("adapter expects (N, " + channels + ", H, W), got " + io.deepslim.tensor.Shape.str(x.shape()));
        }
        Tensor branch = out.forward(Ops.relu(bn.forward(pw.forward(dw.forward(x)))));
        return Ops.add(x, branch);
    }

    @Override
    protected String describe() { return channels + " channels, residual, zero-init out"; }
}
