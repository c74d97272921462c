package io.deepslim.compress;

import io.deepslim.backend.ConvParams;
import io.deepslim.nn.Conv2d;
import io.deepslim.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reading and writing the JSON-able recipe maps (numbers may come back from JSON as any Number). */
public final class Recipes {
    private Recipes() {}

    /** The geometry of {@code c} as recipe entries. */
    public static Map<String, Object> conv(Conv2d c) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("in", c.in);
        r.put("out", c.out);
        r.put("kernel", c.kernel);
        r.put("stride", List.of(c.params.strideH(), c.params.strideW()));
        r.put("padding", List.of(c.params.padH(), c.params.padW()));
        r.put("dilation", List.of(c.params.dilationH(), c.params.dilationW()));
        r.put("groups", c.groups);
        return r;
    }

    /** ConvParams from entries written by {@link #conv}. */
    public static ConvParams convParams(Map<String, Object> r) {
        int[] s = ints(r, "stride"), p = ints(r, "padding"), d = ints(r, "dilation");
        return new ConvParams(s[0], s[1], p[0], p[1], d[0], d[1], integer(r, "groups"));
    }

    public static int integer(Map<String, Object> r, String key) { return ((Number) require(r, key)).intValue(); }

    public static double number(Map<String, Object> r, String key) { return ((Number) require(r, key)).doubleValue(); }

    public static String string(Map<String, Object> r, String key) { return String.valueOf(require(r, key)); }

    public static int[] ints(Map<String, Object> r, String key) {
        List<?> l = (List<?>) require(r, key);
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) l.get(i)).intValue();
        return out;
    }

    public static List<Integer> list(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int v : a) l.add(v);
        return l;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Whether two JSON-able maps print as the same JSON (numbers compared by value, whatever their Java type). */
    public static boolean sameJson(Map<String, Object> a, Map<String, Object> b) {
        try {
            return JSON.readTree(JSON.writeValueAsString(a)).equals(JSON.readTree(JSON.writeValueAsString(b)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return false;
        }
    }

    private static Object require(Map<String, Object> r, String key) {
        Object v = r.get(key);
        if (v == null) throw new IllegalArgumentException("compression recipe " + r + " lacks '" + key + "'");
        return v;
    }

    /** The tensor {@code name} of a layer's stored set; missing is an IllegalArgumentException. */
    public static Tensor tensor(Map<String, Tensor> ts, String name) {
        Tensor t = ts.get(name);
        if (t == null) throw new IllegalArgumentException("compressed layer lacks tensor '" + name + "' (has " + ts.keySet() + ")");
        return t;
    }
}
