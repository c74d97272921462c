package io.deepslim.compress;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.autograd.GradMode;
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
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompressedModelTest {
    @Test
    void vggFileSizesMeetTheTargets() {
        ZooNet dense = Zoo.create("vgg45m", 224, 2, 51);
        long denseBytes = CompressedModel.bytes(CompressedModel.tensors(dense));
        assertEquals(4_590_786L * 4, denseBytes, 4L * (1 + 8 * 2 * 128 + 8 * 2 * 512));   // + BN running stats

        ZooNet pruned = Zoo.create("vgg45m", 224, 2, 51);
        Pruning.l1Local(pruned, Pruning.Level.KEEP_10.amount());
        long prunedBytes = CompressedModel.bytes(CompressedModel.tensors(pruned));

        ZooNet int8 = Zoo.create("vgg45m", 224, 2, 51);
        Quantizer.all(int8, List.of(Tensor.uniform(new Random(52), 0f, 1f, 1, 3, 224, 224)), Granularity.PER_CHANNEL, Observer::minMax);
        Map<String, Tensor> qt = CompressedModel.tensors(int8);
        assertEquals(DType.I8, qt.get("layer7.0.weight").dtype());
        long int8Bytes = CompressedModel.bytes(qt);

        double rp = prunedBytes / (double) denseBytes, rq = int8Bytes / (double) denseBytes;
        System.out.printf("vgg45m@224 stored bytes: dense %,d; 10%%-kept pruned %,d (%.1f%%); int8 conv+linear %,d (%.1f%%)%n",
                denseBytes, prunedBytes, 100 * rp, int8Bytes, 100 * rq);
        assertTrue(rp <= 0.15, "pruned file ratio " + rp);
        assertTrue(rq <= 0.30, "int8 file ratio " + rq);
    }

    /** Exports, passes the recipes through JSON, restores into a fresh model with other weights, compares outputs. */
    private static void roundTrip(String arch, Consumer<ZooNet> compress) throws Exception {
        ZooNet net = Zoo.create(arch, 32, 2, 53);
        compress.accept(net);
        net.eval();
        Map<String, Tensor> tensors = CompressedModel.tensors(net);
        ObjectMapper json = new ObjectMapper();
        Map<String, Map<String, Object>> recipes = json.readValue(json.writeValueAsString(CompressedModel.recipes(net)),
                new TypeReference<Map<String, Map<String, Object>>>() {});
        ZooNet back = Zoo.create(arch, 32, 2, 54);
        back.eval();
        CompressedModel.restore(back, tensors, recipes);
        Tensor x = Tensor.uniform(new Random(55), 0f, 1f, 3, 3, 32, 32);
        try (GradMode g = GradMode.off()) {
            assertArrayEquals(net.forward(x).toFloatArray(), back.forward(x).toFloatArray(), 1e-6f);
        }
        assertEquals(ModelStats.of(net).table(), ModelStats.of(back).table());
    }

    @Test
    void prunedModelsRoundTrip() throws Exception {
        roundTrip("student30", n -> Pruning.l1Local(n, 0.8));
        roundTrip("student30", n -> Pruning.l1Global(n, 0.99));   // sparse enough for int32 indices
    }

    @Test
    void quantizedFactorizedAndFilterPrunedModelsRoundTrip() throws Exception {
        roundTrip("student20", n -> Quantizer.all(n, List.of(Tensor.uniform(new Random(56), 0f, 1f, 2, 3, 32, 32)),
                Granularity.PER_TENSOR, () -> Observer.percentile(0.999)));
        roundTrip("student20", n -> {
            LowRank.factorize(n, "fc.1", 6, Variant.CORRECT);
            LowRank.factorize(n, "layer3.0", 16, Variant.CORRECT);
        });
        roundTrip("student20", n -> LowRank.factorize(n, "fc.1", 6, Variant.PAPER_RELU_BETWEEN));
        roundTrip("vgg45m", n -> FilterPruning.prune(n, 0.5, FilterPruning.Norm.L2));
    }

    @Test
    void sparseEncodingPicksTheSmallerForm() {
        ZooNet net = Zoo.create("student30", 32, 2, 57);
        Pruning.l1Layer(net, "fc.1", 0.9);
        Pruning.l1Layer(net, "layer1.0", 0.99);
        Map<String, Tensor> t = CompressedModel.tensors(net);
        assertEquals((128 * 128 + 7) / 8, t.get("fc.1.weight.bitmask").numel());
        assertEquals(Math.round(0.1 * 128 * 128), t.get("fc.1.weight.values").numel(), 1);
        assertEquals(DType.I32, t.get("layer1.0.weight.indices").dtype());   // 1% kept: indices beat the bitmask
        Map<String, Object> r = CompressedModel.recipes(net).get("fc.1");
        assertEquals("prune", r.get("method"));
        assertEquals("bitmask", r.get("encoding"));
        assertEquals(0.9, (Double) r.get("sparsity"), 1e-3);
    }

    @Test
    void statsDescribeEachLayer() {
        ZooNet net = Zoo.create("student30", 32, 2, 58);
        LowRank.factorize(net, "fc2.0", 2, Variant.CORRECT);
        Pruning.l1Local(net, 0.9);   // factorized layers are left alone
        ModelStats s = ModelStats.of(net);
        ModelStats.Row conv = s.rows().stream().filter(r -> r.name().equals("layer2.0")).findFirst().orElseThrow();
        assertEquals(0.9, conv.sparsity(), 1e-3);
        assertArrayEquals(new int[]{64, 32, 3, 3}, conv.shape());
        assertEquals("PrunedConv2d", conv.type());
        ModelStats.Row bn = s.rows().stream().filter(r -> r.name().equals("layer2.1")).findFirst().orElseThrow();
        assertEquals(4 * 4 * 64 + 4, bn.bytes());   // weight, bias, running mean/var, num_batches_tracked
        ModelStats.Row lr = s.rows().stream().filter(r -> r.name().equals("fc2.0")).findFirst().orElseThrow();
        assertEquals(2, lr.rank());
        assertEquals(s.parameterCount(), Pruning.counts(net)[0]);
        assertTrue(s.nonZeroCount() < 0.2 * s.parameterCount());
        assertTrue(s.table().contains("layer6.0"));
        assertTrue(ModuleTree.get(net, "layer1.0") instanceof PrunedConv2d);
        Quantizer.staticConv(net, List.of(Tensor.uniform(new Random(59), 0f, 1f, 1, 3, 32, 32)), Granularity.PER_CHANNEL, Observer::minMax);
        assertTrue(ModuleTree.get(net, "layer1.0") instanceof Int8Conv2d);
        assertEquals("I8", ModelStats.of(net).rows().get(0).dtype());
    }

    @Test
    void compressionInsideATensorScopeOutlivesIt() {
        ZooNet net = Zoo.create("student20", 32, 2, 62);
        Tensor calib = Tensor.uniform(new Random(63), 0f, 1f, 2, 3, 32, 32);
        try (io.deepslim.tensor.TensorScope s = io.deepslim.tensor.TensorScope.open()) {
            FilterPruning.prune(net, 0.5, FilterPruning.Norm.L1);
            LowRank.factorize(net, "fc.1", 4, Variant.CORRECT);
            Pruning.l1Local(net, 0.5);
            Quantizer.staticConv(net, List.of(calib), Granularity.PER_CHANNEL, Observer::minMax);
        }
        net.eval();
        try (GradMode g = GradMode.off()) {
            assertEquals(2 * 2, net.forward(calib).toFloatArray().length);
        }
        assertTrue(CompressedModel.bytes(CompressedModel.tensors(net)) > 0);
    }

    @Test
    void restoreRejectsUnknownRecipesAndStrayTensors() {
        ZooNet net = Zoo.create("student30", 32, 2, 60);
        Map<String, Tensor> t = new java.util.LinkedHashMap<>(CompressedModel.tensors(net));
        t.put("fc.9.weight", Tensor.zeros(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CompressedModel.restore(Zoo.create("student30", 32, 2, 61), t, Map.of()));
        assertTrue(e.getMessage().contains("fc.9.weight"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CompressedModel.decodeLayer(Map.of(), Map.of("method", "zip", "layer", "linear")));
        assertTrue(e.getMessage().contains("zip"), e.getMessage());
    }
}
