package io.deepslim.infer;

import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Module;
import io.deepslim.nn.Sequential;

/**
 * Rewrites a trained dense zoo model for inference: every Conv2d → BatchNorm2d [→ ReLU] run
 * becomes one {@link FusedConv2d}. The source model is not modified. Compressed layers (pruned,
 * int8, low-rank) are left as they are.
 */
public final class InferenceFusion {
    private InferenceFusion() {}

    /** A fused evaluation-mode copy of {@code src}; logits equal src.eval()'s up to float rounding. */
    public static ZooNet fuse(ZooNet src) {
        ZooNet net = Zoo.create(src.arch(), src.inputSize(), src.numClasses(), 0);
        net.loadStateDict(src.stateDict(), true);
        net.eval();
        for (String f : net.featureNames()) {
            Module block = net.children().get(f);
            if (block instanceof Sequential) fuseBlock((Sequential) block);
        }
        return net;
    }

    private static void fuseBlock(Sequential seq) {
        for (int i = 0; i + 1 < seq.size(); i++) {
            Module a = seq.get(i), b = seq.get(i + 1);
            if (a.getClass() != Conv2d.class || !(b instanceof BatchNorm2d)) continue;
            boolean relu = i + 2 < seq.size() && seq.get(i + 2) instanceof Layers.ReLU;
            seq.replaceChild(String.valueOf(i), FusedConv2d.fold((Conv2d) a, (BatchNorm2d) b, relu));
            seq.replaceChild(String.valueOf(i + 1), new Layers.Identity());
            if (relu) seq.replaceChild(String.valueOf(i + 2), new Layers.Identity());
        }
    }
}
