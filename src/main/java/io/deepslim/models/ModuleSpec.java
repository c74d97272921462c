package io.deepslim.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node of a network's module tree as a model file stores it: a registered type name (a
 * {@link LayerTypes} layer such as "conv2d", or a compressed-layer codec key such as
 * "prune/conv2d"), its JSON-able arguments, and its children by name in execution order. The
 * JSON form is {@code {"type": …, "args": {…}, "children": {name: node, …}}}.
 */
public record ModuleSpec(String type, Map<String, Object> args, Map<String, ModuleSpec> children) {
    /** Nesting deeper than this is refused (a file cannot make the reader recurse without bound). */
    public static final int MAX_DEPTH = 64;
    /** More nodes than this are refused. */
    public static final int MAX_NODES = 100_000;

    public ModuleSpec {
        args = args == null ? new LinkedHashMap<>() : args;
        children = children == null ? new LinkedHashMap<>() : children;
    }

    /** Arguments with {@code path} for error messages. */
    public SpecArgs argsAt(String path) { return new SpecArgs(path, type, args); }

    /** The node as plain maps/lists (for JSON). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        if (!args.isEmpty()) m.put("args", args);
        if (!children.isEmpty()) {
            Map<String, Object> c = new LinkedHashMap<>();
            children.forEach((k, v) -> c.put(k, v.toJson()));
            m.put("children", c);
        }
        return m;
    }

    /**
     * Parses a node from JSON-decoded maps (as Jackson gives them), checking structure only: every
     * node an object with a string "type", "args" an object, "children" an object of nodes.
     */
    public static ModuleSpec fromJson(Object json) {
        int[] count = {0};
        return parse(json, "<root>", 0, count);
    }

    @SuppressWarnings("unchecked")
    private static ModuleSpec parse(Object json, String path, int depth, int[] count) {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException("module tree nests deeper than " + MAX_DEPTH + " at '" + path + "'");
        if (++count[0] > MAX_NODES) throw new IllegalArgumentException("module tree has more than " + MAX_NODES + " nodes");
        if (!(json instanceof Map)) throw new IllegalArgumentException("module '" + path + "' must be an object {type, args, children}, got " + SpecArgs.describe(json));
        Map<String, Object> m = (Map<String, Object>) json;
        for (String k : m.keySet()) {
            if (!List.of("type", "args", "children").contains(k)) throw new IllegalArgumentException("module '" + path + "' has unknown field '" + k + "' (expected type, args, children)");
        }
        if (!(m.get("type") instanceof String type) || type.isEmpty() || type.length() > 100) {
            throw new IllegalArgumentException("module '" + path + "': 'type' must be a layer type name, got " + SpecArgs.describe(m.get("type")));
        }
        Object a = m.get("args"), c = m.get("children");
        if (a != null && !(a instanceof Map)) throw new IllegalArgumentException("module '" + path + "': 'args' must be an object, got " + SpecArgs.describe(a));
        if (c != null && !(c instanceof Map)) throw new IllegalArgumentException("module '" + path + "': 'children' must be an object, got " + SpecArgs.describe(c));
        Map<String, ModuleSpec> kids = new LinkedHashMap<>();
        if (c != null) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) c).entrySet()) {
                String name = e.getKey();
                if (name.isEmpty() || name.contains(".") || name.length() > 100) {
                    throw new IllegalArgumentException("module '" + path + "': child name '" + name + "' must be non-empty, without dots");
                }
                kids.put(name, parse(e.getValue(), path.equals("<root>") ? name : path + "." + name, depth + 1, count));
            }
        }
        return new ModuleSpec(type, a == null ? new LinkedHashMap<>() : new LinkedHashMap<>((Map<String, Object>) a), kids);
    }

    /** Child names in order. */
    public List<String> childNames() { return new ArrayList<>(children.keySet()); }
}
