package io.deepslim.transfer;

import io.deepslim.backend.ConvParams;
import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Module;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;

import io.deepslim.models.LayerTypes;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

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
    /** Layer type name in model files (registered among LayerTypes' built-ins). */
    public static final String TYPE = "adapter";
    private static final List<String> PARTS = List.of("dw", "pw", "bn", "out");

    private final int channels;

    /** An adapter for C-channel feature maps, dw/pw initialized like PyTorch, out at zero. */
    public Adapter(int channels, long seed) {
        if (channels <= 0) throw new IllegalArgumentException("adapter: channels must be > 0, got " + channels);
        Random rng = new Random(seed);
        this.channels = channels;
        child("dw", new Conv2d(rng, channels, channels, 3, 1, 1, channels, true));
        child("pw", new Conv2d(rng, channels, channels, 1, 1, 0, 1, true));
        child("bn", new BatchNorm2d(channels));
        child("out", new Conv2d(channels, channels, 1, ConvParams.of(1, 0, 1),
                Tensor.zeros(channels, channels, 1, 1), Tensor.zeros(channels)));
    }

    /** An adapter from already-built parts (the model-file reader; shapes checked by the layer type). */
    private Adapter(int channels, Map<String, Module> parts) {
        this.channels = channels;
        for (String p : PARTS) child(p, parts.get(p));
    }

    /**
     * The model-file layer type {@value #TYPE}: args {channels}, children dw, pw, bn, out (any
     * registered layers or codec nodes, so a pruned or quantized adapter loads too); the shape
     * function checks that the branch keeps the (C, H, W) input shape.
     */
    public static LayerTypes.LayerType<Adapter> layerType() {
        return new LayerTypes.LayerType<>(TYPE, Adapter.class, a -> Map.of("channels", a.channels), (a, kids) -> {
            int c = a.integer("channels", 1, LayerTypes.MAX_CHANNELS);
            if (!kids.keySet().equals(Set.copyOf(PARTS))) throw a.fail("needs children " + PARTS + ", has " + kids.keySet());
            return new Adapter(c, kids);
        }, a -> {
            a.only("channels");
            a.integer("channels", 1, LayerTypes.MAX_CHANNELS);
            return Map.of();
        }, (a, in, kids) -> {
            LayerTypes.requireChannels(a, in, a.integer("channels", 1, LayerTypes.MAX_CHANNELS));
            if (!kids.names().equals(PARTS)) throw a.fail("needs children " + PARTS + " in this order, has " + kids.names());
            int[] y = in;
            for (String p : PARTS) y = kids.out(p, y);
            if (!Arrays.equals(in, y)) throw a.fail("branch maps " + Arrays.toString(in) + " to " + Arrays.toString(y) + "; it must keep the shape");
            return in;
        });
    }

    public int channels() { return channels; }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 4 || x.size(1) != channels) {
            throw new IllegalArgumentException("adapter expects (N, " + channels + ", H, W), got " + io.deepslim.tensor.Shape.str(x.shape()));
        }
        Map<String, Module> k = children();
        Tensor branch = k.get("out").forward(Ops.relu(k.get("bn").forward(k.get("pw").forward(k.get("dw").forward(x)))));
        return Ops.add(x, branch);
    }

    @Override
    protected String describe() { return channels + " channels, residual, zero-init out"; }
}
