package io.deepslim.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deepslim.autograd.GradMode;
import io.deepslim.compress.lowrank.LowRank;
import io.deepslim.compress.lowrank.Variant;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Observer;
import io.deepslim.compress.quant.Quantizer;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Mutation fuzzer for model files, run by {@link ModelFileFuzzTest} in a child JVM with a small
 * heap: from dense, pruned (bitmask and indices), int8, low-rank, version-1 and PyTorch-import
 * files it makes N mutated files and loads each. Allowed outcomes: a ModelFormatException whose
 * message is non-empty and names what is wrong (a quoted field/tensor, no Java class names),
 * an IOException for a truncated file, or — only for edits that keep a valid model (a value in
 * range, a renamed class) — acceptance followed by a working forward pass. Anything else, and
 * any acceptance of an altered tensor, dtype or recipe, is a violation.
 * Usage: ModelFileFuzz N SEED WORKDIR; exit status 1 lists the violations.
 */
public final class ModelFileFuzz {
    private ModelFileFuzz() {}

    /** A base file and how to load it. */
    record Base(String name, FileEdits file, boolean pytorch) {}

    /** A mutation: its class name, whether any load acceptance is a violation, whether IOException is allowed. */
    record Mutant(String kind, String detail, FileEdits file, boolean strict, boolean truncated, byte[] raw) {}

    /** Recipe fields whose change always makes a layer inconsistent with its tensors or neighbours. */
    static final Set<String> STRICT_ARGS = Set.of("in", "out", "kernel", "groups", "rank", "shape", "encoding", "variant", "layer", "method",
            "dtype", "granularity", "sparsity", "tensors", "activation", "channels", "bias", "features", "heads", "num_classes", "input_size");

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        long seed = Long.parseLong(args[1]);
        Path dir = Path.of(args[2]);
        Files.createDirectories(dir);
        List<Base> bases = bases(dir);
        Random rng = new Random(seed);
        Map<String, int[]> tally = new TreeMap<>();   // kind → {rejected, accepted}
        List<String> violations = new ArrayList<>();
        Path f = dir.resolve("mutant.safetensors");
        for (int i = 0; i < n; i++) {
            Base b = bases.get(rng.nextInt(bases.size()));
            Mutant m = mutate(b, rng);
            if (m == null) continue;
            if (m.raw() != null) Files.write(f, m.raw());
            else m.file().write(f);
            String verdict = TensorScope.unscoped(() -> check(b, m, f));
            int[] t = tally.computeIfAbsent(m.kind(), k -> new int[2]);
            t[verdict == null || verdict.startsWith("ok-accepted") ? 1 : 0]++;
            if (verdict != null && verdict.startsWith("VIOLATION")) violations.add(b.name() + " / " + m.kind() + " (" + m.detail() + "): " + verdict);
        }
        tally.forEach((k, v) -> System.out.printf("%-22s rejected %4d  accepted %4d%n", k, v[0], v[1]));
        System.out.println("mutants: " + n + ", violations: " + violations.size());
        violations.stream().limit(40).forEach(System.out::println);
        System.exit(violations.isEmpty() ? 0 : 1);
    }

    /** null or "ok…" when the outcome is allowed; "VIOLATION: …" otherwise. */
    static String check(Base b, Mutant m, Path f) {
        try {
            ModelFile.Loaded l = ModelFile.load(f, b.pytorch() ? "student10" : null, 0);
            if (m.strict()) return "VIOLATION: accepted silently";
            int s = l.info().inputSize();
            try (GradMode g = GradMode.off()) {
                Module net = l.network();
                Tensor y = net.forward(Tensor.uniform(new Random(1), -1f, 1f, 1, 3, s, s));
                if (y.size(1) != l.info().numClasses()) return "VIOLATION: accepted, but gives " + y.size(1) + " outputs";
            }
            return "ok-accepted";
        } catch (ModelFormatException e) {
            String msg = e.getMessage();
            if (msg == null || msg.isBlank() || msg.contains("java.lang") || msg.contains("Exception") || msg.endsWith("null")) {
                return "VIOLATION: unhelpful message: " + msg;
            }
            String body = msg.startsWith(f.toString()) ? msg.substring(f.toString().length()) : msg;
            if (!body.contains("'") && !body.contains("\"") && !body.contains("[") && !m.truncated() && !body.contains("safetensors") && !body.contains("header")) {
                return "VIOLATION: message names no field: " + msg;
            }
            return "ok";
        } catch (IOException e) {
            return m.truncated() ? "ok" : "VIOLATION: " + e;
        } catch (Throwable e) {
            return "VIOLATION: " + e;
        }
    }

    static List<Base> bases(Path dir) throws Exception {
        List<Base> out = new ArrayList<>();
        ZooNet dense = Zoo.create("student10", 32, 2, 1);
        out.add(base(dir, "dense", dense));
        ZooNet p = Zoo.create("student10", 32, 2, 2);
        Pruning.l1Local(p, 0.7);
        out.add(base(dir, "pruned-bitmask", p));
        ZooNet pi = Zoo.create("student10", 32, 2, 3);
        Pruning.l1Local(pi, 0.99);
        out.add(base(dir, "pruned-indices", pi));
        ZooNet q = Zoo.create("student10", 32, 2, 4);
        Quantizer.all(q, List.of(Tensor.uniform(new Random(5), -1f, 1f, 2, 3, 32, 32)), Granularity.PER_CHANNEL, Observer::minMax);
        out.add(base(dir, "int8", q));
        ZooNet lr = Zoo.create("student20", 32, 2, 6);
        LowRank.factorize(lr, "fc.1", 6, Variant.CORRECT);
        LowRank.factorize(lr, "layer4.0", 8, Variant.CORRECT);
        out.add(base(dir, "lowrank", lr));
        out.add(new Base("v1-compressed", FileEdits.read(resource("/models/v1/compressed.safetensors")), false));
        out.add(new Base("pytorch", FileEdits.read(resource("/models/student10_s32.safetensors")), true));
        return out;
    }

    private static Path resource(String name) throws Exception { return Path.of(ModelFileFuzz.class.getResource(name).toURI()); }

    private static Base base(Path dir, String name, ZooNet net) throws Exception {
        Path f = dir.resolve(name + ".safetensors");
        ModelFile.save(net, ModelInfo.of(net.arch(), 32), f);
        ModelFile.load(f);   // the unmutated file loads
        return new Base(name, FileEdits.read(f), false);
    }

    static final SafeTensors.Dtype[][] SAME_SIZE = {
            {SafeTensors.Dtype.F32, SafeTensors.Dtype.I32}, {SafeTensors.Dtype.I8, SafeTensors.Dtype.U8}, {SafeTensors.Dtype.I64, SafeTensors.Dtype.F64},
            {SafeTensors.Dtype.I8, SafeTensors.Dtype.BOOL}};

    static Mutant mutate(Base b, Random rng) throws Exception {
        FileEdits f = b.file().copy();
        List<String> names = f.names();
        String t = names.get(rng.nextInt(names.size()));
        switch (rng.nextInt(10)) {
            case 0 -> {
                return new Mutant("tensor-rename", t, f.rename(t, rng.nextBoolean() ? t + "x" : "x" + t), true, false, null);
            }
            case 1 -> {
                f.tensors.remove(t);
                return new Mutant("tensor-drop", t, f, true, false, null);
            }
            case 2 -> {
                String extra = rng.nextBoolean() ? t.substring(0, t.lastIndexOf('.') + 1) + "extra" : "zz.weight";
                boolean huge = rng.nextBoolean();
                long[] shape = huge ? new long[]{2147483647L, 0} : f.tensors.get(t).shape();
                f.tensors.put(extra, new FileEdits.Stored(huge ? SafeTensors.Dtype.F32 : f.tensors.get(t).dtype(), shape,
                        huge ? new byte[0] : f.tensors.get(t).bytes()));
                return new Mutant("tensor-extra", extra + java.util.Arrays.toString(shape), f, true, false, null);
            }
            case 3 -> {
                SafeTensors.Dtype d = f.tensors.get(t).dtype();
                for (SafeTensors.Dtype[] pair : SAME_SIZE) {
                    if (pair[0] == d || pair[1] == d) return new Mutant("dtype-relabel", t + " " + d, f.relabel(t, pair[0] == d ? pair[1] : pair[0]), true, false, null);
                }
                return null;
            }
            case 4 -> {
                long[] s = f.tensors.get(t).shape();
                long numel = 1;
                for (long v : s) numel *= v;
                long[] to = s.length == 1 ? new long[]{1, numel} : s.length == 2 && s[0] != s[1] ? new long[]{s[1], s[0]} : new long[]{numel};
                if (numel <= 1) return null;
                return new Mutant("tensor-reshape", t + java.util.Arrays.toString(s) + "→" + java.util.Arrays.toString(to), f.relabel(t, f.tensors.get(t).dtype(), to), true, false, null);
            }
            case 5, 6, 7 -> {
                if (f.meta == null) return importMutant(b, f, t, rng);
                return metaMutant(f, rng);
            }
            case 8 -> {
                Path tmp = Files.createTempFile("fuzz", ".safetensors");
                f.write(tmp);
                byte[] raw = Files.readAllBytes(tmp);
                Files.delete(tmp);
                int cut = rng.nextInt(raw.length);
                return new Mutant("truncate", "to " + cut, null, true, true, java.util.Arrays.copyOf(raw, cut));
            }
            default -> {
                if (f.meta == null) return importMutant(b, f, t, rng);
                char[] c = f.meta.toCharArray();
                int i = rng.nextInt(c.length);
                char was = c[i];
                c[i] = "0123456789-.,:{}[]\"aeXe ".charAt(rng.nextInt(24));
                if (c[i] == was) return null;
                f.meta = new String(c);
                return new Mutant("metadata-char", i + ": '" + was + "'→'" + c[i] + "'", f, false, false, null);
            }
        }
    }

    /** PyTorch imports: a 1-D or transposed first head weight, or a stray huge empty tensor. */
    static Mutant importMutant(Base b, FileEdits f, String t, Random rng) {
        long[] s = f.tensors.get("fc.1.weight").shape();
        if (rng.nextBoolean()) return new Mutant("import-fc-1d", "fc.1.weight", f.relabel("fc.1.weight", SafeTensors.Dtype.F32, s[0] * s[1]), true, false, null);
        f.tensors.put("fc9.weight", new FileEdits.Stored(SafeTensors.Dtype.F32, new long[]{2147483647L, 0}, new byte[0]));
        return new Mutant("import-huge-empty", "fc9.weight", f, true, false, null);
    }

    static final JsonNode[] VALUES = {
            JsonNodeFactory.instance.numberNode(0), JsonNodeFactory.instance.numberNode(-1), JsonNodeFactory.instance.numberNode(1),
            JsonNodeFactory.instance.numberNode(2), JsonNodeFactory.instance.numberNode(3), JsonNodeFactory.instance.numberNode(1000),
            JsonNodeFactory.instance.numberNode(4096), JsonNodeFactory.instance.numberNode(Integer.MAX_VALUE), JsonNodeFactory.instance.numberNode(1L << 31),
            JsonNodeFactory.instance.numberNode(1e300), JsonNodeFactory.instance.numberNode(Double.NaN), JsonNodeFactory.instance.numberNode(0.5),
            JsonNodeFactory.instance.textNode("x"), JsonNodeFactory.instance.nullNode(), JsonNodeFactory.instance.arrayNode(),
            JsonNodeFactory.instance.objectNode(), JsonNodeFactory.instance.booleanNode(true)};

    /** Sets one leaf (or array element) of the metadata to an interesting value; strict when it is a structural field. */
    static Mutant metaMutant(FileEdits f, Random rng) throws Exception {
        ObjectNode root = f.json();
        List<Object[]> leaves = new ArrayList<>();   // {container, key or index, path}
        collect(root, "", leaves);
        Object[] leaf = leaves.get(rng.nextInt(leaves.size()));
        JsonNode v = VALUES[rng.nextInt(VALUES.length)];
        JsonNode old;
        if (leaf[0] instanceof ObjectNode o) {
            old = o.get((String) leaf[1]);
            o.set((String) leaf[1], v);
        } else {
            ArrayNode a = (ArrayNode) leaf[0];
            old = a.get((Integer) leaf[1]);
            a.set((Integer) leaf[1], v);
        }
        if (old != null && old.equals(v)) return null;
        String path = (String) leaf[2];
        String key = path.replaceAll(".*/args/", "").replaceAll("\\[\\d+]$", "");
        boolean strict = (path.contains("/args/") && STRICT_ARGS.contains(key))
                || path.matches("/?(input_size|format_version|modules.*/type|class_names)(\\[\\d+])?") && !path.startsWith("/class_names[")
                || (path.contains("/args/padding") && onePixelKernel(root, path))
                || path.equals("/mean") || path.equals("/std")
                || (path.startsWith("/mean[") && !(v.isNumber() && Math.abs(v.asDouble()) <= ModelFile.MAX_ABS_MEAN))
                || (path.startsWith("/std[") && !(v.isNumber() && v.asDouble() >= ModelFile.MIN_STD && v.asDouble() <= ModelFile.MAX_STD));
        f.meta = FileEdits.JSON.writeValueAsString(root);
        return new Mutant(strict ? "meta-structural" : "meta-value", path + ": " + old + "→" + v, f, strict, false, null);
    }

    private static boolean onePixelKernel(ObjectNode root, String path) {
        String argsPath = path.substring(0, path.indexOf("/args/") + 5);
        JsonNode n = root.at(argsPath);
        return n != null && n.path("kernel").asInt(0) == 1;
    }

    private static void collect(JsonNode n, String path, List<Object[]> out) {
        if (n instanceof ObjectNode o) {
            o.fieldNames().forEachRemaining(k -> {
                JsonNode c = o.get(k);
                if (c.isContainerNode()) collect(c, path + "/" + k, out);
                if (!c.isContainerNode() || c.isArray()) out.add(new Object[]{o, k, path + "/" + k});
            });
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isContainerNode()) collect(a.get(i), path + "[" + i + "]", out);
                else out.add(new Object[]{a, i, path + "[" + i + "]"});
            }
        }
    }
}
