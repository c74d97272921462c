package io.deepslim.models;

import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.ConvTranspose2d;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.nn.Sequential;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

import java.util.Random;

/**
 * The two-branch convolutional autoencoder of Yan, Lu, Li 2022 (PAPER.md §3): a shared encoder
 * of {@code depth} blocks Conv3x3(→ width·2^i) · BN · ReLU · MaxPool2 maps S×S to the latent
 * (N, width·2^(depth−1), S/2^depth, S/2^depth); branch 1 ({@code head}) is Flatten-free
 * Linear(latent → hidden) · ReLU · Linear(→ classes); branch 2 ({@code decoder}) mirrors the
 * encoder with ConvTranspose2d(k2, s2) layers (ReLU between, none after the last, since inputs
 * are normalized) back to (N, 3, S, S). Child names are PyTorch attribute names:
 * encoder.{4i..4i+3}, head.{0,1,2}, decoder.{2i, 2i+1}. Branches are looked up by name on each
 * call, so a compressed layer swapped in (e.g. a pruned encoder conv) is the one that runs.
 */
public final class CaeNet extends Module {
    /** Architecture name, and its layer type in model files (registered in {@link LayerTypes}). */
    public static final String ARCH = "cae";

    private final int inputSize, width, depth, hidden, numClasses;

    /** A CAE for S×S RGB input (S divisible by 2^depth). */
    public CaeNet(int inputSize, int width, int depth, int hidden, int numClasses, long seed) {
        if (depth < 1 || depth > 6 || width < 1 || hidden < 1 || numClasses < 2) {
            throw new IllegalArgumentException("cae: invalid width " + width + ", depth " + depth + ", hidden " + hidden + ", classes " + numClasses);
        }
        if (inputSize <= 0 || inputSize % (1 << depth) != 0) {
            throw new IllegalArgumentException("cae: input size " + inputSize + " must be a positive multiple of 2^depth = " + (1 << depth));
        }
        this.inputSize = inputSize;
        this.width = width;
        this.depth = depth;
        this.hidden = hidden;
        this.numClasses = numClasses;
        Random rng = new Random(seed);
        Sequential enc = new Sequential();
        int c = 3;
        for (int i = 0; i < depth; i++) {
            int o = width << i;
            enc.add(new Conv2d(rng, c, o)).add(new BatchNorm2d(o)).add(new Layers.ReLU()).add(new Layers.MaxPool2d(2));
            c = o;
        }
        int s = inputSize >> depth;
        child("encoder", enc);
        child("head", new Sequential(new Linear(rng, c * s * s, hidden), new Layers.ReLU(), new Linear(rng, hidden, numClasses)));
        Sequential dec = new Sequential();
        for (int i = depth - 1; i >= 0; i--) {
            int o = i == 0 ? 3 : width << (i - 1);
            dec.add(new ConvTranspose2d(rng, c, o, 2, 2, 0, 0, 1, true));
            if (i > 0) dec.add(new Layers.ReLU());
            c = o;
        }
        child("decoder", dec);
    }

    /** A CAE from already-built branches (the model-file reader; shapes checked by {@link #layerType()}'s shape function). */
    CaeNet(int inputSize, int width, int depth, int hidden, int numClasses, Module encoder, Module head, Module decoder) {
        this.inputSize = inputSize;
        this.width = width;
        this.depth = depth;
        this.hidden = hidden;
        this.numClasses = numClasses;
        child("encoder", encoder);
        child("head", head);
        child("decoder", decoder);
    }

    /**
     * The model-file layer type "cae": args {input_size, width, depth, hidden, num_classes}, children
     * encoder, head, decoder. The shape function checks that the encoder maps (3, S, S) to the
     * latent (width·2^(depth−1), S/2^depth, S/2^depth), the head maps the flattened latent to
     * num_classes and the decoder maps the latent back to (3, S, S); the output is the logits.
     */
    static LayerTypes.LayerType<CaeNet> layerType() {
        java.util.List<String> keys = java.util.List.of("input_size", "width", "depth", "hidden", "num_classes");
        return new LayerTypes.LayerType<>(ARCH, CaeNet.class, c -> {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("input_size", c.inputSize);
            m.put("width", c.width);
            m.put("depth", c.depth);
            m.put("hidden", c.hidden);
            m.put("num_classes", c.numClasses);
            return m;
        }, (a, kids) -> {
            int[] g = geometry(a);
            if (!kids.keySet().equals(java.util.Set.of("encoder", "head", "decoder"))) throw a.fail("needs children encoder, head, decoder; has " + kids.keySet());
            return new CaeNet(g[0], g[1], g[2], g[3], g[4], kids.get("encoder"), kids.get("head"), kids.get("decoder"));
        }, a -> {
            a.only(keys.toArray(new String[0]));
            geometry(a);
            return java.util.Map.of();
        }, (a, in, kids) -> {
            int[] g = geometry(a);
            int s = g[0], c = g[1] << (g[2] - 1), l = s >> g[2];
            if (!java.util.Arrays.equals(in, new int[]{3, s, s})) throw a.fail("input_size " + s + " does not match the input " + java.util.Arrays.toString(in));
            int[] z = kids.out("encoder", in);
            if (!java.util.Arrays.equals(z, new int[]{c, l, l})) throw a.fail("encoder gives " + java.util.Arrays.toString(z) + ", expected the latent [" + c + ", " + l + ", " + l + "]");
            int[] y = kids.out("head", new int[]{c * l * l});
            if (!java.util.Arrays.equals(y, new int[]{g[4]})) throw a.fail("head gives " + java.util.Arrays.toString(y) + ", not num_classes " + g[4]);
            int[] r = kids.out("decoder", z);
            if (!java.util.Arrays.equals(r, in)) throw a.fail("decoder gives " + java.util.Arrays.toString(r) + ", not the input shape " + java.util.Arrays.toString(in));
            return y;
        });
    }

    /** {input_size, width, depth, hidden, num_classes} from args, bounded as the constructor requires. */
    private static int[] geometry(SpecArgs a) {
        int depth = a.integer("depth", 1, 6), s = a.integer("input_size", 8, 4096);
        if (s % (1 << depth) != 0) throw a.fail("'input_size' " + s + " must be a multiple of 2^depth = " + (1 << depth));
        int width = a.integer("width", 1, LayerTypes.MAX_CHANNELS >> (depth - 1));
        return new int[]{s, width, depth, a.integer("hidden", 1, LayerTypes.MAX_CHANNELS), a.integer("num_classes", 2, 10_000)};
    }

    /** Both branches of one forward pass. */
    public record Output(Tensor logits, Tensor reconstruction, Tensor latent) {}

    public int inputSize() { return inputSize; }

    public int numClasses() { return numClasses; }

    /** The latent map for x (N, 3, S, S). */
    public Tensor encode(Tensor x) {
        int[] sh = x.shape();
        if (sh.length != 4 || sh[1] != 3 || sh[2] != inputSize || sh[3] != inputSize) {
            throw new IllegalArgumentException("cae: expects input (N, 3, " + inputSize + ", " + inputSize + "), got " + Shape.str(sh));
        }
        return children().get("encoder").forward(x);
    }

    /** Logits and reconstruction; the decoder runs only when {@code reconstruct}. */
    public Output both(Tensor x, boolean reconstruct) {
        Tensor z = encode(x);
        Tensor logits = children().get("head").forward(Ops.flatten(z, 1));
        return new Output(logits, reconstruct ? children().get("decoder").forward(z) : null, z);
    }

    /** Classifier logits (N, classes). */
    @Override
    public Tensor forward(Tensor x) { return both(x, false).logits(); }

    /** {@code CE(logits, y) + λ·MSE(reconstruction, x)}; λ = 0 is the classification-only baseline. */
    public static Tensor loss(Output o, Tensor x, int[] y, float lambda) {
        Tensor ce = Ops.crossEntropy(o.logits(), y);
        if (lambda == 0f) return ce;
        return Ops.add(ce, Ops.scale(Ops.mseLoss(o.reconstruction(), x), lambda));
    }

    @Override
    protected String describe() { return "width " + width + ", depth " + depth + ", hidden " + hidden; }
}
