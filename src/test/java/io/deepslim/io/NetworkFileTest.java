package io.deepslim.io;

import io.deepslim.autograd.GradMode;
import io.deepslim.cli.Main;
import io.deepslim.compress.ModuleTree;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Int8Linear;
import io.deepslim.models.LayerTypes;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Branches;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.ConvTranspose2d;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.nn.Residual;
import io.deepslim.nn.Sequential;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Networks the zoo does not name — an adapter inserted after vgg45m's layer4, a replaced head, a
 * two-output encoder–decoder, a layer type registered by the user — round-trip through model
 * files with bit-identical outputs, built only from library layers, with no change to file code.
 */
class NetworkFileTest {
    @TempDir Path tmp;

    static float[] run(Module net, Tensor x) {
        try (GradMode g = GradMode.off()) {
            return net.eval().forward(x).toFloatArray();
        }
    }

    /** Gives every BatchNorm running statistics and affine values that are not the identity. */
    static void randomizeNorms(Module net, long seed) {
        Random r = new Random(seed);
        for (Map.Entry<String, Tensor> e : net.stateDict().entrySet()) {
            if (e.getKey().endsWith("num_batches_tracked") || !(e.getKey().contains("running") || isNorm(net, e.getKey()))) continue;
            Tensor t = e.getValue();
            float[] v = new float[(int) t.numel()];
            for (int i = 0; i < v.length; i++) v[i] = e.getKey().endsWith("running_var") ? 0.5f + r.nextFloat() : r.nextFloat() - 0.5f;
            t.buffer().put(t.offset(), v);
        }
    }

    private static boolean isNorm(Module net, String tensor) {
        String path = tensor.substring(0, tensor.lastIndexOf('.'));
        return net.namedModules().get(path) instanceof BatchNorm2d;
    }

    /** Depthwise 3×3 → pointwise 1×1 → BN → ReLU inside a skip connection. */
    static Module adapter(Random rng, int c) {
        return new Residual(new Sequential(new Conv2d(rng, c, c, 3, 1, 1, c, true), new Conv2d(rng, c, c, 1, 1, 0, 1, true),
                new BatchNorm2d(c), new Layers.ReLU()));
    }

    /** Output of {@code deepslim info FILE}; fails unless it exits 0. */
    static String info(Path f) {
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.StringWriter err = new java.io.StringWriter();
        System.setOut(new java.io.PrintStream(out, true));
        int code;
        try {
            code = Main.run(new java.io.PrintWriter(err, true), "info", f.toString());
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code, err.toString());
        return out.toString();
    }

    private Module roundTrip(Module net, ModelInfo info, Tensor x, String name) throws Exception {
        Path f = tmp.resolve(name + ".safetensors");
        ModelFile.save(net, info, f);
        ModelFile.Loaded back = ModelFile.load(f);
        assertArrayEquals(run(net, x), run(back.network(), x), 0f, name);
        assertEquals(net.stateDict().keySet(), back.network().stateDict().keySet(), name);
        String out = info(f);
        for (String layer : net.namedModules().keySet()) {
            if (!layer.isEmpty() && net.namedModules().get(layer).parameterCount() > 0 && net.namedModules().get(layer).children().isEmpty()) {
                assertTrue(out.contains("| " + layer + " |"), "info lists " + layer + ":\n" + out);
            }
        }
        return back.network();
    }

    @Test
    void adapterInsertedAfterLayer4RoundTrips() throws Exception {
        ZooNet net = Zoo.create("vgg45m", 64, 2, 7);
        net.insertFeatureAfter("layer4", "adapter4", adapter(new Random(8), 128));
        randomizeNorms(net, 9);
        Tensor x = Tensor.uniform(new Random(10), -1f, 1f, 2, 3, 64, 64);
        float[] plain = run(Zoo.create("vgg45m", 64, 2, 7), x);
        assertNotEquals(plain[0], run(net, x)[0], "the adapter changes the output");
        ZooNet back = (ZooNet) roundTrip(net, ModelInfo.of("vgg45m", 64), x, "adapter");
        assertEquals(List.of("layer1", "layer2", "layer3", "layer4", "adapter4", "layer5", "layer6", "layer7", "layer8"), back.featureNames());
        assertInstanceOf(Residual.class, ModuleTree.get(back, "adapter4"));
        assertEquals(128, ((Conv2d) ModuleTree.get(back, "adapter4.fn.0")).groups);
    }

    @Test
    void replacedHeadWithFiveClassesRoundTrips() throws Exception {
        ZooNet net = Zoo.create("student20", 32, 2, 11);
        net.replaceHead("fc2", new Sequential(new Linear(new Random(12), 128, 64), new Layers.ReLU(), new Linear(new Random(13), 64, 5)), 5);
        ModelInfo info = new ModelInfo("student20", 32, List.of("a", "b", "c", "d", "e"), ModelInfo.of("x", 32).mean(), ModelInfo.of("x", 32).std(), Map.of(), Map.of());
        Tensor x = Tensor.uniform(new Random(14), -1f, 1f, 3, 3, 32, 32);
        assertEquals(15, run(net, x).length);
        ZooNet back = (ZooNet) roundTrip(net, info, x, "head5");
        assertEquals(5, back.numClasses());
        // the tree, not a class count guessed from tensors, decides: two class names do not fit five outputs
        Path f = tmp.resolve("head5-2.safetensors");
        ModelFile.save(net, ModelInfo.of("student20", 32), f);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.load(f));
        assertTrue(e.getMessage().contains("num_classes") || e.getMessage().contains("classes"), e.getMessage());
    }

    /** Encoder (two stride-2 convs) → classifier head and ConvTranspose2d decoder, like the two-branch autoencoder. */
    static Branches encoderDecoder(long seed) {
        Random r = new Random(seed);
        Module encoder = new Sequential(new Conv2d(r, 3, 8, 3, 2, 1, 1, true), new BatchNorm2d(8), new Layers.ReLU(),
                new Conv2d(r, 8, 16, 3, 2, 1, 1, true), new Layers.ReLU());
        Module classifier = new Sequential(new Layers.AdaptiveAvgPool2d(1, 1), new Layers.Flatten(), new Layers.Dropout(0.5f, 3), new Linear(r, 16, 2));
        Module decoder = new Sequential(new ConvTranspose2d(r, 16, 8, 4, 2, 1, 0, 1, true), new Layers.ReLU(), new ConvTranspose2d(r, 8, 3, 4, 2, 1, 0, 1, false));
        return new Branches("encoder", encoder).head("classifier", classifier).head("decoder", decoder);
    }

    @Test
    void encoderDecoderWithTwoOutputsRoundTripsDenseAndCompressed() throws Exception {
        Branches net = encoderDecoder(15);
        randomizeNorms(net, 16);
        Tensor x = Tensor.uniform(new Random(17), -1f, 1f, 2, 3, 32, 32);
        ModelInfo info = ModelInfo.of("cae-tiny", 32);
        Branches back = (Branches) roundTrip(net, info, x, "cae");
        Map<String, Tensor> a, b;
        try (GradMode g = GradMode.off()) {
            a = net.outputs(x);
            b = back.outputs(x);
        }
        assertArrayEquals(new int[]{2, 3, 32, 32}, b.get("decoder").shape());
        for (String k : List.of("classifier", "decoder")) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f, k);

        // compressed layers inside a tree the zoo does not know
        Pruning.l1Layer(net, "encoder.3", 0.7);
        ModuleTree.replace(net, "classifier.3", Int8Linear.fromFloat((Linear) ModuleTree.get(net, "classifier.3"), Granularity.PER_CHANNEL));
        roundTrip(net, info.withCompression(Map.of("method", "mixed")), x, "cae-compressed");
    }

    /** A layer type the library does not have, registered in one call. */
    static final class Scale extends Module {
        final float factor;

        Scale(float factor) { this.factor = factor; }

        @Override
        public Tensor forward(Tensor x) { return Ops.scale(x, factor); }
    }

    static {
        LayerTypes.register(new LayerTypes.LayerType<>("test_scale", Scale.class,
                s -> Map.of("factor", (double) s.factor),
                (a, kids) -> new Scale((float) a.number("factor", -100, 100)),
                a -> Map.of(),
                (a, in, kids) -> in));
    }

    @Test
    void aRegisteredLayerTypeSavesAndLoads() throws Exception {
        ZooNet net = Zoo.create("student30", 32, 2, 18);
        net.insertFeatureAfter("layer2", "scale", new Scale(0.5f));
        Tensor x = Tensor.uniform(new Random(19), -1f, 1f, 1, 3, 32, 32);
        ZooNet back = (ZooNet) roundTrip(net, ModelInfo.of("student30", 32), x, "scaled");
        assertEquals(0.5f, ((Scale) ModuleTree.get(back, "scale")).factor);
        // an unregistered class cannot be saved, and says how to fix that
        net.insertFeatureAfter("layer3", "anon", new Module() {
            @Override
            public Tensor forward(Tensor t) { return t; }
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFile.save(net, ModelInfo.of("student30", 32), tmp.resolve("anon.safetensors")));
        assertTrue(e.getMessage().contains("'anon'") && e.getMessage().contains("LayerTypes.register"), e.getMessage());
    }
}
