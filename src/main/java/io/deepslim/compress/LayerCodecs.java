package io.deepslim.compress;

import io.deepslim.backend.ConvParams;
import io.deepslim.compress.lowrank.Factorized;
import io.deepslim.compress.prune.PrunedConv2d;
import io.deepslim.compress.prune.PrunedLinear;
import io.deepslim.compress.quant.Int8Conv2d;
import io.deepslim.compress.quant.Int8Linear;
import io.deepslim.models.LayerTypes;
import io.deepslim.models.SpecArgs;
import io.deepslim.nn.Module;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * The registry of compressed-layer codecs, keyed "method/layer" as in a recipe ("prune/conv2d",
 * "int8/linear", "lowrank/conv2d"). A codec owns, for its kind: the bounds check of a stored
 * recipe ({@link LayerCodec#check}: every field typed and bounded, and the dtype of each tensor
 * name it may read), the output shape it gives (for checking layers fit together without a
 * forward pass) and decoding (the layer class's own {@code decode}). Encoding is the layer's
 * {@link Compressed#recipe()} and {@link Compressed#compressedTensors()}. A new compressed kind is
 * its layer class plus one {@link #register} call.
 */
public final class LayerCodecs {
    private LayerCodecs() {}

    /** Validates a recipe (throwing IllegalArgumentException naming the field) and returns the dtype each tensor name must have. */
    @FunctionalInterface
    public interface Check { Map<String, DType> tensors(SpecArgs recipe); }

    /** One compressed-layer kind. {@code decode} gets only the tensors {@code check} allowed, with names relative to the layer. */
    public record LayerCodec(String key, Check check, LayerTypes.Shaper shape, BiFunction<Map<String, Tensor>, Map<String, Object>, Module> decode) {}

    private static final Map<String, LayerCodec> CODECS = new ConcurrentHashMap<>();

    /** Adds a codec; the key is "method/layer" and unique. */
    public static synchronized void register(LayerCodec c) {
        if (!c.key().matches("[a-z0-9_]+/[a-z0-9_]+")) throw new IllegalArgumentException("codec key '" + c.key() + "' must be method/layer");
        if (CODECS.putIfAbsent(c.key(), c) != null) throw new IllegalArgumentException("codec '" + c.key() + "' is already registered");
    }

    /** The codec for {@code key}, or null. */
    public static LayerCodec byKey(String key) { return CODECS.get(key); }

    /** Registered keys, sorted. */
    public static List<String> keys() { return CODECS.keySet().stream().sorted().toList(); }

    /** The codec key of a compressed layer ("method/layer" from its recipe). */
    public static String keyOf(Compressed c) {
        Map<String, Object> r = c.recipe();
        return r.get("method") + "/" + r.get("layer");
    }

    /**
     * Checks {@code recipe} and the layer's stored tensors (names relative to it), decodes, and
     * checks that the rebuilt layer describes itself with the same recipe and read every tensor.
     */
    public static Module decode(String path, String key, Map<String, Object> recipe, Map<String, Tensor> tensors) {
        LayerCodec c = CODECS.get(key);
        if (c == null) throw new IllegalArgumentException("module '" + path + "': unknown layer type or codec '" + key + "' (codecs: " + keys() + ")");
        SpecArgs a = new SpecArgs(path, key, recipe);
        Map<String, DType> want = c.check().tensors(a);
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            DType d = want.get(e.getKey());
            if (d == null) throw a.fail("unexpected tensor '" + path + "." + e.getKey() + "' (this layer stores " + want.keySet() + ")");
            if (e.getValue().dtype() != d) throw a.fail("tensor '" + path + "." + e.getKey() + "' must be " + d + ", is " + e.getValue().dtype());
        }
        Reads reads = new Reads(tensors);
        Module m;
        try {
            m = TensorScope.unscoped(() -> c.decode().apply(reads, recipe));
        } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException | ArithmeticException ex) {
            throw a.fail(ex.getMessage());
        }
        Set<String> unread = new LinkedHashSet<>(tensors.keySet());
        unread.removeAll(reads.read);
        if (!unread.isEmpty()) throw a.fail("tensors " + unread + " are not used by its recipe");
        Map<String, Object> again = ((Compressed) m).recipe();
        if (!Recipes.sameJson(again, recipe)) throw a.fail("recipe does not match its tensors: stored " + recipe + ", tensors give " + again);
        return m;
    }

    /** A tensor map recording which names a decoder looked at. */
    private static final class Reads extends LinkedHashMap<String, Tensor> {
        final Set<String> read = new LinkedHashSet<>();

        Reads(Map<String, Tensor> m) { super(m); }

        @Override
        public Tensor get(Object k) {
            read.add(String.valueOf(k));
            return super.get(k);
        }

        @Override
        public boolean containsKey(Object k) {
            read.add(String.valueOf(k));
            return super.containsKey(k);
        }
    }

    // ---- the built-in codecs ----

    private static final List<String> LAYERS = List.of("conv2d", "linear");

    /** in/out (and conv geometry) of a recipe; returns {in, out, kernel, groups} after bounds checks. */
    private static int[] geometry(SpecArgs a, boolean conv) {
        int in = a.integer("in", 1, conv ? LayerTypes.MAX_CHANNELS : Integer.MAX_VALUE), out = a.integer("out", 1, conv ? LayerTypes.MAX_CHANNELS : Integer.MAX_VALUE);
        a.string("layer", List.of(conv ? "conv2d" : "linear"));
        if (!conv) {
            if ((long) in * out > Integer.MAX_VALUE) throw a.fail("weight " + out + "x" + in + " is too large");
            return new int[]{in, out, 1, 1};
        }
        int k = a.integer("kernel", 1, LayerTypes.MAX_KERNEL);
        ConvParams p = LayerTypes.convParams(a, k, in, out);
        return new int[]{in, out, k, p.groups()};
    }

    private static int[] shape(SpecArgs a, int[] in, boolean conv) {
        int[] g = geometry(a, conv);
        if (!conv) {
            if (in.length != 1 || in[0] != g[0]) throw a.fail("expects " + g[0] + " input features, gets " + java.util.Arrays.toString(in));
            return new int[]{g[1]};
        }
        int[] out = LayerTypes.convOut(a, in, g[0], g[1], g[2], LayerTypes.convParams(a, g[2], g[0], g[1]));
        if (a.has("pool") && a.bool("pool")) {  // an int8 conv with its 2x2 max-pool fused
            if (out[1] < 2 || out[2] < 2) throw a.fail("a 2x2 pool after a " + out[1] + "x" + out[2] + " map is empty");
            out = new int[]{out[0], out[1] / 2, out[2] / 2};
        }
        return out;
    }

    private static LayerTypes.Shaper shaper(boolean conv) { return (a, in, kids) -> shape(a, in, conv); }

    /**
     * Sparse weights: a bitmask fixes the dense size at 8× its bytes; indices may describe a layer
     * at most 512× larger than its kept count (density ≥ 0.2%), so a recipe cannot make the
     * decoder allocate much more than the file holds.
     */
    private static Map<String, DType> sparse(SpecArgs a, boolean conv) {
        int[] g = geometry(a, conv);
        a.only(conv ? new String[]{"method", "layer", "in", "out", "kernel", "stride", "padding", "dilation", "groups", "sparsity", "encoding"}
                : new String[]{"method", "layer", "in", "out", "sparsity", "encoding"});
        a.number("sparsity", 0, 1);
        String enc = a.string("encoding", List.of(SparseCodec.BITMASK, SparseCodec.INDICES));
        Map<String, DType> t = new LinkedHashMap<>();
        t.put("weight.values", DType.F32);
        t.put("weight." + enc, enc.equals(SparseCodec.BITMASK) ? DType.I8 : DType.I32);
        t.put("bias", DType.F32);
        long n = (long) g[1] * (g[0] / g[3]) * g[2] * g[2];
        if (n > Integer.MAX_VALUE - 8) throw a.fail("weight of " + n + " entries is too large");
        return t;
    }

    private static Map<String, DType> int8(SpecArgs a, boolean conv) {
        int[] g = geometry(a, conv);
        a.only(conv ? new String[]{"method", "dtype", "shape", "granularity", "activation", "input_scale", "input_zero_point", "layer", "in", "out", "kernel", "stride", "padding", "dilation", "groups",
                        "relu", "pool", "output_scale", "output_zero_point"}
                : new String[]{"method", "dtype", "shape", "granularity", "activation", "input_scale", "input_zero_point", "layer", "in", "out"});
        a.string("dtype", List.of("I8"));
        a.string("granularity", List.of("per_tensor", "per_channel"));
        int[] shape = conv ? a.ints("shape", 4, 1, LayerTypes.MAX_CHANNELS) : a.ints("shape", 2, 1, Integer.MAX_VALUE);
        int[] want = conv ? new int[]{g[1], g[0] / g[3], g[2], g[2]} : new int[]{g[1], g[0]};
        if (!java.util.Arrays.equals(shape, want)) throw a.fail("'shape' " + java.util.Arrays.toString(shape) + " does not match in/out/kernel " + java.util.Arrays.toString(want));
        if (a.string("activation", List.of("static", "dynamic")).equals("static")) {
            a.number("input_scale", 1e-30, 1e30);
            a.integer("input_zero_point", -128, 127);
        } else if (a.has("input_scale") || a.has("input_zero_point")) {
            throw a.fail("a dynamic layer has no input_scale/input_zero_point");
        }
        if (conv) {  // inference fusion: ReLU and a 2x2 max-pool in the kernel, output as the next layer's int8 codes
            if (a.has("relu")) a.bool("relu");
            if (a.has("pool")) a.bool("pool");
            if (a.has("output_scale") != a.has("output_zero_point")) throw a.fail("output_scale and output_zero_point go together");
            if (a.has("output_scale")) {
                a.number("output_scale", 1e-30, 1e30);
                a.integer("output_zero_point", -128, 127);
            }
        }
        return Map.of("weight", DType.I8, "weight_scale", DType.F32, "bias", DType.F32);
    }

    private static Map<String, DType> lowrank(SpecArgs a, boolean conv) {
        int[] g = geometry(a, conv);
        a.only(conv ? new String[]{"method", "layer", "in", "out", "kernel", "stride", "padding", "dilation", "groups", "rank", "variant"}
                : new String[]{"method", "layer", "in", "out", "rank", "variant"});
        a.integer("rank", 1, Math.min(g[1], (long) g[0] * g[2] * g[2]));
        String v = a.string("variant", List.of("CORRECT", "PAPER_RELU_BETWEEN"));
        String last = v.equals("CORRECT") ? "1" : "3";
        return Map.of("0.weight", DType.F32, last + ".weight", DType.F32, last + ".bias", DType.F32);
    }

    static {
        register(new LayerCodec("prune/conv2d", a -> sparse(a, true), shaper(true), PrunedConv2d::decode));
        register(new LayerCodec("prune/linear", a -> sparse(a, false), shaper(false), PrunedLinear::decode));
        register(new LayerCodec("int8/conv2d", a -> int8(a, true), shaper(true), Int8Conv2d::decode));
        register(new LayerCodec("int8/linear", a -> int8(a, false), shaper(false), Int8Linear::decode));
        register(new LayerCodec("lowrank/conv2d", a -> lowrank(a, true), shaper(true), Factorized::decode));
        register(new LayerCodec("lowrank/linear", a -> lowrank(a, false), shaper(false), Factorized::decode));
    }
}
