package io.deepslim.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deepslim.autograd.GradMode;
import io.deepslim.compress.ModelStats;
import io.deepslim.compress.ModuleTree;
import io.deepslim.compress.lowrank.Factorized;
import io.deepslim.compress.lowrank.LowRank;
import io.deepslim.compress.lowrank.Variant;
import io.deepslim.compress.prune.FilterPruning;
import io.deepslim.compress.prune.PrunedConv2d;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Int8Conv2d;
import io.deepslim.compress.quant.Observer;
import io.deepslim.compress.quant.Quantizer;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompressedFileTest {
    @TempDir Path tmp;

    private static float[] logits(ZooNet net, Tensor x) {
        net.eval();
        try (GradMode g = GradMode.off()) {
            return net.forward(x).toFloatArray();
        }
    }

    /** Saves a compressed model, loads it back, and requires bit-identical logits and the same layer table. */
    private ZooNet roundTrip(String arch, Consumer<ZooNet> compress) throws Exception {
        ZooNet net = Zoo.create(arch, 32, 2, 71);
        compress.accept(net);
        Path f = tmp.resolve(arch + "-" + System.nanoTime() + ".safetensors");
        ModelFile.save(net, ModelInfo.of(arch, 32).withCompression(Map.of("method", "test")), f);
        ModelFile.Loaded back = ModelFile.load(f);
        Tensor x = Tensor.uniform(new Random(72), -1f, 1f, 2, 3, 32, 32);
        assertArrayEquals(logits(net, x), logits(back.model(), x), 0f);
        assertEquals(ModelStats.of(net).table(), ModelStats.of(back.model()).table());
        assertEquals("test", back.info().compression().get("method"));
        return back.model();
    }

    @Test
    void prunedInt8LowRankAndFilterPrunedFilesReloadWithIdenticalLogits() throws Exception {
        assertInstanceOf(PrunedConv2d.class, ModuleTree.get(roundTrip("student20", n -> Pruning.l1Local(n, 0.9)), "layer1.0"));
        roundTrip("student20", n -> Pruning.l1Global(n, 0.99));
        assertInstanceOf(Int8Conv2d.class, ModuleTree.get(roundTrip("student20", n -> Quantizer.all(n,
                List.of(Tensor.uniform(new Random(73), -1f, 1f, 2, 3, 32, 32)), Granularity.PER_CHANNEL, Observer::minMax)), "layer1.0"));
        roundTrip("student20", n -> Quantizer.dynamicLinear(n, Granularity.PER_TENSOR));
        assertInstanceOf(Factorized.class, ModuleTree.get(roundTrip("student20", n -> LowRank.factorize(n, "fc.1", 6, Variant.CORRECT)), "fc.1"));
        roundTrip("student20", n -> LowRank.factorize(n, "fc.1", 6, Variant.PAPER_RELU_BETWEEN));
        roundTrip("vgg45m", n -> FilterPruning.prune(n, 0.5, FilterPruning.Norm.L1));
    }

    @Test
    void filterPrunedModelWithoutSummaryStillSavesLoadably() throws Exception {
        ZooNet net = Zoo.create("student20", 32, 2, 74);
        FilterPruning.prune(net, 0.5, FilterPruning.Norm.L2);
        Path f = tmp.resolve("fp.safetensors");
        ModelFile.save(net, ModelInfo.of("student20", 32), f);
        Tensor x = Tensor.uniform(new Random(75), -1f, 1f, 1, 3, 32, 32);
        assertArrayEquals(logits(net, x), logits(ModelFile.load(f).model(), x), 0f);
    }

    @Test
    void vgg224FilesMeetTheSizeTargets() throws Exception {
        ZooNet dense = Zoo.create("vgg45m", 224, 2, 76);
        Path d = tmp.resolve("dense.safetensors"), p = tmp.resolve("p10.safetensors"), q = tmp.resolve("int8.safetensors");
        ModelFile.save(dense, ModelInfo.of("vgg45m", 224), d);
        Pruning.l1Local(dense, 0.9);
        ModelFile.save(dense, ModelInfo.of("vgg45m", 224).withCompression(Map.of("method", "prune")), p);
        ZooNet int8 = Zoo.create("vgg45m", 224, 2, 76);
        Quantizer.all(int8, List.of(Tensor.uniform(new Random(77), -1f, 1f, 1, 3, 224, 224)), Granularity.PER_CHANNEL, Observer::minMax);
        ModelFile.save(int8, ModelInfo.of("vgg45m", 224).withCompression(Map.of("method", "quantize")), q);
        double rp = Files.size(p) / (double) Files.size(d), rq = Files.size(q) / (double) Files.size(d);
        System.out.printf("vgg45m@224 files: dense %,d B; 10%%-kept %,d B (%.1f%%); int8 everything %,d B (%.1f%%)%n",
                Files.size(d), Files.size(p), 100 * rp, Files.size(q), 100 * rq);
        assertTrue(rp <= 0.15, "pruned ratio " + rp);
        assertTrue(rq <= 0.30, "int8 ratio " + rq);
        assertEquals(0.1, (double) ModelStats.of(ModelFile.load(p).model()).nonZeroCount() / ModelStats.of(dense).parameterCount(), 0.01);
    }

    /** Copies {@code src} to a new file with its metadata edited and tensors filtered/renamed. */
    private Path tamper(Path src, UnaryOperator<ObjectNode> meta, String drop, String resizeName) throws Exception {
        Path dst = tmp.resolve("bad-" + System.nanoTime() + ".safetensors");
        ObjectMapper json = new ObjectMapper();
        try (SafeTensors st = SafeTensors.open(src)) {
            SafeTensorsWriter w = SafeTensors.writer();
            for (String n : st.names()) {
                if (n.equals(drop)) continue;
                SafeTensors.Entry e = st.entry(n);
                byte[] b = st.bytes(n);
                if (n.equals(resizeName)) {   // one element fewer
                    w.add(n, e.dtype(), new long[]{e.numel() - 1}, java.util.Arrays.copyOf(b, b.length - e.dtype().size()));
                } else {
                    w.add(n, e.dtype(), e.shape(), b);
                }
            }
            ObjectNode m = (ObjectNode) json.readTree(st.metadata().get(ModelFile.META_KEY));
            w.metadata(ModelFile.META_KEY, json.writeValueAsString(meta.apply(m)));
            w.write(dst);
        }
        return dst;
    }

    /** The args of the module-tree node at dotted {@code path} (format version 2). */
    static ObjectNode node(ObjectNode meta, String path) {
        com.fasterxml.jackson.databind.JsonNode n = meta.get("modules");
        for (String p : path.split("\\.")) n = n.get("children").get(p);
        return (ObjectNode) n;
    }

    @Test
    void malformedCompressedFilesAreRejectedClearly() throws Exception {
        ZooNet net = Zoo.create("student20", 32, 2, 78);
        LowRank.factorize(net, "fc.1", 4, Variant.CORRECT);
        Pruning.l1Local(net, 0.8);   // factorized layers are left alone
        Path f = tmp.resolve("ok.safetensors");
        ModelFile.save(net, ModelInfo.of("student20", 32).withCompression(Map.of("method", "prune")), f);
        ModelFile.load(f);

        String m1 = assertThrows(ModelFormatException.class, () -> ModelFile.load(tamper(f, m -> {
            node(m, "layer1.0").put("type", "zip/conv2d");
            return m;
        }, null, null))).getMessage();
        assertTrue(m1.contains("unknown codec") && m1.contains("zip"), m1);

        String m2 = assertThrows(ModelFormatException.class, () -> ModelFile.load(tamper(f, m -> m, "layer1.0.weight.values", null))).getMessage();
        assertTrue(m2.contains("layer1.0") || m2.contains("weight.values"), m2);

        String m3 = assertThrows(ModelFormatException.class, () -> ModelFile.load(tamper(f, m -> m, null, "fc.1.0.weight"))).getMessage();
        assertTrue(m3.contains("fc.1") && m3.contains("[255]"), m3);

        String m4 = assertThrows(ModelFormatException.class, () -> ModelFile.load(tamper(f, m -> {
            ((ObjectNode) node(m, "layer2.0").get("args")).put("out", 2_000_000_000);
            return m;
        }, null, null))).getMessage();
        assertTrue(m4.contains("'out'") && m4.contains("layer2.0"), m4);

        String m5 = assertThrows(ModelFormatException.class, () -> ModelFile.load(tamper(f, m -> {
            ((ObjectNode) m.get("modules").get("children")).putObject("nolayer").put("type", "prune/conv2d");
            return m;
        }, null, null))).getMessage();
        assertTrue(m5.contains("'nolayer'"), m5);

        String m6 = assertThrows(ModelFormatException.class, () -> ModelFile.load(tamper(f, m -> {
            ((ObjectNode) node(m, "fc.1").get("args")).put("rank", 5);
            return m;
        }, null, null))).getMessage();
        assertTrue(m6.contains("fc.1") && m6.contains("rank 5"), m6);
    }
}
