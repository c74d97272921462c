package io.deepslim.io;

import io.deepslim.models.ModuleSpec;
import io.deepslim.models.Zoo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Files without a module tree: format-version-1 deepslim files (a zoo architecture name, with
 * compressed layers' recipes under {@code compression.layers} and filter-pruned layers' sizes
 * only in their tensors) and bare PyTorch state_dicts of a zoo architecture. Both become a
 * module tree here, from the zoo's tree at the file's size and numbers read from tensor
 * headers only, and then load like any version-2 file (all checks before any allocation).
 */
final class LegacyFormat {
    private LegacyFormat() {}

    /** Key of the per-layer recipes inside a version-1 file's compression section. */
    static final String LAYERS = "layers";

    /** The tree of a version-1 file. */
    static ModuleSpec versionOne(Path file, SafeTensors st, ModelInfo info) throws ModelFormatException {
        ModuleSpec tree = zoo(file, info.arch(), info.inputSize(), info.numClasses());
        Object layers = info.compression().get(LAYERS);
        if (layers == null) return tree;
        if (!(layers instanceof Map<?, ?> recipes)) throw new ModelFormatException(file + ": metadata field 'compression.layers' must be an object of per-layer recipes");
        // filter pruning shrank plain layers: version 1 recorded their sizes only in the tensors
        adoptShapes(st, tree, "");
        for (Map.Entry<?, ?> e : recipes.entrySet()) {
            String path = String.valueOf(e.getKey());
            if (!(e.getValue() instanceof Map<?, ?> r)) throw new ModelFormatException(file + ": compression.layers['" + path + "'] must be an object");
            if (!(r.get("method") instanceof String method) || !(r.get("layer") instanceof String layer)) {
                throw new ModelFormatException(file + ": compression.layers['" + path + "'] needs string fields 'method' and 'layer', got " + ModelFile.brief(r));
            }
            ModuleSpec parent = tree;
            String[] parts = path.split("\\.", -1);
            for (int i = 0; i < parts.length - 1 && parent != null; i++) parent = parent.children().get(parts[i]);
            if (parent == null || !parent.children().containsKey(parts[parts.length - 1])) {
                throw new ModelFormatException(file + ": compression recipe for unknown layer '" + path + "'");
            }
            Map<String, Object> args = new LinkedHashMap<>();
            r.forEach((k, v) -> args.put(String.valueOf(k), v));
            // version 1 listed no tensors; the zoo layer says whether a bias must be among them
            boolean bias = Boolean.TRUE.equals(parent.children().get(parts[parts.length - 1]).args().get("bias"));
            List<String> stored = new ArrayList<>();
            for (String name : st.names()) if (name.startsWith(path + ".")) stored.add(name.substring(path.length() + 1));
            if (bias && stored.stream().noneMatch(n -> n.endsWith("bias"))) {
                throw new ModelFormatException(file + ": compressed layer '" + path + "' lacks its bias tensor (the " + info.arch() + " layer has one)");
            }
            if (!stored.isEmpty()) args.put(NetworkFile.TENSORS, stored);
            parent.children().put(parts[parts.length - 1], new ModuleSpec(method + "/" + layer, args, null));
        }
        return tree;
    }

    /** Plain conv/linear/batch-norm nodes take their channel counts from the stored weight's header. */
    private static void adoptShapes(SafeTensors st, ModuleSpec s, String path) {
        String w = path + ".weight";
        if (!path.isEmpty() && st.contains(w)) {
            long[] shape = st.entry(w).shape();
            Map<String, Object> a = s.args();
            switch (s.type()) {
                case "conv2d" -> {
                    if (shape.length == 4 && a.get("groups") instanceof Integer g) {
                        a.put("out", clamp(shape[0]));
                        a.put("in", clamp(shape[1] * g));
                    }
                }
                case "linear" -> {
                    if (shape.length == 2) {
                        a.put("out", clamp(shape[0]));
                        a.put("in", clamp(shape[1]));
                    }
                }
                case "batchnorm2d" -> {
                    if (shape.length == 1) a.put("channels", clamp(shape[0]));
                }
                default -> { }
            }
        }
        s.children().forEach((k, c) -> adoptShapes(st, c, path.isEmpty() ? k : path + "." + k));
    }

    /** A header dimension as an int arg (oversized ones stay oversized, so the bounds checks name them). */
    private static long clamp(long v) { return Math.min(v, Integer.MAX_VALUE + 1L); }

    /** The tree of a bare PyTorch state_dict of zoo architecture {@code arch}. */
    static ModelFile.Parsed pytorch(Path file, SafeTensors st, String arch, int sizeHint) throws ModelFormatException {
        List<String> linears = linearPaths(zoo(file, arch, 32, 2), "", new ArrayList<>());
        int size = sizeHint > 0 ? sizeHint : inferSize(file, st, arch, linears.get(0));
        String last = linears.get(linears.size() - 1) + ".weight";
        long[] ls = weight2d(file, st, arch, last);
        if (ls[0] < 2 || ls[0] > 10_000) throw new ModelFormatException(file + ": tensor '" + last + "' gives " + ls[0] + " classes; expected 2 to 10000");
        int classes = (int) ls[0];
        ModelInfo base = ModelInfo.of(arch, size);
        List<String> names = new ArrayList<>(base.classNames());
        if (classes != 2) {
            names.clear();
            for (int i = 0; i < classes; i++) names.add("class" + i);
        }
        ModelInfo info = new ModelInfo(arch, size, names, base.mean(), base.std(), new LinkedHashMap<>(Map.of("imported_from", file.getFileName().toString())), new LinkedHashMap<>());
        return new ModelFile.Parsed(info, zoo(file, arch, size, classes), true);
    }

    /** S from the first head Linear (in = C·(S/32)²) given the architecture's last channel count. */
    private static int inferSize(Path file, SafeTensors st, String arch, String firstLinear) throws ModelFormatException {
        String name = firstLinear + ".weight";
        long in = weight2d(file, st, arch, name)[1];
        long channels = ((Number) findLinear(zoo(file, arch, 32, 2), firstLinear).args().get("in")).longValue();
        long cells = in / channels;
        long s = Math.round(Math.sqrt((double) cells));
        if (in % channels != 0 || s * s != cells || s < 1 || s * 32 > 4096) {
            throw new ModelFormatException(file + ": tensor '" + name + "' with " + in + " inputs does not fit " + arch
                    + " (needs " + channels + "·(S/32)² for S ≤ 4096); pass --size");
        }
        return (int) s * 32;
    }

    private static long[] weight2d(Path file, SafeTensors st, String arch, String name) throws ModelFormatException {
        if (!st.contains(name)) throw new ModelFormatException(file + ": tensor '" + name + "' is missing: the tensors do not match the architecture " + arch);
        long[] s = st.entry(name).shape();
        if (s.length != 2) throw new ModelFormatException(file + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(s) + ", expected 2-D (out, in)");
        return s;
    }

    private static ModuleSpec zoo(Path file, String arch, int size, int classes) throws ModelFormatException {
        try {
            return Zoo.spec(arch, size, classes);
        } catch (IllegalArgumentException ex) {
            throw new ModelFormatException(file + ": " + ex.getMessage(), ex);
        }
    }

    private static List<String> linearPaths(ModuleSpec s, String path, List<String> out) {
        if (s.type().equals("linear")) out.add(path);
        s.children().forEach((k, c) -> linearPaths(c, path.isEmpty() ? k : path + "." + k, out));
        return out;
    }

    private static ModuleSpec findLinear(ModuleSpec root, String path) {
        ModuleSpec s = root;
        for (String p : path.split("\\.")) s = s.children().get(p);
        return s;
    }
}
