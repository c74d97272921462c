package io.deepslim.io;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.CompressedModel;
import io.deepslim.compress.ModuleTree;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.tensor.DType;
import io.deepslim.engine.Devices;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compressed form of a model file: each compressed layer stores its own tensors (sparse
 * values + bitmask/indices, int8 codes + scales, low-rank factors) under its path, and the
 * metadata's {@code compression.layers} holds the per-layer recipes; plain layers keep their
 * PyTorch names. Reading validates every recipe against the architecture before anything is
 * allocated from it, and a forward pass proves the rebuilt layers fit together.
 */
final class CompressedFile {
    /** Key of the per-layer recipes inside the metadata's compression section. */
    static final String LAYERS = "layers";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private CompressedFile() {}

    /** Writes {@code model} in compressed form; {@code info.compression()} gets the recipes under "layers". */
    static void save(Module model, ModelInfo info, Path file) throws IOException {
        Map<String, Object> comp = new LinkedHashMap<>(info.compression());
        comp.put(LAYERS, CompressedModel.recipes(model));
        SafeTensorsWriter w = SafeTensors.writer();
        for (Map.Entry<String, Tensor> e : CompressedModel.tensors(model).entrySet()) add(w, e.getKey(), e.getValue().contiguousRaw());
        w.metadata(ModelFile.META_KEY, ModelFile.metadataJson(info.withCompression(comp)));
        w.write(file);
    }

    private static void add(SafeTensorsWriter w, String name, Tensor t) {
        switch (t.dtype()) {
            case F32 -> ModelFile.addTensor(w, name, t);
            case I8 -> {
                byte[] b = new byte[(int) t.numel()];
                t.byteBuffer().get(t.offset(), b);
                w.add(name, SafeTensors.Dtype.I8, t.shape(), b);
            }
            case I32 -> {
                ByteBuffer src = t.byteBuffer(), dst = ByteBuffer.allocate(4 * (int) t.numel()).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < t.numel(); i++) dst.putInt(4 * i, src.getInt(4 * (t.offset() + i)));
                w.add(name, SafeTensors.Dtype.I32, t.shape(), dst.array());
            }
        }
    }

    /** Rebuilds the stored model into {@code net} (a fresh model of the file's architecture). */
    static void restore(Path file, SafeTensors st, ZooNet net, Object layers) throws ModelFormatException {
        Map<String, Map<String, Object>> recipes = recipes(file, layers);
        for (Map.Entry<String, Map<String, Object>> e : recipes.entrySet()) checkRecipe(file, net, e.getKey(), e.getValue());
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : st.names()) tensors.put(name, read(file, st, name));
        try {
            CompressedModel.restore(net, tensors, recipes);
        } catch (RuntimeException ex) {
            throw new ModelFormatException(file + ": compressed model does not fit " + net.arch() + ": " + ex.getMessage(), ex);
        }
        checkRecipesReproduce(file, net, recipes);
        net.eval();
        try (TensorScope s = TensorScope.open(); GradMode g = GradMode.off()) {
            Tensor y = net.forward(Tensor.zeros(1, 3, net.inputSize(), net.inputSize()));
            if (y.size(1) != net.numClasses()) throw new IllegalArgumentException("gives " + y.size(1) + " outputs, not " + net.numClasses());
        } catch (RuntimeException ex) {
            throw new ModelFormatException(file + ": compressed layers do not fit together: " + ex.getMessage(), ex);
        }
    }

    /** Each rebuilt layer must describe itself with the stored recipe (e.g. a rank that its factors really have). */
    private static void checkRecipesReproduce(Path file, Module net, Map<String, Map<String, Object>> stored) throws ModelFormatException {
        Map<String, Map<String, Object>> now = CompressedModel.recipes(net);
        for (Map.Entry<String, Map<String, Object>> e : stored.entrySet()) {
            try {
                var a = JSON.readTree(JSON.writeValueAsString(e.getValue()));
                var b = JSON.readTree(JSON.writeValueAsString(now.get(e.getKey())));
                if (!a.equals(b)) {
                    throw new ModelFormatException(file + ": recipe of layer '" + e.getKey() + "' does not match its tensors: stored " + a + ", tensors give " + b);
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new ModelFormatException(file + ": recipe of layer '" + e.getKey() + "' is not JSON-able", ex);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> recipes(Path file, Object layers) throws ModelFormatException {
        if (!(layers instanceof Map)) throw new ModelFormatException(file + ": compression.layers must be an object of per-layer recipes");
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) layers).entrySet()) {
            if (!(e.getValue() instanceof Map)) throw new ModelFormatException(file + ": recipe of layer '" + e.getKey() + "' is not an object");
            out.put(String.valueOf(e.getKey()), (Map<String, Object>) e.getValue());
        }
        return out;
    }

    /**
     * A recipe may only describe a layer no bigger than the architecture's layer at its path
     * (filter pruning shrinks channels, nothing grows them), so decoding never allocates more
     * than the dense model would.
     */
    private static void checkRecipe(Path file, Module net, String path, Map<String, Object> r) throws ModelFormatException {
        String where = file + ": compressed layer '" + path + "': ";
        Module m;
        try {
            m = ModuleTree.get(net, path);
        } catch (IllegalArgumentException ex) {
            throw new ModelFormatException(file + ": compression recipe for unknown layer '" + path + "'");
        }
        Object method = r.get("method"), layer = r.get("layer");
        if (!List.of("prune", "int8", "lowrank").contains(String.valueOf(method)) || !List.of("conv2d", "linear").contains(String.valueOf(layer))) {
            throw new ModelFormatException(where + "unknown compression recipe (method '" + method + "', layer '" + layer + "')");
        }
        int in, out, kernel;
        long numel;
        if (m instanceof Conv2d c && "conv2d".equals(layer)) {
            in = c.in;
            out = c.out;
            kernel = c.kernel;
            numel = c.weight().numel();
        } else if (m instanceof Linear l && "linear".equals(layer)) {
            in = l.in;
            out = l.out;
            kernel = 1;
            numel = l.weight().numel();
        } else {
            throw new ModelFormatException(where + "recipe for a " + layer + " but the architecture has a " + m.getClass().getSimpleName() + " there");
        }
        bounded(where, r, "in", 1, in);
        bounded(where, r, "out", 1, out);
        if ("conv2d".equals(layer)) {
            bounded(where, r, "kernel", kernel, kernel);
            bounded(where, r, "groups", 1, in);
        }
        if (r.containsKey("rank")) bounded(where, r, "rank", 1, Math.min(out, in * kernel * kernel));
        if (r.containsKey("shape")) {
            if (!(r.get("shape") instanceof List<?> dims) || dims.isEmpty() || dims.size() > 4) throw new ModelFormatException(where + "bad shape " + r.get("shape"));
            long n = 1;
            for (Object d : dims) {
                if (!(d instanceof Number v) || v.longValue() < 1 || v.longValue() > numel) throw new ModelFormatException(where + "bad shape " + dims);
                n *= v.longValue();
                if (n > numel) throw new ModelFormatException(where + "shape " + dims + " is larger than the architecture's " + numel + " weights");
            }
        }
    }

    private static void bounded(String where, Map<String, Object> r, String key, long lo, long hi) throws ModelFormatException {
        Object v = r.get(key);
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < lo || n.longValue() > hi) {
            throw new ModelFormatException(where + "'" + key + "' is " + v + ", must be an integer in [" + lo + ", " + hi + "]");
        }
    }

    /** One stored tensor as a deepslim tensor: F32, I8, I32 as stored; I64 batch counters as F32. */
    private static Tensor read(Path file, SafeTensors st, String name) throws ModelFormatException {
        SafeTensors.Entry e = st.entry(name);
        int[] shape = e.intShape();
        return switch (e.dtype()) {
            case F32 -> {
                float[] v = st.floats(name);
                for (float f : v) if (!Float.isFinite(f)) throw new ModelFormatException(file + ": tensor " + name + " holds a non-finite value");
                yield TensorScope.unscoped(() -> Tensor.of(v, shape));
            }
            case I64 -> {
                if (!name.endsWith("num_batches_tracked") || e.numel() != 1) throw new ModelFormatException(file + ": unexpected I64 tensor " + name);
                float v = st.longs(name)[0];
                yield TensorScope.unscoped(() -> Tensor.of(new float[]{v}, shape));
            }
            case I8 -> {
                byte[] b = st.bytes(name);
                Tensor t = TensorScope.unscoped(() -> Tensor.empty(Devices.cpu(), DType.I8, shape));
                t.byteBuffer().put(0, b);
                yield t;
            }
            case I32 -> {
                long[] v = st.longs(name);
                Tensor t = TensorScope.unscoped(() -> Tensor.empty(Devices.cpu(), DType.I32, shape));
                ByteBuffer b = t.byteBuffer();
                for (int i = 0; i < v.length; i++) b.putInt(4 * i, (int) v[i]);
                yield t;
            }
            default -> throw new ModelFormatException(file + ": tensor " + name + " has dtype " + e.dtype() + " (" + Shape.str(shape)
                    + "); compressed files hold F32, I8, I32 and I64 counters only");
        };
    }
}
