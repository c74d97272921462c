package io.deepslim.compress.prune;

import io.deepslim.compress.ModelStats;
import io.deepslim.compress.ModuleTree;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Unstructured L1 magnitude pruning of every Conv2d and Linear weight (biases untouched), as a
 * mask reparametrization (PAPER.md §1.2; PyTorch's l1_unstructured / global_unstructured). The
 * amount is the fraction of the weights still unpruned that a call removes, so two rounds of 0.5
 * leave 25% (PyTorch's PruningContainer). The number removed is round-half-even(amount × remaining)
 * and ties in |w| are broken by position, so results are deterministic.
 */
public final class Pruning {
    private Pruning() {}

    /** Compression levels of the paper, named by the fraction of parameters that REMAINS. */
    public enum Level {
        KEEP_40(40), KEEP_30(30), KEEP_20(20), KEEP_10(10);

        /** Percent of the weights kept. */
        public final int percentKept;

        Level(int percentKept) { this.percentKept = percentKept; }

        /** The pruning amount: fraction removed (0.6 for KEEP_40). */
        public double amount() { return (100 - percentKept) / 100.0; }

        /** The level keeping {@code percent}% (40, 30, 20 or 10). */
        public static Level keeping(int percent) {
            for (Level l : values()) if (l.percentKept == percent) return l;
            throw new IllegalArgumentException("no paper compression level keeps " + percent + "%; levels: 40, 30, 20, 10");
        }
    }

    /** The amount that leaves {@code fractionKept} of the weights (0.1 → 0.9). */
    public static double amountKeeping(double fractionKept) {
        checkAmount(1 - fractionKept);
        return 1 - fractionKept;
    }

    /** Throws unless 0 < amount < 1. */
    public static void checkAmount(double amount) {
        if (!(amount > 0 && amount < 1)) {
            throw new IllegalArgumentException("pruning amount must be a fraction in (0, 1) of the weights to remove, got " + amount);
        }
    }

    /** Paths of the prunable layers (every Conv2d and Linear outside other compressed layers), in order. */
    public static List<String> prunableLayers(Module model) {
        List<String> out = new ArrayList<>();
        for (ModuleTree.Node n : ModuleTree.walk(model, m -> m instanceof io.deepslim.compress.Compressed && !(m instanceof Pruned))) {
            if (n.module() instanceof Conv2d || n.module() instanceof Linear) out.add(n.path());
        }
        return out;
    }

    /** Local L1: every prunable layer loses {@code amount} of its remaining weights (the paper's method). */
    public static void l1Local(Module model, double amount) {
        checkAmount(amount);
        for (String path : prunableLayers(model)) l1Layer(model, path, amount);
    }

    /** L1 on the one layer at {@code path}. */
    public static void l1Layer(Module model, String path, double amount) {
        checkAmount(amount);
        Module m = ModuleTree.get(model, path);
        if (!(m instanceof Conv2d || m instanceof Linear)) {
            throw new IllegalArgumentException("layer '" + path + "' is a " + m.getClass().getSimpleName() + ", not a Conv2d or Linear");
        }
        float[][] w = {weightOf(m)}, mask = {maskOf(m)};
        pruneSmallest(w, mask, amount);
        applyMask(model, path, mask[0]);
    }

    /** Global L1: one magnitude threshold over all prunable weights together removes {@code amount} of the remaining ones. */
    public static void l1Global(Module model, double amount) {
        checkAmount(amount);
        List<String> paths = prunableLayers(model);
        float[][] w = new float[paths.size()][], mask = new float[paths.size()][];
        for (int i = 0; i < paths.size(); i++) {
            Module m = ModuleTree.get(model, paths.get(i));
            w[i] = weightOf(m);
            mask[i] = maskOf(m);
        }
        pruneSmallest(w, mask, amount);
        for (int i = 0; i < paths.size(); i++) applyMask(model, paths.get(i), mask[i]);
    }

    /**
     * Multiplies the layer's mask by {@code mask} (flat 0/1), turning a plain layer into a pruned
     * one on its first round. Any pruning method (structured, custom) can end here.
     */
    public static void applyMask(Module model, String path, float[] mask) {
        Module m = ModuleTree.get(model, path);
        if (m instanceof Pruned) {
            ((Pruned) m).applyMask(mask);
        } else if (m instanceof Conv2d) {
            PrunedConv2d p = new PrunedConv2d((Conv2d) m, MaskedWeight.ones(((Conv2d) m).weight()));
            p.applyMask(mask);
            ModuleTree.replace(model, path, p);
        } else if (m instanceof Linear) {
            PrunedLinear p = new PrunedLinear((Linear) m, MaskedWeight.ones(((Linear) m).weight()));
            p.applyMask(mask);
            ModuleTree.replace(model, path, p);
        } else {
            throw new IllegalArgumentException("layer '" + path + "' is a " + m.getClass().getSimpleName() + ", not a Conv2d or Linear");
        }
    }

    /** Replaces every pruned layer by a plain one whose weight is orig ⊙ mask; returns how many. */
    public static int bake(Module model) {
        int n = 0;
        for (ModuleTree.Node node : ModuleTree.walk(model)) {
            if (node.module() instanceof Pruned) {
                node.parent().replaceChild(node.name(), ((Pruned) node.module()).baked());
                n++;
            }
        }
        return n;
    }

    /** {parameter count, non-zero parameter count} of any model. */
    public static long[] counts(Module model) {
        ModelStats s = ModelStats.of(model);
        return new long[]{s.parameterCount(), s.nonZeroCount()};
    }

    private static float[] weightOf(Module m) {
        Tensor w = m instanceof Pruned ? ((Pruned) m).weightOrig() : m instanceof Conv2d ? ((Conv2d) m).weight() : ((Linear) m).weight();
        return w.contiguousRaw().toFloatArray();
    }

    private static float[] maskOf(Module m) {
        if (m instanceof Pruned) return ((Pruned) m).mask().contiguousRaw().toFloatArray();
        float[] ones = new float[(int) (m instanceof Conv2d ? ((Conv2d) m).weight() : ((Linear) m).weight()).numel()];
        Arrays.fill(ones, 1f);
        return ones;
    }

    /**
     * Zeroes in {@code masks} the round-half-even(amount × remaining) entries of smallest |w| among
     * those still 1, over all tensors together; ties go to the earlier tensor, then the lower index.
     */
    static void pruneSmallest(float[][] weights, float[][] masks, double amount) {
        int remaining = 0;
        for (float[] m : masks) for (float v : m) if (v != 0f) remaining++;
        int k = (int) Math.rint(amount * remaining);
        if (k == 0) return;
        float[] scores = new float[remaining];
        int r = 0;
        for (int t = 0; t < weights.length; t++) {
            for (int i = 0; i < weights[t].length; i++) if (masks[t][i] != 0f) scores[r++] = Math.abs(weights[t][i]);
        }
        Arrays.sort(scores);
        float threshold = scores[k - 1];
        int below = 0;
        for (int i = 0; i < k; i++) if (scores[i] < threshold) below++;
        int atThreshold = k - below;  // how many entries equal to the threshold are pruned
        for (int t = 0; t < weights.length; t++) {
            for (int i = 0; i < weights[t].length; i++) {
                if (masks[t][i] == 0f) continue;
                float a = Math.abs(weights[t][i]);
                if (a < threshold) {
                    masks[t][i] = 0f;
                } else if (a == threshold && atThreshold > 0) {
                    masks[t][i] = 0f;
                    atThreshold--;
                }
            }
        }
    }
}
