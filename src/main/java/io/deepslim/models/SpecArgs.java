package io.deepslim.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The arguments of one module-tree node (or one compressed layer's recipe) read with bounds: each
 * getter names the node path and the field in its error and says what was expected, so a bad file
 * gives "layer3.0: 'padding' must be 2 integers in [0, 2], got [1000, 1000]" rather than a cast
 * error. All errors are IllegalArgumentException (the file reader adds the file name).
 */
public final class SpecArgs {
    private final String path, type;
    private final Map<String, Object> args;

    public SpecArgs(String path, String type, Map<String, Object> args) {
        this.path = path;
        this.type = type;
        this.args = args;
    }

    public String path() { return path; }

    public Map<String, Object> raw() { return args; }

    public boolean has(String key) { return args.containsKey(key); }

    /** An integer field in [lo, hi]. */
    public int integer(String key, long lo, long hi) {
        Object v = args.get(key);
        if (!(v instanceof Number n) || !isIntegral(n) || n.longValue() < lo || n.longValue() > hi) {
            throw error(key, "an integer in [" + lo + ", " + hi + "]", v);
        }
        return n.intValue();
    }

    /** A list of exactly {@code count} integers, each in [lo, hi]. */
    public int[] ints(String key, int count, long lo, long hi) {
        Object v = args.get(key);
        String want = count + " integers in [" + lo + ", " + hi + "]";
        if (!(v instanceof List<?> l) || l.size() != count) throw error(key, want, v);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            if (!(l.get(i) instanceof Number n) || !isIntegral(n) || n.longValue() < lo || n.longValue() > hi) throw error(key, want, v);
            out[i] = n.intValue();
        }
        return out;
    }

    /** A finite number in [lo, hi]. */
    public double number(String key, double lo, double hi) {
        Object v = args.get(key);
        if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < lo || n.doubleValue() > hi) {
            throw error(key, "a number in [" + lo + ", " + hi + "]", v);
        }
        return n.doubleValue();
    }

    public boolean bool(String key) {
        Object v = args.get(key);
        if (!(v instanceof Boolean b)) throw error(key, "true or false", v);
        return b;
    }

    /** A string field, one of {@code allowed} when that is non-empty. */
    public String string(String key, List<String> allowed) {
        Object v = args.get(key);
        if (!(v instanceof String s) || s.isEmpty() || s.length() > 200 || (!allowed.isEmpty() && !allowed.contains(s))) {
            throw error(key, allowed.isEmpty() ? "a non-empty string" : "one of " + allowed, v);
        }
        return s;
    }

    /** A list of strings (at most {@code max}). */
    public List<String> strings(String key, int max) {
        Object v = args.get(key);
        if (!(v instanceof List<?> l) || l.size() > max) throw error(key, "a list of at most " + max + " names", v);
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String s) || s.isEmpty()) throw error(key, "a list of names", v);
            out.add(s);
        }
        return out;
    }

    /** Refuses fields other than {@code known} (an edit that adds a field is not silently ignored). */
    public void only(String... known) {
        for (String k : args.keySet()) {
            if (!List.of(known).contains(k)) throw new IllegalArgumentException(where() + "unknown argument '" + k + "' (" + type + " takes " + List.of(known) + ")");
        }
    }

    /** An error naming this node, for checks the getters cannot make. */
    public IllegalArgumentException fail(String message) { return new IllegalArgumentException(where() + message); }

    private IllegalArgumentException error(String key, String want, Object got) {
        return new IllegalArgumentException(where() + "'" + key + "' must be " + want + ", got " + describe(got));
    }

    private String where() { return "module '" + path + "' (" + type + "): "; }

    private static boolean isIntegral(Number n) {
        double d = n.doubleValue();
        return Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9e15;
    }

    /** A value for an error message: JSON-like, cut at 80 characters, "missing" for null. */
    public static String describe(Object v) {
        if (v == null) return "no value (missing or null)";
        String s = v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
        return s.length() > 80 ? s.substring(0, 77) + "…" : s;
    }
}
