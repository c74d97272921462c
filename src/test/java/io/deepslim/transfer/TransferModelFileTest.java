package io.deepslim.transfer;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.prune.Pruned;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelFormatException;
import io.deepslim.io.ModelInfo;
import io.deepslim.io.SafeTensors;
import io.deepslim.models.CaeNet;
import io.deepslim.models.LayerTypes;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Adapter and CAE models are ordinary model files: ModelFile.save / ModelFile.load, bit-identical outputs. */
public class TransferModelFileTest {
    @TempDir Path tmp;

    /** Non-zero values in every float tensor whose name ends with {@code suffix} (a trained adapter is not zero). */
    public static void perturb(Module net, String suffix, long seed) {
        Random r = new Random(seed);
        net.stateDict().forEach((k, t) -> {
            if (!k.endsWith(suffix)) return;
            for (int i = 0; i < t.numel(); i++) t.buffer().put(t.offset() + i, (float) r.nextGaussian() * 0.2f);
        });
    }

    static float[] logits(Module net, int size) {
        net.eval();
        try (GradMode g = GradMode.off()) {
            return net.forward(Tensor.randn(new Random(3), 1f, 2, 3, size, size)).toFloatArray();
        }
    }

    private ModelFile.Loaded roundTrip(Module net, ModelInfo info) throws Exception {
        Path f = tmp.resolve(info.arch() + System.nanoTime() + ".safetensors");
        ModelFile.save(net, info, f);
        return ModelFile.load(f);
    }

    @Test
    void adapterAndCaeAreRegisteredLayerTypes() {
        // registered by LayerTypes itself, before any Adapter or CaeNet was built in this JVM's test order
        assertTrue(LayerTypes.names().containsAll(List.of(Adapter.TYPE, CaeNet.ARCH)), LayerTypes.names().toString());
    }

    @Test
    void denseAdapterModelRoundTripsBitIdentical() throws Exception {
        ZooNet net = Zoo.create("student10", 32, 2, 3);
        String name = Adapters.insert(net, "layer3", 1);
        perturb(net, ".out.weight", 2);
        float[] before = logits(net, 32);
        ModelFile.Loaded m = roundTrip(net, ModelInfo.of("student10", 32));
        assertTrue(m.model().children().get(name) instanceof Adapter, "the adapter comes back as an Adapter: " + m.model().featureNames());
        assertEquals(net.featureNames(), m.model().featureNames());
        assertArrayEquals(before, logits(m.network(), 32));
    }

    @Test
    void prunedAndDistilledAdapterModelsRoundTripBitIdentical() throws Exception {
        // pruned: task A's model pruned, then an adapter; then everything pruned again, the adapter's convs included
        ZooNet pruned = Zoo.create("student10", 32, 2, 4);
        Pruning.l1Local(pruned, 0.6);
        Adapters.insert(pruned, null, 5);
        perturb(pruned, ".out.weight", 6);
        Pruning.l1Local(pruned, 0.3);
        long prunedAdapterLayers = pruned.namedModules().entrySet().stream().filter(e -> e.getKey().startsWith("adapter_") && e.getValue() instanceof Pruned).count();
        assertTrue(prunedAdapterLayers > 0, "the adapter's convs are pruned too");
        float[] before = logits(pruned, 32);
        ModelFile.Loaded m = roundTrip(pruned, ModelInfo.of("student10", 32));
        assertArrayEquals(before, logits(m.network(), 32));
        assertEquals(1, Adapters.of(m.network()).size());

        // distilled student (student20 here) with an adapter after its last block
        ZooNet student = Zoo.create("student20", 32, 2, 7);
        Adapters.insert(student, null, 8);
        perturb(student, ".out.weight", 9);
        float[] s = logits(student, 32);
        assertArrayEquals(s, logits(roundTrip(student, ModelInfo.of("student20", 32)).network(), 32));
    }

    @Test
    void caeModelRoundTripsBothOutputsBitIdentical() throws Exception {
        CaeNet net = new CaeNet(32, 4, 2, 8, 2, 7);
        perturb(net, "running_mean", 3);
        Tensor x = Tensor.randn(new Random(4), 1f, 2, 3, 32, 32);
        net.eval();
        CaeNet.Output o;
        try (GradMode g = GradMode.off()) {
            o = net.both(x, true);
        }
        ModelFile.Loaded m = roundTrip(net, new ModelInfo(CaeNet.ARCH, 32, List.of("real", "fake"), new float[]{.5f, .5f, .5f}, new float[]{.5f, .5f, .5f},
                java.util.Map.of(), java.util.Map.of()));
        CaeNet back = (CaeNet) m.network();
        try (GradMode g = GradMode.off()) {
            CaeNet.Output p = back.both(x, true);
            assertArrayEquals(o.logits().toFloatArray(), p.logits().toFloatArray());
            assertArrayEquals(o.reconstruction().toFloatArray(), p.reconstruction().toFloatArray());
        }
        assertEquals(net.summary(), back.summary());
    }

    @Test
    void badAdapterAndCaeTreesAreRefusedWithTheirPath() throws Exception {
        ZooNet net = Zoo.create("student10", 32, 2, 3);
        Adapters.insert(net, "layer3", 1);
        Path f = tmp.resolve("a.safetensors");
        ModelFile.save(net, ModelInfo.of("student10", 32), f);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFile.load(rewrite(f, "{\"type\":\"adapter\",\"args\":{\"channels\":", "{\"type\":\"adapter\",\"args\":{\"channels\":1")));
        assertTrue(e.getMessage().contains("adapter_layer3"), e.getMessage());

        CaeNet cae = new CaeNet(32, 4, 2, 8, 2, 7);
        Path c = tmp.resolve("c.safetensors");
        ModelFile.save(cae, ModelInfo.of(CaeNet.ARCH, 32), c);
        e = assertThrows(ModelFormatException.class, () -> ModelFile.load(rewrite(c, "\"width\":4", "\"width\":8")));
        assertTrue(e.getMessage().contains("encoder gives"), e.getMessage());
    }

    /** A copy of {@code f} with the first {@code from} in its metadata replaced by {@code to} (a JSON prefix: digits appended stay). */
    private Path rewrite(Path f, String from, String to) throws Exception {
        Path out = tmp.resolve("bad" + System.nanoTime() + ".safetensors");
        try (SafeTensors st = SafeTensors.open(f)) {
            var w = SafeTensors.writer();
            for (String n : st.names()) {
                if (n.endsWith("num_batches_tracked")) w.add(n, st.entry(n).intShape(), st.longs(n));
                else w.add(n, st.entry(n).intShape(), st.floats(n));
            }
            st.metadata().forEach((k, v) -> {
                assertTrue(v.contains(from) || !k.equals(ModelFile.META_KEY), "metadata lacks " + from);
                w.metadata(k, v.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to)));
            });
            w.write(out);
        }
        assertTrue(Files.size(out) > 0);
        return out;
    }
}
