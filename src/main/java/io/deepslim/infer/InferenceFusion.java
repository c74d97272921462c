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
 * becomes one {@link FusedConv2d}; an ungrouped Conv2d → 1x1 Conv2d → BatchNorm2d [→ ReLU] run
 * (a separable block with a dense spatial conv) becomes one composed {@link FusedConv2d}. The source model is not modified. Compressed layers (pruned,
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
        // an ungrouped conv → 1x1 conv → BN [→ ReLU] run (student10's first block): one composed conv,
        // fewer multiply-adds and no intermediate map
        for (int i = 0; i + 2 < seq.size(); i++) {
            Module a = seq.get(i), p = seq.get(i + 1), b = seq.get(i + 2);
            if (a.getClass() != Conv2d.class || p.getClass() != Conv2d.class || !(b instanceof BatchNorm2d)) continue;
            Conv2d conv = (Conv2d) a, pw = (Conv2d) p;
            if (conv.groups != 1 || !FusedConv2d.isPointwise(pw) || pw.in != conv.out) continue;
            boolean relu = i + 3 < seq.size() && seq.get(i + 3) instanceof Layers.ReLU;
            seq.replaceChild(String.valueOf(i), FusedConv2d.foldPair(conv, pw, (BatchNorm2d) b, relu));
            for (int j = i + 1; j <= i + (relu ? 3 : 2); j++) seq.replaceChild(String.valueOf(j), new Layers.Identity());
        }
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
