package io.deepslim.models;

import io.deepslim.backend.ConvParams;
import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Branches;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.ConvTranspose2d;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.nn.Residual;
import io.deepslim.nn.Sequential;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The registry of layer types a model file's module tree may name. Each {@link LayerType} says
 * how a module of its class is described (JSON-able args), which tensors of its own it holds
 * (shapes from the args alone, so a file's tensors are checked before anything is allocated),
 * what output shape it gives for an input shape (so layers are checked to fit together without
 * a forward pass), and how it is rebuilt from args and already-built children. Adding a layer
 * type is one {@link #register} call; the built-in ones are registered below.
 */
public final class LayerTypes {
    private LayerTypes() {}

    /** Largest channel or feature count any layer may declare. */
    public static final int MAX_CHANNELS = 1 << 16;
    /** Largest kernel, stride or dilation. */
    public static final int MAX_KERNEL = 64;

    /** Rebuilds a module from validated args and its children (built, in the file's order). */
    @FunctionalInterface
    public interface Builder { Module build(SpecArgs a, Map<String, Module> children); }

    /** The module's own tensors (not its children's) by name, with their shapes. */
    @FunctionalInterface
    public interface State { Map<String, int[]> of(SpecArgs a); }

    /** Output shape (without batch dimension) for input shape {@code in}; children's via {@code kids}. */
    @FunctionalInterface
    public interface Shaper { int[] out(SpecArgs a, int[] in, Children kids); }

    /** Shape inference over a node's children (the caller recurses through the tree). */
    public interface Children {
        List<String> names();

        int[] out(String child, int[] in);
    }

    /** One registered layer type; {@code cls} is matched exactly (a subclass needs its own type). */
    public record LayerType<M extends Module>(String name, Class<M> cls, Function<M, Map<String, Object>> args,
                                              Builder build, State state, Shaper shape) {
        @SuppressWarnings("unchecked")
        Map<String, Object> argsOf(Module m) { return args.apply((M) m); }
    }

    private static final Map<String, LayerType<?>> BY_NAME = new ConcurrentHashMap<>();
    private static final Map<Class<?>, LayerType<?>> BY_CLASS = new ConcurrentHashMap<>();

    /** Adds a layer type; names contain no '/' (those are compressed-layer codecs) and are unique. */
    public static synchronized <M extends Module> void register(LayerType<M> t) {
        if (t.name().isEmpty() || t.name().contains("/")) throw new IllegalArgumentException("layer type name '" + t.name() + "' must be non-empty without '/'");
        if (BY_NAME.containsKey(t.name()) || BY_CLASS.containsKey(t.cls())) {
            throw new IllegalArgumentException("layer type '" + t.name() + "' or class " + t.cls().getName() + " is already registered");
        }
        BY_NAME.put(t.name(), t);
        BY_CLASS.put(t.cls(), t);
    }

    /** The type named {@code name}, or null. */
    public static LayerType<?> byName(String name) { return BY_NAME.get(name); }

    /** The type registered for {@code m}'s exact class, or null. */
    public static LayerType<?> of(Module m) { return BY_CLASS.get(m.getClass()); }

    /** Registered type names, sorted. */
    public static List<String> names() { return BY_NAME.keySet().stream().sorted().toList(); }

    /** The module tree of {@code m}; every module must be of a registered type. */
    public static ModuleSpec describe(Module m) { return describe(m, "", x -> null); }

    /**
     * The module tree of {@code m}; {@code opaque} may describe a module itself (the file writer
     * turns compressed layers into codec nodes this way) or return null to use the registry.
     */
    public static ModuleSpec describe(Module m, String path, Function<Module, ModuleSpec> opaque) {
        ModuleSpec own = opaque.apply(m);
        if (own != null) return own;
        LayerType<?> t = of(m);
        if (t == null) {
            throw new IllegalArgumentException("cannot describe module '" + (path.isEmpty() ? "<root>" : path) + "' of class " + m.getClass().getName()
                    + ": register its type with LayerTypes.register (registered: " + names() + ")");
        }
        Map<String, ModuleSpec> kids = new LinkedHashMap<>();
        m.children().forEach((k, c) -> kids.put(k, describe(c, path.isEmpty() ? k : path + "." + k, opaque)));
        return new ModuleSpec(t.name(), new LinkedHashMap<>(t.argsOf(m)), kids);
    }

    // ---- shape helpers shared by the built-in types ----

    /** Fails unless {@code in} is (C, H, W) with C == channels. */
    public static void requireChannels(SpecArgs a, int[] in, int channels) {
        if (in.length != 3 || in[0] != channels) throw a.fail("expects input (" + channels + ", H, W), gets " + java.util.Arrays.toString(in));
    }

    /** (C, H, W) with positive, bounded spatial sizes. */
    public static int[] map(SpecArgs a, int c, long h, long w) {
        if (h < 1 || w < 1 || h > 1 << 20 || w > 1 << 20 || (long) c * h * w > Integer.MAX_VALUE) {
            throw a.fail("gives an empty or oversized output " + c + "x" + h + "x" + w);
        }
        return new int[]{c, (int) h, (int) w};
    }

    /** Convolution geometry from args stride/padding/dilation (pairs) and groups, bounded: padding ≤ dilation·(kernel−1). */
    public static ConvParams convParams(SpecArgs a, int kernel, int in, int out) {
        int[] s = a.ints("stride", 2, 1, MAX_KERNEL), d = a.ints("dilation", 2, 1, MAX_KERNEL);
        int[] p = a.ints("padding", 2, 0, (long) Math.max(d[0], d[1]) * (kernel - 1));
        if (p[0] > d[0] * (kernel - 1) || p[1] > d[1] * (kernel - 1)) throw a.fail("'padding' " + java.util.Arrays.toString(p) + " exceeds dilation·(kernel−1)");
        int g = a.integer("groups", 1, in);
        if (in % g != 0 || out % g != 0) throw a.fail("'groups' " + g + " must divide in=" + in + " and out=" + out);
        return new ConvParams(s[0], s[1], p[0], p[1], d[0], d[1], g);
    }

    /** The conv output map for input {@code in}. */
    public static int[] convOut(SpecArgs a, int[] in, int inC, int outC, int kernel, ConvParams p) {
        requireChannels(a, in, inC);
        return map(a, outC, p.outH(in[1], kernel), p.outW(in[2], kernel));
    }

    /** Conv geometry as args (the inverse of {@link #convParams}). */
    public static Map<String, Object> convArgs(int in, int out, int kernel, ConvParams p) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("in", in);
        r.put("out", out);
        r.put("kernel", kernel);
        r.put("stride", List.of(p.strideH(), p.strideW()));
        r.put("padding", List.of(p.padH(), p.padW()));
        r.put("dilation", List.of(p.dilationH(), p.dilationW()));
        r.put("groups", p.groups());
        return r;
    }

    private static Map<String, Object> args(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static int[] chain(Children kids, List<String> names, int[] x) {
        for (String n : names) x = kids.out(n, x);
        return x;
    }

    private static Map<String, int[]> none(SpecArgs a) { return Map.of(); }

    private static <M extends Module> void leaf(String name, Class<M> cls, java.util.function.Supplier<M> make, Shaper shape) {
        register(new LayerType<>(name, cls, m -> Map.of(), (a, k) -> {
            a.only();
            return make.get();
        }, LayerTypes::none, shape));
    }

    private static int[] same(SpecArgs a, int[] in, Children k) { return in; }

    static {
        register(new LayerType<>("sequential", Sequential.class, m -> Map.of(), (a, kids) -> {
            a.only();
            Sequential s = new Sequential();
            int i = 0;
            for (Map.Entry<String, Module> e : kids.entrySet()) {
                if (!e.getKey().equals(String.valueOf(i++))) throw a.fail("children must be named 0, 1, …; found '" + e.getKey() + "'");
                s.add(e.getValue());
            }
            return s;
        }, LayerTypes::none, (a, in, kids) -> chain(kids, kids.names(), in)));

        register(new LayerType<>("residual", Residual.class, m -> Map.of(), (a, kids) -> {
            a.only();
            if (!kids.keySet().equals(java.util.Set.of("fn"))) throw a.fail("needs exactly one child 'fn', has " + kids.keySet());
            return new Residual(kids.get("fn"));
        }, LayerTypes::none, (a, in, kids) -> {
            int[] y = kids.out("fn", in);
            if (!java.util.Arrays.equals(in, y)) throw a.fail("branch maps " + java.util.Arrays.toString(in) + " to " + java.util.Arrays.toString(y) + "; it must keep the shape");
            return in;
        }));

        register(new LayerType<>("branches", Branches.class, m -> args("trunk", m.trunkName()), (a, kids) -> {
            a.only("trunk");
            String trunk = a.string("trunk", List.of());
            List<String> names = List.copyOf(kids.keySet());
            if (names.isEmpty() || !names.get(0).equals(trunk) || names.size() < 2) throw a.fail("children must be the trunk '" + trunk + "' then at least one head");
            Branches b = new Branches(trunk, kids.get(trunk));
            for (String n : names.subList(1, names.size())) b.head(n, kids.get(n));
            return b;
        }, LayerTypes::none, (a, in, kids) -> {
            List<String> names = kids.names();
            if (names.size() < 2) throw a.fail("needs a trunk and at least one head");
            int[] h = kids.out(names.get(0), in), first = null;
            for (String n : names.subList(1, names.size())) {
                int[] y = kids.out(n, h);
                if (first == null) first = y;
            }
            return first;
        }));

        register(new LayerType<>("zoonet", ZooNet.class,
                m -> args("arch", m.arch(), "input_size", m.inputSize(), "num_classes", m.numClasses(), "features", m.featureNames(), "heads", m.headNames()),
                (a, kids) -> {
                    a.only("arch", "input_size", "num_classes", "features", "heads");
                    ZooNet net = new ZooNet(a.string("arch", List.of()), a.integer("input_size", 32, 4096), a.integer("num_classes", 2, 10_000));
                    if (net.inputSize() % 32 != 0) throw a.fail("'input_size' must be a multiple of 32, got " + net.inputSize());
                    List<String> f = a.strings("features", 1000), h = a.strings("heads", 1000);
                    java.util.Set<String> named = new java.util.HashSet<>(f);
                    named.addAll(h);
                    if (named.size() != f.size() + h.size() || !named.equals(kids.keySet())) {
                        throw a.fail("'features' " + f + " and 'heads' " + h + " must name each child " + kids.keySet() + " once");
                    }
                    for (String n : f) net.addFeature(n, kids.get(n));
                    for (String n : h) net.addHead(n, kids.get(n));
                    return net;
                }, LayerTypes::none,
                (a, in, kids) -> {
                    int s = a.integer("input_size", 32, 4096);
                    if (!java.util.Arrays.equals(in, new int[]{3, s, s})) throw a.fail("input_size " + s + " does not match the input " + java.util.Arrays.toString(in));
                    int[] x = chain(kids, a.strings("features", 1000), in);
                    long n = 1;
                    for (int d : x) n *= d;
                    x = chain(kids, a.strings("heads", 1000), new int[]{(int) n});
                    int classes = a.integer("num_classes", 2, 10_000);
                    if (!java.util.Arrays.equals(x, new int[]{classes})) throw a.fail("heads give " + java.util.Arrays.toString(x) + ", not num_classes " + classes);
                    return x;
                }));

        register(new LayerType<>("conv2d", Conv2d.class, c -> {
            Map<String, Object> r = convArgs(c.in, c.out, c.kernel, c.params);
            r.put("bias", c.bias() != null);
            return r;
        }, (a, k) -> {
            int in = a.integer("in", 1, MAX_CHANNELS), out = a.integer("out", 1, MAX_CHANNELS), kernel = a.integer("kernel", 1, MAX_KERNEL);
            ConvParams p = convParams(a, kernel, in, out);
            boolean bias = a.bool("bias");
            return TensorScope.unscoped(() -> new Conv2d(in, out, kernel, p, Tensor.zeros(out, in / p.groups(), kernel, kernel), bias ? Tensor.zeros(out) : null));
        }, a -> {
            a.only("in", "out", "kernel", "stride", "padding", "dilation", "groups", "bias");
            int in = a.integer("in", 1, MAX_CHANNELS), out = a.integer("out", 1, MAX_CHANNELS), kernel = a.integer("kernel", 1, MAX_KERNEL);
            ConvParams p = convParams(a, kernel, in, out);
            Map<String, int[]> s = new LinkedHashMap<>();
            s.put("weight", new int[]{out, in / p.groups(), kernel, kernel});
            if (a.bool("bias")) s.put("bias", new int[]{out});
            return s;
        }, (a, in, k) -> {
            int inC = a.integer("in", 1, MAX_CHANNELS), out = a.integer("out", 1, MAX_CHANNELS), kernel = a.integer("kernel", 1, MAX_KERNEL);
            return convOut(a, in, inC, out, kernel, convParams(a, kernel, inC, out));
        }));

        register(new LayerType<>("conv_transpose2d", ConvTranspose2d.class,
                c -> args("in", c.in(), "out", c.out(), "kernel", c.kernel(), "stride", c.stride(), "padding", c.padding(),
                        "output_padding", c.outputPadding(), "groups", c.groups(), "bias", c.hasBias()),
                (a, k) -> {
                    int in = a.integer("in", 1, MAX_CHANNELS), out = a.integer("out", 1, MAX_CHANNELS), kernel = a.integer("kernel", 1, MAX_KERNEL);
                    return TensorScope.unscoped(() -> new ConvTranspose2d(new Random(0), in, out, kernel, a.integer("stride", 1, MAX_KERNEL),
                            a.integer("padding", 0, kernel - 1), a.integer("output_padding", 0, MAX_KERNEL - 1), a.integer("groups", 1, in), a.bool("bias")));
                }, a -> {
                    a.only("in", "out", "kernel", "stride", "padding", "output_padding", "groups", "bias");
                    int in = a.integer("in", 1, MAX_CHANNELS), out = a.integer("out", 1, MAX_CHANNELS), kernel = a.integer("kernel", 1, MAX_KERNEL);
                    int g = a.integer("groups", 1, in);
                    if (in % g != 0 || out % g != 0) throw a.fail("'groups' " + g + " must divide in and out");
                    Map<String, int[]> s = new LinkedHashMap<>();
                    s.put("weight", new int[]{in, out / g, kernel, kernel});
                    if (a.bool("bias")) s.put("bias", new int[]{out});
                    return s;
                }, (a, in, k) -> {
                    int inC = a.integer("in", 1, MAX_CHANNELS), out = a.integer("out", 1, MAX_CHANNELS), kernel = a.integer("kernel", 1, MAX_KERNEL);
                    int s = a.integer("stride", 1, MAX_KERNEL), p = a.integer("padding", 0, kernel - 1), op = a.integer("output_padding", 0, s - 1);
                    requireChannels(a, in, inC);
                    return map(a, out, (long) (in[1] - 1) * s - 2L * p + kernel + op, (long) (in[2] - 1) * s - 2L * p + kernel + op);
                }));

        register(new LayerType<>("linear", Linear.class, l -> args("in", l.in, "out", l.out, "bias", l.bias() != null), (a, k) -> {
            int in = a.integer("in", 1, Integer.MAX_VALUE), out = a.integer("out", 1, Integer.MAX_VALUE);
            boolean bias = a.bool("bias");
            return TensorScope.unscoped(() -> new Linear(Tensor.zeros(out, in), bias ? Tensor.zeros(out) : null));
        }, a -> {
            a.only("in", "out", "bias");
            int in = a.integer("in", 1, Integer.MAX_VALUE), out = a.integer("out", 1, Integer.MAX_VALUE);
            if ((long) in * out > Integer.MAX_VALUE) throw a.fail("weight " + out + "x" + in + " is too large");
            Map<String, int[]> s = new LinkedHashMap<>();
            s.put("weight", new int[]{out, in});
            if (a.bool("bias")) s.put("bias", new int[]{out});
            return s;
        }, (a, in, k) -> {
            int n = a.integer("in", 1, Integer.MAX_VALUE);
            if (in.length != 1 || in[0] != n) throw a.fail("expects " + n + " input features, gets " + java.util.Arrays.toString(in));
            return new int[]{a.integer("out", 1, Integer.MAX_VALUE)};
        }));

        register(new LayerType<>("batchnorm2d", BatchNorm2d.class, b -> args("channels", b.channels(), "momentum", (double) b.momentum(), "eps", (double) b.eps()),
                (a, k) -> TensorScope.unscoped(() -> new BatchNorm2d(a.integer("channels", 1, MAX_CHANNELS), (float) a.number("momentum", 0, 1), (float) a.number("eps", 1e-12, 1))),
                a -> {
                    a.only("channels", "momentum", "eps");
                    a.number("momentum", 0, 1);
                    a.number("eps", 1e-12, 1);
                    int c = a.integer("channels", 1, MAX_CHANNELS);
                    Map<String, int[]> s = new LinkedHashMap<>();
                    for (String n : List.of("weight", "bias", "running_mean", "running_var")) s.put(n, new int[]{c});
                    s.put("num_batches_tracked", new int[0]);
                    return s;
                }, (a, in, k) -> {
                    requireChannels(a, in, a.integer("channels", 1, MAX_CHANNELS));
                    return in;
                }));

        register(new LayerType<>("maxpool2d", Layers.MaxPool2d.class, m -> args("kernel", m.kernel(), "stride", m.stride(), "padding", m.padding()),
                (a, k) -> pool(a, true), LayerTypes::none, LayerTypes::poolOut));
        register(new LayerType<>("avgpool2d", Layers.AvgPool2d.class, m -> args("kernel", m.kernel(), "stride", m.stride(), "padding", m.padding()),
                (a, k) -> pool(a, false), LayerTypes::none, LayerTypes::poolOut));
        register(new LayerType<>("adaptive_avgpool2d", Layers.AdaptiveAvgPool2d.class, m -> args("out_h", m.outH(), "out_w", m.outW()), (a, k) -> {
            a.only("out_h", "out_w");
            return new Layers.AdaptiveAvgPool2d(a.integer("out_h", 1, 4096), a.integer("out_w", 1, 4096));
        }, LayerTypes::none, (a, in, k) -> {
            if (in.length != 3) throw a.fail("expects a (C, H, W) input, gets " + java.util.Arrays.toString(in));
            return map(a, in[0], a.integer("out_h", 1, 4096), a.integer("out_w", 1, 4096));
        }));
        register(new LayerType<>("dropout", Layers.Dropout.class, d -> args("p", (double) d.p()), (a, k) -> {
            a.only("p");
            return new Layers.Dropout((float) a.number("p", 0, 0.999), 0);
        }, LayerTypes::none, LayerTypes::same));
        leaf("relu", Layers.ReLU.class, Layers.ReLU::new, LayerTypes::same);
        leaf("identity", Layers.Identity.class, Layers.Identity::new, LayerTypes::same);
        leaf("flatten", Layers.Flatten.class, Layers.Flatten::new, (a, in, k) -> {
            long n = 1;
            for (int d : in) n *= d;
            return new int[]{(int) n};
        });
        // library networks outside nn: registered here, not in their own static initializers, so a
        // file naming them loads whether or not their class was touched before
        register(CaeNet.layerType());
        register(io.deepslim.transfer.Adapter.layerType());
    }

    private static Module pool(SpecArgs a, boolean max) {
        a.only("kernel", "stride", "padding");
        int k = a.integer("kernel", 1, MAX_KERNEL), s = a.integer("stride", 1, MAX_KERNEL), p = a.integer("padding", 0, k / 2);
        return max ? new Layers.MaxPool2d(k, s, p) : new Layers.AvgPool2d(k, s, p);
    }

    private static int[] poolOut(SpecArgs a, int[] in, Children kids) {
        int k = a.integer("kernel", 1, MAX_KERNEL), s = a.integer("stride", 1, MAX_KERNEL), p = a.integer("padding", 0, k / 2);
        if (in.length != 3) throw a.fail("expects a (C, H, W) input, gets " + java.util.Arrays.toString(in));
        return map(a, in[0], Math.floorDiv(in[1] + 2L * p - k, s) + 1, Math.floorDiv(in[2] + 2L * p - k, s) + 1);
    }
}
