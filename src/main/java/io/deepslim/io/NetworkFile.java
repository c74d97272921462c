package io.deepslim.io;

import io.deepslim.backend.Device;
import io.deepslim.compress.Compressed;
import io.deepslim.compress.CompressedModel;
import io.deepslim.compress.LayerCodecs;
import io.deepslim.compress.ModelStats;
import io.deepslim.models.LayerTypes;
import io.deepslim.models.ModuleSpec;
import io.deepslim.nn.Module;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A network's module tree against a file's tensors. Writing: {@link #describe} gives the tree
 * (compressed layers become codec nodes whose args are their recipe plus the names of their
 * tensors) and {@link #write} the tensors. Reading ({@link #build}) runs in an order that never
 * allocates from an unchecked number: (1) every node's args are checked and bounded and its own
 * tensors' names, shapes and dtypes derived from them; (2) the file's tensor set must be exactly
 * that set (nothing missing, nothing unknown, no dtype relabelled); (3) output shapes are
 * propagated from the input through every layer, so layers that do not fit together are refused
 * without a forward pass; only then (4) modules are built and (5) values copied.
 */
final class NetworkFile {
    private NetworkFile() {}

    /** Key in a codec node's args listing the layer's tensor names (relative to it). */
    static final String TENSORS = "tensors";

    /** The module tree of {@code model}; compressed layers become codec nodes. */
    static ModuleSpec describe(Module model) {
        return LayerTypes.describe(model, "", m -> {
            if (!(m instanceof Compressed c)) return null;
            Map<String, Object> args = new LinkedHashMap<>(c.recipe());
            args.put(TENSORS, new ArrayList<>(c.compressedTensors().keySet()));
            return new ModuleSpec(LayerCodecs.keyOf(c), args, null);
        });
    }

    /** Adds every tensor of {@code model} (compressed layers' stored forms under their paths). */
    static void write(SafeTensorsWriter w, Module model) {
        for (Map.Entry<String, Tensor> e : CompressedModel.tensors(model).entrySet()) add(w, e.getKey(), e.getValue().contiguousRaw());
    }

    private static void add(SafeTensorsWriter w, String name, Tensor t) {
        switch (t.dtype()) {
            case F32 -> {
                if (name.endsWith("num_batches_tracked")) w.add(name, t.shape(), new long[]{(long) t.item()});
                else w.add(name, t.shape(), t.toFloatArray());
            }
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

    /** What the tree expects of the file: dense tensors (name → shape) and codec nodes (path → tensor names, or null for any). */
    private record Expected(Map<String, int[]> dense, Map<String, Set<String>> codecs) {}

    /**
     * Builds the network {@code root} describes from {@code st}'s tensors, for input (3, S, S) and
     * {@code numClasses} outputs; {@code legacy} (version-1 trees) lets codec nodes omit their
     * tensor list. Every failure is a ModelFormatException naming the file and field.
     */
    static Module build(Path file, SafeTensors st, ModuleSpec root, int inputSize, int numClasses, boolean legacy) throws ModelFormatException {
        Expected want = new Expected(new LinkedHashMap<>(), new LinkedHashMap<>());
        Module net;
        try {
            expect(root, "", want, legacy);
            checkTensors(st, want);
            int[] out = shape(root, "", new int[]{3, inputSize, inputSize});
            if (!Arrays.equals(out, new int[]{numClasses})) {
                throw new IllegalArgumentException("the network gives outputs " + Arrays.toString(out) + " for a (3, " + inputSize + ", " + inputSize
                        + ") input; class_names lists " + numClasses + " classes");
            }
            net = construct(root, "", of(st));
        } catch (IllegalArgumentException | ArithmeticException ex) {
            throw new ModelFormatException(file + ": " + ex.getMessage(), ex);
        }
        net.eval();
        return net;
    }

    private static String join(String path, String name) { return path.isEmpty() ? name : path + "." + name; }

    private static String at(String path) { return path.isEmpty() ? "<root>" : path; }

    /** Step 1: checks each node's args and collects the tensors the tree implies. */
    private static void expect(ModuleSpec s, String path, Expected out, boolean legacy) {
        if (s.type().contains("/")) {
            if (!s.children().isEmpty()) throw new IllegalArgumentException("module '" + at(path) + "' (" + s.type() + "): a compressed layer has no children");
            LayerCodecs.LayerCodec c = LayerCodecs.byKey(s.type());
            if (c == null) throw new IllegalArgumentException("module '" + at(path) + "': unknown codec '" + s.type() + "' (codecs: " + LayerCodecs.keys() + ")");
            Map<String, Object> recipe = new LinkedHashMap<>(s.args());
            Object names = recipe.remove(TENSORS);
            Set<String> listed = null;
            if (names == null && !legacy) {
                throw new IllegalArgumentException("module '" + at(path) + "' (" + s.type() + "): 'tensors' (the list of the layer's tensor names) is missing");
            }
            if (names != null) {
                if (!(names instanceof List<?> l) || l.isEmpty() || l.size() > 16 || !l.stream().allMatch(o -> o instanceof String)) {
                    throw new IllegalArgumentException("module '" + at(path) + "' (" + s.type() + "): 'tensors' must be a list of tensor names, got " + names);
                }
                listed = new LinkedHashSet<>();
                for (Object o : l) listed.add((String) o);
            }
            c.check().tensors(new io.deepslim.models.SpecArgs(at(path), s.type(), recipe));
            out.codecs().put(path, listed);
            return;
        }
        LayerTypes.LayerType<?> t = LayerTypes.byName(s.type());
        if (t == null) throw new IllegalArgumentException("module '" + at(path) + "': unknown layer type '" + s.type() + "' (types: " + LayerTypes.names() + ")");
        t.state().of(s.argsAt(at(path))).forEach((k, shape) -> out.dense().put(join(path, k), shape));
        s.children().forEach((k, c) -> expect(c, join(path, k), out, legacy));
    }

    /** Step 2: the file holds exactly the expected tensors, with the expected shapes and dtypes. */
    private static void checkTensors(SafeTensors st, Expected want) {
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, int[]> e : want.dense().entrySet()) {
            if (!st.contains(e.getKey())) {
                missing.add(e.getKey());
                continue;
            }
            SafeTensors.Entry en = st.entry(e.getKey());
            boolean counter = e.getKey().endsWith("num_batches_tracked");
            boolean dtypeOk = counter ? en.dtype() == SafeTensors.Dtype.I64 : FLOATS.contains(en.dtype());
            if (!dtypeOk) throw new IllegalArgumentException("tensor '" + e.getKey() + "' has dtype " + en.dtype() + ", expected " + (counter ? "I64" : "F32"));
            int[] shape = en.intShape();
            if (!Arrays.equals(shape, e.getValue()) && !(counter && en.numel() == 1)) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' has shape " + Arrays.toString(shape) + ", the module tree needs " + Arrays.toString(e.getValue()));
            }
        }
        Set<String> unknown = new LinkedHashSet<>();
        for (String name : st.names()) {
            if (want.dense().containsKey(name)) continue;
            String owner = codecOwner(name, want.codecs().keySet());
            if (owner == null) unknown.add(name);
            else {
                Set<String> listed = want.codecs().get(owner);
                if (listed != null && !listed.contains(name.substring(owner.length() + 1))) unknown.add(name);
            }
        }
        for (Map.Entry<String, Set<String>> e : want.codecs().entrySet()) {
            if (e.getValue() == null) continue;
            for (String n : e.getValue()) if (!st.contains(join(e.getKey(), n))) missing.add(join(e.getKey(), n));
        }
        if (!missing.isEmpty() || !unknown.isEmpty()) {
            throw new IllegalArgumentException("tensors do not match the module tree: missing " + abbreviate(missing) + ", unknown " + abbreviate(new ArrayList<>(unknown)));
        }
    }

    static final Set<SafeTensors.Dtype> FLOATS = Set.of(SafeTensors.Dtype.F32, SafeTensors.Dtype.F64, SafeTensors.Dtype.F16, SafeTensors.Dtype.BF16);

    private static String codecOwner(String name, Set<String> paths) {
        for (String p : paths) if (name.startsWith(p + ".")) return p;
        return null;
    }

    static String abbreviate(List<String> names) {
        return names.size() <= 6 ? names.toString() : names.subList(0, 6) + " … (" + names.size() + " in all)";
    }

    /** Step 3: output shape of node {@code s} for input {@code in}. */
    private static int[] shape(ModuleSpec s, String path, int[] in) {
        if (s.type().contains("/")) {
            Map<String, Object> recipe = new LinkedHashMap<>(s.args());
            recipe.remove(TENSORS);
            return LayerCodecs.byKey(s.type()).shape().out(new io.deepslim.models.SpecArgs(at(path), s.type(), recipe), in, null);
        }
        LayerTypes.Children kids = new LayerTypes.Children() {
            @Override
            public List<String> names() { return s.childNames(); }

            @Override
            public int[] out(String child, int[] x) {
                ModuleSpec c = s.children().get(child);
                if (c == null) throw new IllegalArgumentException("module '" + at(path) + "' (" + s.type() + "): has no child '" + child + "'");
                return shape(c, join(path, child), x);
            }
        };
        return LayerTypes.byName(s.type()).shape().out(s.argsAt(at(path)), in, kids);
    }

    /** Steps 4 and 5: builds the module and fills its tensors. */
    /** Where {@link #construct} reads values: a file's tensors, or a live network's (for {@link #copy}). */
    private interface Values {
        java.util.Collection<String> names();

        /** A dense tensor's values as floats (counters too). */
        float[] floats(String name);

        /** A compressed layer's stored tensor as a CPU tensor of its stored dtype. */
        Tensor stored(String name);
    }

    private static Values of(SafeTensors st) {
        return new Values() {
            @Override
            public java.util.Collection<String> names() { return st.names(); }

            @Override
            public float[] floats(String name) { return st.floats(name); }

            @Override
            public Tensor stored(String name) { return read(st, name); }
        };
    }

    /**
     * An independent copy of {@code model} built the way a file's network is (tree described,
     * layers rebuilt from it, values copied), without a file; compressed layers are
     * re-decoded from their stored tensors. The copy is on the CPU, in eval mode.
     */
    static Module copy(Module model) {
        ModuleSpec tree = describe(model);
        Map<String, Tensor> all = CompressedModel.tensors(model);
        Values v = new Values() {
            @Override
            public java.util.Collection<String> names() { return all.keySet(); }

            @Override
            public float[] floats(String name) { return all.get(name).toFloatArray(); }

            @Override
            public Tensor stored(String name) {
                Tensor t = all.get(name);
                return TensorScope.unscoped(() -> t.to(io.deepslim.engine.Devices.cpu()));
            }
        };
        Module net = construct(tree, "", v);
        net.eval();
        return net;
    }

    private static Module construct(ModuleSpec s, String path, Values st) throws IllegalArgumentException {
        if (s.type().contains("/")) {
            Map<String, Object> recipe = new LinkedHashMap<>(s.args());
            recipe.remove(TENSORS);
            Map<String, Tensor> own = new LinkedHashMap<>();
            for (String name : st.names()) if (name.startsWith(path + ".")) own.put(name.substring(path.length() + 1), st.stored(name));
            return LayerCodecs.decode(at(path), s.type(), recipe, own);
        }
        Map<String, Module> kids = new LinkedHashMap<>();
        for (Map.Entry<String, ModuleSpec> e : s.children().entrySet()) kids.put(e.getKey(), construct(e.getValue(), join(path, e.getKey()), st));
        LayerTypes.LayerType<?> t = LayerTypes.byName(s.type());
        Module m = t.build().build(s.argsAt(at(path)), kids);
        if (!m.children().keySet().equals(kids.keySet())) {
            throw new IllegalStateException("layer type '" + s.type() + "' built children " + m.children().keySet() + " from " + kids.keySet());
        }
        Map<String, Tensor> state = ModelStats.ownState(m);
        Map<String, int[]> shapes = t.state().of(s.argsAt(at(path)));
        if (!state.keySet().equals(shapes.keySet())) {
            throw new IllegalStateException("layer type '" + s.type() + "' declares tensors " + shapes.keySet() + " but builds " + state.keySet());
        }
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String name = join(path, e.getKey());
            Tensor dst = e.getValue();
            float[] v = st.floats(name);
            if (v.length != dst.numel()) throw new IllegalStateException("layer type '" + s.type() + "' tensor " + name + " has " + dst.numel() + " elements, file " + v.length);
            for (float f : v) if (!Float.isFinite(f)) throw new IllegalArgumentException("tensor '" + name + "' holds a non-finite value");
            dst.buffer().put(dst.offset(), v);
        }
        return m;
    }

    /** One stored tensor of a compressed layer as a deepslim tensor: F32, I8, I32 as stored. */
    private static Tensor read(SafeTensors st, String name) {
        SafeTensors.Entry e = st.entry(name);
        int[] shape = e.intShape();
        return switch (e.dtype()) {
            case F32 -> {
                float[] v = st.floats(name);
                for (float f : v) if (!Float.isFinite(f)) throw new IllegalArgumentException("tensor '" + name + "' holds a non-finite value");
                yield TensorScope.unscoped(() -> Tensor.of(v, shape));
            }
            case I8 -> {
                byte[] b = st.bytes(name);
                Tensor t = TensorScope.unscoped(() -> Tensor.empty(io.deepslim.engine.Devices.cpu(), DType.I8, shape));
                t.byteBuffer().put(0, b);
                yield t;
            }
            case I32 -> {
                long[] v = st.longs(name);
                Tensor t = TensorScope.unscoped(() -> Tensor.empty(io.deepslim.engine.Devices.cpu(), DType.I32, shape));
                ByteBuffer b = t.byteBuffer();
                for (int i = 0; i < v.length; i++) b.putInt(4 * i, (int) v[i]);
                yield t;
            }
            default -> throw new IllegalArgumentException("tensor '" + name + "' has dtype " + e.dtype() + " (" + Shape.str(shape)
                    + "); compressed layers hold F32, I8 and I32 tensors only");
        };
    }
}
