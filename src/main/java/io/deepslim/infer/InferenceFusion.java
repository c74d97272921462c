package io.deepslim.infer;

import io.deepslim.io.ModelFile;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Module;
import io.deepslim.nn.Sequential;

/**
 * Rewrites a trained network for inference: inside every {@link Sequential} of the tree (the zoo
 * blocks, a CAE's encoder, …) each Conv2d → BatchNorm2d [→ ReLU] run becomes one
 * {@link FusedConv2d}, and an ungrouped Conv2d → 1x1 Conv2d → BatchNorm2d [→ ReLU] run (a
 * separable block with a dense spatial conv) one composed {@link FusedConv2d}. Everything else —
 * compressed layers (pruned, int8, low-rank), adapters and other custom modules, whose forward is
 * not a plain chain — is kept as it is. The source model is not modified: the work is done on a
 * copy made through the model-file tree ({@link ModelFile#copy}), so any network that saves fuses.
 */
public final class InferenceFusion {
    private InferenceFusion() {}

    /** A fused evaluation-mode copy of {@code src}; logits equal src.eval()'s up to float rounding. */
    public static ZooNet fuse(ZooNet src) { return (ZooNet) fuse((Module) src); }

    /**
     * A fused evaluation-mode copy of any network built from registered layer types (see
     * {@code docs/model-files.md}); logits equal src.eval()'s up to float rounding. A network with
     * a module of an unregistered class cannot be copied: IllegalArgumentException naming it.
     */
    public static Module fuse(Module src) {
        Module net = ModelFile.copy(src);
        net.eval();
        java.util.Set<io.deepslim.tensor.Storage> before = storages(net);
        fuseAll(net);
        // the copy is private: free the conv/BN tensors the fused layers replaced now, not at the next GC
        java.util.Set<io.deepslim.tensor.Storage> after = storages(net);
        // (never one the source still uses: the copy may share immutable tensors, e.g. int8 codes)
        java.util.Set<io.deepslim.tensor.Storage> source = storages(src);
        for (io.deepslim.tensor.Storage s : before) if (!after.contains(s) && !source.contains(s)) s.close();
        return net;
    }

    private static java.util.Set<io.deepslim.tensor.Storage> storages(Module net) {
        java.util.Set<io.deepslim.tensor.Storage> out = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (io.deepslim.tensor.Tensor t : net.stateDict().values()) out.add(t.storage());
        for (io.deepslim.tensor.Tensor t : net.parameters()) out.add(t.storage());
        return out;
    }

    private static void fuseAll(Module m) {
        if (m instanceof Sequential seq) fuseBlock(seq);
        for (Module c : m.children().values()) fuseAll(c);
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
        // an int8 conv → BN [→ ReLU] run: BN into the int8 scales and bias, ReLU into the kernel's epilogue
        for (int i = 0; i + 1 < seq.size(); i++) {
            Module a = seq.get(i), b = seq.get(i + 1);
            if (!(a instanceof io.deepslim.compress.quant.Int8Conv2d q) || q.relu || !(b instanceof BatchNorm2d)) continue;
            boolean relu = i + 2 < seq.size() && seq.get(i + 2) instanceof Layers.ReLU;
            seq.replaceChild(String.valueOf(i), io.deepslim.compress.quant.Int8Conv2d.foldBatchNorm(q, (BatchNorm2d) b, relu));
            seq.replaceChild(String.valueOf(i + 1), new Layers.Identity());
            if (relu) seq.replaceChild(String.valueOf(i + 2), new Layers.Identity());
        }
    }
}
