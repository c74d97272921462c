package io.deepslim.compress;

import io.deepslim.compress.lowrank.Factorized;
import io.deepslim.compress.prune.PrunedConv2d;
import io.deepslim.compress.prune.PrunedLinear;
import io.deepslim.compress.quant.Int8Conv2d;
import io.deepslim.compress.quant.Int8Linear;
import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What a model file stores for a (partly) compressed model, and the way back. {@link #tensors}
 * gives every tensor by dotted name: each compressed layer's {@link Compressed#compressedTensors()}
 * under its path, the plain state_dict entries for everything else; {@link #recipes} gives the
 * per-layer recipes for the metadata. {@link #restore} rebuilds the compressed layers into a
 * freshly built model of the same architecture, and also adopts the smaller channel counts of a
 * filter-pruned model.
 */
public final class CompressedModel {
    private CompressedModel() {}

    /** All tensors to store, by dotted name. */
    public static Map<String, Tensor> tensors(Module model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (ModuleTree.Node n : ModuleTree.walk(model, m -> m instanceof Compressed)) {
            Map<String, Tensor> own = n.module() instanceof Compressed ? ((Compressed) n.module()).compressedTensors() : ModelStats.ownState(n.module());
            own.forEach((k, t) -> out.put(n.path() + "." + k, t));
        }
        return out;
    }

    /** Recipes of the compressed layers by path (empty for a dense model); JSON-able values only. */
    public static Map<String, Map<String, Object>> recipes(Module model) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (ModuleTree.Node n : ModuleTree.walk(model, m -> m instanceof Compressed)) {
            if (n.module() instanceof Compressed) out.put(n.path(), ((Compressed) n.module()).recipe());
        }
        return out;
    }

    /** Bytes of the tensor data (the file adds a small JSON header). */
    public static long bytes(Map<String, Tensor> tensors) {
        long b = 0;
        for (Tensor t : tensors.values()) b += ModelStats.bytes(t);
        return b;
    }

    /** Rebuilds one compressed layer from its tensors (names relative to it) and recipe, through {@link LayerCodecs}. */
    public static Module decodeLayer(Map<String, Tensor> tensors, Map<String, Object> recipe) {
        return LayerCodecs.decode("layer", recipe.get("method") + "/" + recipe.get("layer"), recipe, tensors);
    }

    /**
     * Puts the stored model into {@code skeleton} (built from the file's architecture spec):
     * compressed layers are decoded and swapped in, plain Conv2d/Linear/BatchNorm2d layers whose
     * stored shapes differ are rebuilt at the stored size, then every value is copied. Missing
     * or unexpected tensors are an error.
     */
    public static void restore(Module skeleton, Map<String, Tensor> tensors, Map<String, Map<String, Object>> recipes) {
        Set<String> unused = new LinkedHashSet<>(tensors.keySet());
        for (Map.Entry<String, Map<String, Object>> e : recipes.entrySet()) {
            String prefix = e.getKey() + ".";
            Map<String, Tensor> own = new LinkedHashMap<>();
            tensors.forEach((k, t) -> {
                if (k.startsWith(prefix)) own.put(k.substring(prefix.length()), t);
            });
            Module old = ModuleTree.get(skeleton, e.getKey());
            Module layer;
            try {
                layer = decodeLayer(own, e.getValue());
            } catch (IllegalArgumentException | IllegalStateException | ClassCastException | IndexOutOfBoundsException ex) {
                throw new IllegalArgumentException("layer '" + e.getKey() + "': " + ex.getMessage(), ex);
            }
            layer.train(old.isTraining());
            ModuleTree.replace(skeleton, e.getKey(), layer);
            own.keySet().forEach(k -> unused.remove(prefix + k));
        }
        for (ModuleTree.Node n : ModuleTree.walk(skeleton, m -> m instanceof Compressed)) {
            if (n.module() instanceof Compressed) continue;
            Module m = adoptShapes(n, tensors);
            for (Map.Entry<String, Tensor> e : ModelStats.ownState(m).entrySet()) {
                String name = n.path() + "." + e.getKey();
                Tensor src = tensors.get(name), dst = e.getValue();
                if (src == null) throw new IllegalArgumentException("model file lacks tensor '" + name + "'");
                if (src.numel() != dst.numel() || (dst.dim() > 0 && !Arrays.equals(src.shape(), dst.shape()))) {
                    throw new IllegalArgumentException("tensor '" + name + "' has shape " + Shape.str(src.shape()) + ", the layer needs " + Shape.str(dst.shape()));
                }
                dst.copyFrom(src);
                unused.remove(name);
            }
        }
        if (!unused.isEmpty()) throw new IllegalArgumentException("model file has tensors the model does not use: " + unused);
    }

    /** Rebuilds a plain layer at the stored size when filter pruning changed its channel counts. */
    private static Module adoptShapes(ModuleTree.Node n, Map<String, Tensor> ts) {
        Module m = n.module();
        Tensor w = ts.get(n.path() + ".weight");
        if (w == null) return m;
        Module fresh = null;
        if (m.getClass() == Conv2d.class && !Arrays.equals(w.shape(), ((Conv2d) m).weight().shape())) {
            Conv2d c = (Conv2d) m;
            boolean bias = c.bias() != null;
            fresh = TensorScope.unscoped(() -> new Conv2d(w.size(1) * c.groups, w.size(0), c.kernel, c.params,
                    Tensor.zeros(w.shape()), bias ? Tensor.zeros(w.size(0)) : null));
        } else if (m.getClass() == Linear.class && !Arrays.equals(w.shape(), ((Linear) m).weight().shape())) {
            boolean bias = ((Linear) m).bias() != null;
            fresh = TensorScope.unscoped(() -> new Linear(Tensor.zeros(w.shape()), bias ? Tensor.zeros(w.size(0)) : null));
        } else if (m instanceof BatchNorm2d && w.numel() != ((BatchNorm2d) m).channels()) {
            BatchNorm2d b = (BatchNorm2d) m;
            fresh = TensorScope.unscoped(() -> new BatchNorm2d((int) w.numel(), b.momentum(), b.eps()));
        }
        if (fresh == null) return m;
        fresh.train(m.isTraining());
        n.parent().replaceChild(n.name(), fresh);
        return fresh;
    }
}
