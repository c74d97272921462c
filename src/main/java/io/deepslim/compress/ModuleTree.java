package io.deepslim.compress;

import io.deepslim.nn.Module;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Finds and swaps modules by their dotted state_dict path ("layer1.0", "fc.1"). */
public final class ModuleTree {
    private ModuleTree() {}

    /** One module in the tree, with the parent that registered it under {@code name}. */
    public record Node(String path, Module parent, String name, Module module) {}

    /** Every descendant of {@code root} in registration order (pre-order), root excluded. */
    public static List<Node> walk(Module root) { return walk(root, m -> false); }

    /** Like {@link #walk(Module)} but does not descend into modules matching {@code opaque} (they are listed). */
    public static List<Node> walk(Module root, Predicate<Module> opaque) {
        List<Node> out = new ArrayList<>();
        walk(root, "", opaque, out);
        return out;
    }

    private static void walk(Module m, String prefix, Predicate<Module> opaque, List<Node> out) {
        for (Map.Entry<String, Module> e : m.children().entrySet()) {
            String path = prefix + e.getKey();
            out.add(new Node(path, m, e.getKey(), e.getValue()));
            if (!opaque.test(e.getValue())) walk(e.getValue(), path + ".", opaque, out);
        }
    }

    /** The node at {@code path}; an unknown path is an IllegalArgumentException listing the known ones. */
    public static Node node(Module root, String path) {
        List<Node> all = walk(root);
        for (Node n : all) if (n.path().equals(path)) return n;
        List<String> known = new ArrayList<>();
        for (Node n : all) known.add(n.path());
        throw new IllegalArgumentException("no layer named '" + path + "' in the model; layers: " + known);
    }

    /** The module at {@code path}. */
    public static Module get(Module root, String path) { return node(root, path).module(); }

    /** Replaces the module at {@code path} with {@code m}. */
    public static void replace(Module root, String path, Module m) {
        Node n = node(root, path);
        n.parent().replaceChild(n.name(), m);
    }

    /** Paths of every descendant that is an instance of {@code type}, in order. */
    public static <T> List<String> pathsOf(Module root, Class<T> type) {
        List<String> out = new ArrayList<>();
        for (Node n : walk(root, m -> m instanceof Compressed)) if (type.isInstance(n.module())) out.add(n.path());
        return out;
    }
}
