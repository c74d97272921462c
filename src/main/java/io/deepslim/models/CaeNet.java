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
 * encoder.{4i..4i+3}, head.{0,1,2}, decoder.{2i, 2i+1}.
 */
public final class CaeNet extends Module {
    // Model-file registration point: with the layer-type registry (seams-model), register arch
    // "cae" with {inputSize, width, depth, hidden, classes} so CAE models save and load by name.
    /** Architecture name. */
    public static final String ARCH = "cae";

    private final int inputSize, width, depth, hidden, numClasses;
    private final Sequential encoder, head, decoder;

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
        this.encoder = child("encoder", enc);
        this.head = child("head", new Sequential(new Linear(rng, c * s * s, hidden), new Layers.ReLU(), new Linear(rng, hidden, numClasses)));
        Sequential dec = new Sequential();
        for (int i = depth - 1; i >= 0; i--) {
            int o = i == 0 ? 3 : width << (i - 1);
            dec.add(new ConvTranspose2d(rng, c, o, 2, 2, 0, 0, 1, true));
            if (i > 0) dec.add(new Layers.ReLU());
            c = o;
        }
        this.decoder = child("decoder", dec);
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
        return encoder.forward(x);
    }

    /** Logits and reconstruction; the decoder runs only when {@code reconstruct}. */
    public Output both(Tensor x, boolean reconstruct) {
        Tensor z = encode(x);
        Tensor logits = head.forward(Ops.flatten(z, 1));
        return new Output(logits, reconstruct ? decoder.forward(z) : null, z);
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
