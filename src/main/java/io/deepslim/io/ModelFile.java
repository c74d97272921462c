package io.deepslim.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.models.ModuleSpec;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Module;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * deepslim model files: one safetensors file whose tensors carry PyTorch state_dict names (so
 * weights saved from the authors' PyTorch models load directly) and whose {@code __metadata__}
 * holds a {@code deepslim} JSON document: the module tree ("modules", see {@link NetworkFile}),
 * a name ("arch"), input size, normalization, classes, provenance and a compression summary.
 * Any network built from registered layer types saves and loads; zoo names are shortcuts for
 * version-1 files and bare PyTorch state_dicts. Every number is checked and bounded before it
 * sizes an allocation; every failure is a {@link ModelFormatException} naming the field.
 */
public final class ModelFile {
    /** Metadata key of the JSON document. */
    public static final String META_KEY = "deepslim";
    /** Version written: 2 (module tree). Version 1 (architecture name + compression.layers recipes) still loads. */
    public static final int FORMAT_VERSION = 2;
    /** Reads NaN/Infinity as numbers so that the field check, not the parser, names them; refuses anything after the document. */
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final Set<String> FIELDS = Set.of("format_version", "arch", "input_size", "class_names", "mean", "std", "provenance", "compression", "modules");
    /** Bounds on the normalization: images are in [0, 1], so a mean outside [-10, 10] or std outside [1e-4, 100] is a corrupt file. */
    static final double MAX_ABS_MEAN = 10, MIN_STD = 1e-4, MAX_STD = 100;

    private ModelFile() {}

    /** A model read back from a file, with what the file said about it. */
    public record Loaded(Module network, ModelInfo info) {
        /** The network as a zoo detector (layer blocks + heads); files of other networks use {@link #network()}. */
        public ZooNet model() {
            if (network instanceof ZooNet z) return z;
            throw new IllegalStateException("model '" + info.arch() + "' is a " + network.getClass().getSimpleName() + ", not a zoo network; use network()");
        }
    }

    /** Writes {@code model} (atomically) with {@code info} as metadata: its module tree and its tensors (compressed layers in their stored form). */
    public static void save(Module model, ModelInfo info, Path file) throws IOException {
        ModuleSpec tree = NetworkFile.describe(model);
        SafeTensorsWriter w = SafeTensors.writer();
        NetworkFile.write(w, model);
        Map<String, Object> comp = new LinkedHashMap<>(info.compression());
        comp.remove(LegacyFormat.LAYERS);
        w.metadata(META_KEY, metadataJson(info.withCompression(comp), tree));
        w.write(file);
    }

    static String metadataJson(ModelInfo info, ModuleSpec tree) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format_version", FORMAT_VERSION);
        m.put("arch", info.arch());
        m.put("input_size", info.inputSize());
        m.put("class_names", info.classNames());
        m.put("mean", info.mean());
        m.put("std", info.std());
        m.put("provenance", info.provenance());
        m.put("compression", info.compression());
        m.put("modules", tree.toJson());
        try {
            return JSON.writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode model metadata", e);
        }
    }

    /** Reads and validates the metadata without building the model. */
    public static ModelInfo readInfo(Path file) throws IOException {
        try (SafeTensors st = SafeTensors.open(file)) {
            return parse(file, st, null, 0).info();
        }
    }

    /**
     * Loads a deepslim model file, or a bare PyTorch state_dict file when {@code archHint} (and
     * optionally {@code sizeHint}, else inferred from the first Linear layer) names its zoo architecture.
     */
    public static Loaded load(Path file, String archHint, int sizeHint) throws IOException {
        try (SafeTensors st = SafeTensors.open(file)) {
            Parsed p = parse(file, st, archHint, sizeHint);
            Module net = NetworkFile.build(file, st, p.tree(), p.info().inputSize(), p.info().numClasses(), p.legacy());
            return new Loaded(net, p.info());
        }
    }

    /**
     * An independent copy of {@code model} (any network that {@link #save} accepts: the same module
     * tree and values, compressed layers re-decoded), built the way {@link #load} builds a file's
     * network but without a file; on the CPU, in eval mode.
     */
    public static Module copy(Module model) { return NetworkFile.copy(model); }

    /** Loads a deepslim model file (metadata required). */
    public static Loaded load(Path file) throws IOException { return load(file, null, 0); }

    /** {@link #load(Path, String, int)}, then moves the network to {@code device} (the no-device forms load on Devices.cpu()). */
    public static Loaded load(Path file, String archHint, int sizeHint, io.deepslim.backend.Device device) throws IOException {
        Loaded l = load(file, archHint, sizeHint);
        l.network().to(device);
        return l;
    }

    /** The metadata and the module tree to build (a zoo tree for version-1 files and PyTorch imports). */
    record Parsed(ModelInfo info, ModuleSpec tree, boolean legacy) {}

    private static Parsed parse(Path file, SafeTensors st, String archHint, int sizeHint) throws ModelFormatException {
        String json = st.metadata().get(META_KEY);
        if (json == null) {
            if (archHint == null) {
                throw new ModelFormatException(file + ": no deepslim metadata; for a bare PyTorch state_dict pass the architecture (--arch)");
            }
            return LegacyFormat.pytorch(file, st, archHint, sizeHint);
        }
        JsonNode m;
        try {
            m = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            long at = e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
            String near = at < 0 ? "" : ", near '" + json.substring((int) Math.max(0, Math.min(json.length(), at - 20)), (int) Math.min(json.length(), at + 20)) + "'";
            throw new ModelFormatException(file + ": deepslim metadata is not one valid JSON document (" + e.getOriginalMessage() + near + ")");
        }
        if (m == null || !m.isObject()) throw new ModelFormatException(file + ": deepslim metadata must be a JSON object");
        for (var it = m.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!FIELDS.contains(k)) throw new ModelFormatException(file + ": unknown metadata field '" + k + "' (known: " + new java.util.TreeSet<>(FIELDS) + ")");
        }
        JsonNode v = m.get("format_version");
        if (v == null || !v.isInt() || (v.asInt() != 1 && v.asInt() != 2)) {
            throw new ModelFormatException(file + ": metadata field 'format_version' must be 1 or 2, got " + brief(v));
        }
        String arch = text(file, m, "arch");
        if (archHint != null && !archHint.equals(arch)) throw new ModelFormatException(file + ": holds a " + arch + " model, not " + archHint);
        int size = integer(file, m, "input_size", 8, 4096);
        List<String> classes = classNames(file, m);
        float[] mean = floats3(file, m, "mean", -MAX_ABS_MEAN, MAX_ABS_MEAN), std = floats3(file, m, "std", MIN_STD, MAX_STD);
        ModelInfo info = new ModelInfo(arch, size, classes, mean, std, object(file, m, "provenance"), object(file, m, "compression"));
        if (v.asInt() == 1) {
            if (m.has("modules")) throw new ModelFormatException(file + ": metadata field 'modules' is not part of format version 1");
            return new Parsed(info, LegacyFormat.versionOne(file, st, info), true);
        }
        if (!m.has("modules")) throw new ModelFormatException(file + ": metadata field 'modules' (the module tree) is missing");
        if (info.compression().containsKey(LegacyFormat.LAYERS)) {
            throw new ModelFormatException(file + ": metadata field 'compression.layers' belongs to format version 1; version 2 keeps recipes in 'modules'");
        }
        ModuleSpec tree;
        try {
            tree = ModuleSpec.fromJson(JSON.convertValue(m.get("modules"), Object.class));
        } catch (IllegalArgumentException ex) {
            throw new ModelFormatException(file + ": metadata field 'modules': " + ex.getMessage(), ex);
        }
        if (tree.type().equals("zoonet") && !arch.equals(tree.args().get("arch"))) {
            throw new ModelFormatException(file + ": metadata field 'arch' is '" + arch + "' but the module tree holds a zoo network '" + brief(tree.args().get("arch")) + "'");
        }
        return new Parsed(info, tree, false);
    }

    private static String text(Path file, JsonNode m, String key) throws ModelFormatException {
        JsonNode n = m.get(key);
        if (n == null || !n.isTextual() || n.asText().isEmpty() || n.asText().length() > 200) {
            throw new ModelFormatException(file + ": metadata field '" + key + "' must be a non-empty string, got " + brief(n));
        }
        return n.asText();
    }

    private static int integer(Path file, JsonNode m, String key, int lo, int hi) throws ModelFormatException {
        JsonNode n = m.get(key);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < lo || n.asInt() > hi) {
            throw new ModelFormatException(file + ": metadata field '" + key + "' must be an integer in [" + lo + ", " + hi + "], got " + brief(n));
        }
        return n.asInt();
    }

    private static List<String> classNames(Path file, JsonNode m) throws ModelFormatException {
        JsonNode n = m.get("class_names");
        if (n == null || !n.isArray() || n.size() < 2 || n.size() > 10_000) {
            throw new ModelFormatException(file + ": metadata field 'class_names' must be a list of 2 to 10000 names, got " + brief(n));
        }
        List<String> out = new ArrayList<>();
        for (JsonNode c : n) {
            if (!c.isTextual() || c.asText().isEmpty() || c.asText().length() > 200) {
                throw new ModelFormatException(file + ": metadata field 'class_names' must hold non-empty strings, got " + brief(c));
            }
            out.add(c.asText());
        }
        if (new java.util.HashSet<>(out).size() != out.size()) throw new ModelFormatException(file + ": metadata field 'class_names' repeats a name: " + out);
        return out;
    }

    private static float[] floats3(Path file, JsonNode m, String key, double lo, double hi) throws ModelFormatException {
        JsonNode n = m.get(key);
        String want = ": metadata field '" + key + "' must be 3 numbers in [" + lo + ", " + hi + "], got ";
        if (n == null || !n.isArray() || n.size() != 3) throw new ModelFormatException(file + want + brief(n));
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) {
            JsonNode c = n.get(i);
            double d = c.isNumber() ? c.asDouble() : Double.NaN;
            if (!(d >= lo && d <= hi)) throw new ModelFormatException(file + want + brief(n));
            out[i] = (float) d;
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Path file, JsonNode m, String key) throws ModelFormatException {
        JsonNode n = m.get(key);
        if (n == null || n.isNull()) return new LinkedHashMap<>();
        if (!n.isObject()) throw new ModelFormatException(file + ": metadata field '" + key + "' must be an object, got " + brief(n));
        return JSON.convertValue(n, LinkedHashMap.class);
    }

    static String brief(Object n) {
        if (n == null) return "missing";
        if (n instanceof JsonNode j && j.isNull()) return "a null value";
        String s = String.valueOf(n);
        return s.length() > 80 ? s.substring(0, 77) + "…" : s;
    }
}
