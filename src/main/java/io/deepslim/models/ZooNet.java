package io.deepslim.models;

import io.deepslim.nn.Module;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain feed-forward detector: convolutional blocks {@code layer1..layerK} applied in order,
 * a flatten, then the classifier heads ({@code fc}, {@code fc1}, …). Child names are the
 * PyTorch attribute names, so state_dict keys match the authors' models.
 */
public final class ZooNet extends Module {
    private final String arch;
    private final int inputSize;
    private int numClasses;
    private final List<String> features = new ArrayList<>(), heads = new ArrayList<>();
    /** How {@link #features} runs the blocks; null: one after the other (see {@link #setFeatureRunner}). */
    private FeatureRunner runner;

    /** Runs the feature blocks, in order, on x; an inference copy may run them depth-first (see InferenceFusion). */
    public interface FeatureRunner {
        /** The last block's output for x, computed through {@code blocks} in order. */
        Tensor run(List<Module> blocks, Tensor x);
    }

    ZooNet(String arch, int inputSize, int numClasses) {
        this.arch = arch;
        this.inputSize = inputSize;
        this.numClasses = numClasses;
    }

    void addFeature(String name, Module m) {
        features.add(name);
        child(name, m);
    }

    void addHead(String name, Module m) {
        heads.add(name);
        child(name, m);
    }

    /**
     * Inserts {@code m} as feature block {@code name} right after block {@code after} (e.g. an
     * adapter after "layer4"); it must keep the feature map's channel count the next block expects.
     */
    public ZooNet insertFeatureAfter(String after, String name, Module m) {
        int i = features.indexOf(after);
        if (i < 0) throw new IllegalArgumentException(arch + ": no feature block '" + after + "'; blocks: " + features);
        if (children().containsKey(name)) throw new IllegalArgumentException(arch + ": a child named '" + name + "' exists already");
        features.add(i + 1, name);
        child(name, m);
        return this;
    }

    /** Replaces classifier head {@code name} with {@code m}, which gives {@code numClasses} outputs if it is the last head. */
    public ZooNet replaceHead(String name, Module m, int numClasses) {
        if (!heads.contains(name)) throw new IllegalArgumentException(arch + ": no head '" + name + "'; heads: " + heads);
        if (numClasses < 2) throw new IllegalArgumentException(arch + ": needs at least 2 classes, got " + numClasses);
        replaceChild(name, m);
        this.numClasses = numClasses;
        return this;
    }

    public String arch() { return arch; }

    public int inputSize() { return inputSize; }

    public int numClasses() { return numClasses; }

    /** Names of the convolutional blocks, in order. */
    public List<String> featureNames() { return List.copyOf(features); }

    /** Names of the classifier heads, in order. */
    public List<String> headNames() { return List.copyOf(heads); }

    /**
     * Has {@link #features} run the blocks through {@code r} (null: one after the other). For an
     * evaluation copy only: the runner must compute the same function; it is not saved with the model.
     */
    public void setFeatureRunner(FeatureRunner r) { this.runner = r; }

    /** The last convolutional feature map (N, C, S/32, S/32) for x (N, 3, S, S). */
    public Tensor features(Tensor x) {
        checkInput(x);
        if (runner != null) {
            List<Module> blocks = new ArrayList<>(features.size());
            for (String f : features) blocks.add(children().get(f));
            return runner.run(blocks, x);
        }
        for (String f : features) x = children().get(f).forward(x);
        return x;
    }

    /** Logits (N, classes) from a feature map. */
    public Tensor classify(Tensor feats) {
        Tensor x = Ops.flatten(feats, 1);
        for (String h : heads) x = children().get(h).forward(x);
        return x;
    }

    @Override
    public Tensor forward(Tensor x) { return classify(features(x)); }

    private void checkInput(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != 3 || s[2] != inputSize || s[3] != inputSize) {
            throw new IllegalArgumentException(arch + ": expects input (N, 3, " + inputSize + ", " + inputSize + "), got "
                    + io.deepslim.tensor.Shape.str(s));
        }
    }
}
