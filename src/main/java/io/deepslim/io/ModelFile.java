package io.deepslim.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.compress.CompressedModel;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * deepslim model files: one safetensors file whose tensors carry PyTorch state_dict names (so
 * weights saved from the authors' PyTorch models load directly) and whose {@code __metadata__}
 * holds a {@code deepslim} JSON document (architecture, input size, normalization, classes,
 * provenance, compression recipe). Every field is validated before a model is built.
 */
public final class ModelFile {
    /** Metadata key of the JSON document. */
    public static final String META_KEY = "deepslim";
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFile() {}

    /** A model read back from a file, with what the file said about it. */
    public record Loaded(ZooNet model, ModelInfo info) {}

    /**
     * Writes {@code model} (atomically) with {@code info} as metadata. A model with compressed
     * layers, or any {@code info.compression()} summary, is written in compressed form (see
     * {@link CompressedFile}); a plain model as its PyTorch state_dict.
     */
    public static void save(Module model, ModelInfo info, Path file) throws IOException {
        if (!info.compression().isEmpty() || !CompressedModel.recipes(model).isEmpty() || !zooShaped(model, info)) {
            CompressedFile.save(model, info, file);
            return;
        }
        SafeTensorsWriter w = SafeTensors.writer();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) addTensor(w, e.getKey(), e.getValue());
        w.metadata(META_KEY, metadataJson(info));
        w.write(file);
    }

    /** False when a ZooNet's tensors differ in shape from its architecture's (filter pruning shrank it). */
    private static boolean zooShaped(Module model, ModelInfo info) {
        if (!(model instanceof ZooNet)) return true;
        Map<String, Tensor> fresh = io.deepslim.tensor.TensorScope.unscoped(
                () -> Zoo.create(info.arch(), info.inputSize(), info.numClasses(), 0).stateDict());
        Map<String, Tensor> own = model.stateDict();
        if (!own.keySet().equals(fresh.keySet())) return false;
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue().shape(), fresh.get(e.getKey()).shape())) return false;
        }
        return true;
    }

    /** Adds one state tensor; batch counters are int64 as in PyTorch. */
    static void addTensor(SafeTensorsWriter w, String name, Tensor t) {
        if (name.endsWith("num_batches_tracked")) {
            w.add(name, t.shape(), new long[]{(long) t.item()});
        } else {
            w.add(name, t.shape(), t.toFloatArray());
        }
    }

    static String metadataJson(ModelInfo info) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format_version", FORMAT_VERSION);
        m.put("arch", info.arch());
        m.put("input_size", info.inputSize());
        m.put("class_names", info.classNames());
        m.put("mean", info.mean());
        m.put("std", info.std());
        m.put("provenance", info.provenance());
        m.put("compression", info.compression());
        try {
            return JSON.writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode model metadata", e);
        }
    }

    /** Reads and validates the metadata without building the model. */
    public static ModelInfo readInfo(Path file) throws IOException {
        try (SafeTensors st = SafeTensors.open(file)) {
            return parseInfo(file, st, null, 0);
        }
    }

    /**
     * Loads a deepslim model file, or a bare PyTorch state_dict file when {@code archHint} (and
     * optionally {@code sizeHint}, else inferred from the first Linear layer) names its architecture.
     */
    public static Loaded load(Path file, String archHint, int sizeHint) throws IOException {
        try (SafeTensors st = SafeTensors.open(file)) {
            ModelInfo info = parseInfo(file, st, archHint, sizeHint);
            ZooNet net = Zoo.create(info.arch(), info.inputSize(), info.numClasses(), 0);
            if (info.compression().containsKey(CompressedFile.LAYERS)) {
                CompressedFile.restore(file, st, net, info.compression().get(CompressedFile.LAYERS));
            } else {
                loadState(file, st, net);
            }
            net.eval();
            return new Loaded(net, info);
        }
    }

    /** Loads a deepslim model file (metadata required). */
    public static Loaded load(Path file) throws IOException { return load(file, null, 0); }

    /** {@link #load(Path, String, int)}, then moves the model to {@code device} (the no-device forms load on Devices.cpu()). */
    public static Loaded load(Path file, String archHint, int sizeHint, io.deepslim.backend.Device device) throws IOException {
        Loaded l = load(file, archHint, sizeHint);
        l.model().to(device);
        return l;
    }

    /** Copies every tensor of {@code st} into {@code net}, requiring exactly the module's names and shapes. */
    static void loadState(Path file, SafeTensors st, Module net) throws IOException {
        Map<String, Tensor> own = net.stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
        for (String k : own.keySet()) if (!st.contains(k)) missing.add(k);
        for (String k : st.names()) if (!own.containsKey(k)) unexpected.add(k);
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new ModelFormatException(file + ": tensors do not match the architecture: missing " + abbreviate(missing)
                    + ", unexpected " + abbreviate(unexpected));
        }
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            SafeTensors.Entry entry = st.entry(e.getKey());
            Tensor dst = e.getValue();
            int[] shape = entry.intShape();
            if (entry.numel() != dst.numel() || (shape.length > 0 && !java.util.Arrays.equals(shape, dst.shape()))) {
                throw new ModelFormatException(file + ": tensor " + e.getKey() + " has shape " + java.util.Arrays.toString(shape)
                        + ", the architecture needs " + java.util.Arrays.toString(dst.shape()));
            }
            float[] v = st.floats(e.getKey());
            for (float f : v) {
                if (!Float.isFinite(f)) throw new ModelFormatException(file + ": tensor " + e.getKey() + " holds a non-finite value");
            }
            dst.buffer().put(dst.offset(), v);
        }
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 6 ? names.toString() : names.subList(0, 6) + " … (" + names.size() + " in all)";
    }

    private static ModelInfo parseInfo(Path file, SafeTensors st, String archHint, int sizeHint) throws IOException {
        String json = st.metadata().get(META_KEY);
        if (json == null) {
            if (archHint == null) {
                throw new ModelFormatException(file + ": no deepslim metadata; for a bare PyTorch state_dict pass the architecture (--arch)");
            }
            int size = sizeHint > 0 ? sizeHint : inferSize(file, st, archHint);
            ModelInfo base = ModelInfo.of(archHint, size);
            int classes = inferClasses(st);
            List<String> names = classes == 2 ? base.classNames() : numbered(classes);
            return new ModelInfo(archHint, size, names, base.mean(), base.std(), Map.of("imported_from", file.getFileName().toString()), Map.of());
        }
        JsonNode m;
        try {
            m = JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ModelFormatException(file + ": deepslim metadata is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        int version = m.path("format_version").asInt(-1);
        if (version != FORMAT_VERSION) throw new ModelFormatException(file + ": unsupported model format version " + m.path("format_version"));
        String arch = text(file, m, "arch");
        if (!Zoo.NAMES.contains(arch)) throw new ModelFormatException(file + ": unknown architecture '" + arch + "' (known: " + Zoo.NAMES + ")");
        if (archHint != null && !archHint.equals(arch)) {
            throw new ModelFormatException(file + ": holds a " + arch + " model, not " + archHint);
        }
        int size = m.path("input_size").asInt(-1);
        if (size <= 0 || size % 32 != 0 || size > 4096) throw new ModelFormatException(file + ": invalid input_size " + m.path("input_size"));
        List<String> classes = new ArrayList<>();
        m.path("class_names").forEach(n -> classes.add(n.asText()));
        if (classes.size() < 2 || classes.size() > 10_000) throw new ModelFormatException(file + ": needs at least two class_names");
        float[] mean = floats3(file, m, "mean"), std = floats3(file, m, "std");
        for (float s : std) if (!(s > 0)) throw new ModelFormatException(file + ": std must be positive");
        return new ModelInfo(arch, size, classes, mean, std, toMap(m.path("provenance")), toMap(m.path("compression")));
    }

    private static List<String> numbered(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add("class" + i);
        return l;
    }

    /** Classes = rows of the last Linear weight in file order. */
    private static int inferClasses(SafeTensors st) {
        int classes = 2;
        for (String n : st.names()) {
            SafeTensors.Entry e = st.entry(n);
            if (n.endsWith(".weight") && e.shape().length == 2) classes = (int) e.shape()[0];
        }
        return classes;
    }

    /** S from fc.1.weight (in = C·(S/32)²) given the architecture's last channel count. */
    private static int inferSize(Path file, SafeTensors st, String arch) throws ModelFormatException {
        if (!st.contains("fc.1.weight")) throw new ModelFormatException(file + ": cannot infer the input size (no fc.1.weight); pass --size");
        long in = st.entry("fc.1.weight").shape()[1];
        int channels = Zoo.create(arch, 32, 2, 0).stateDict().get("fc.1.weight").size(1);
        long cells = in / channels;
        int s = (int) Math.round(Math.sqrt(cells));
        if (in % channels != 0 || (long) s * s != cells) throw new ModelFormatException(file + ": fc.1.weight does not fit " + arch + "; pass --size");
        return s * 32;
    }

    private static String text(Path file, JsonNode m, String key) throws ModelFormatException {
        JsonNode n = m.get(key);
        if (n == null || !n.isTextual()) throw new ModelFormatException(file + ": metadata field '" + key + "' missing");
        return n.asText();
    }

    private static float[] floats3(Path file, JsonNode m, String key) throws ModelFormatException {
        JsonNode n = m.get(key);
        if (n == null || !n.isArray() || n.size() != 3) throw new ModelFormatException(file + ": metadata field '" + key + "' must be 3 numbers");
        return new float[]{(float) n.get(0).asDouble(), (float) n.get(1).asDouble(), (float) n.get(2).asDouble()};
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> toMap(JsonNode n) {
        if (n == null || !n.isObject()) return new LinkedHashMap<>();
        return JSON.convertValue(n, LinkedHashMap.class);
    }
}
