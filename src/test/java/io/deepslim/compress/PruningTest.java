package io.deepslim.compress;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.prune.Pruned;
import io.deepslim.compress.prune.PrunedConv2d;
import io.deepslim.compress.prune.PrunedLinear;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.nn.Sequential;
import io.deepslim.ops.Ops;
import io.deepslim.optim.SGD;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PruningTest {
    static ZooNet student(long seed) { return Zoo.create("student30", 32, 2, seed); }

    /** Flat copies of every tensor in the state dict. */
    static Map<String, float[]> snapshot(Module m) {
        Map<String, float[]> s = new LinkedHashMap<>();
        m.stateDict().forEach((k, t) -> s.put(k, t.contiguousRaw().toFloatArray()));
        return s;
    }

    static int zeros(float[] a) {
        int z = 0;
        for (float v : a) if (v == 0f) z++;
        return z;
    }

    @Test
    void localPruningRemovesTheSameFractionOfEveryWeightAndKeepsBiases() {
        ZooNet net = student(1);
        Map<String, float[]> before = snapshot(net);
        Pruning.l1Local(net, 0.6);
        int layers = 0;
        for (String path : Pruning.prunableLayers(net)) {
            Pruned p = (Pruned) ModuleTree.get(net, path);
            float[] mask = p.mask().toFloatArray();
            assertEquals(Math.rint(0.6 * mask.length), zeros(mask), 1, path);
            // the pruned entries are the smallest |w| of this layer
            float[] w = before.get(path + ".weight");
            float maxPruned = 0, minKept = Float.MAX_VALUE;
            for (int i = 0; i < w.length; i++) {
                if (mask[i] == 0f) maxPruned = Math.max(maxPruned, Math.abs(w[i]));
                else minKept = Math.min(minKept, Math.abs(w[i]));
            }
            assertTrue(maxPruned <= minKept, path);
            assertArrayEquals(before.get(path + ".bias"), net.stateDict().get(path + ".bias").toFloatArray(), path);
            layers++;
        }
        assertEquals(8, layers);  // 6 convs + 2 linears
    }

    @Test
    void prunedLayersUsePyTorchNames() {
        ZooNet net = student(2);
        Pruning.l1Local(net, 0.5);
        Map<String, Tensor> sd = net.stateDict();
        assertTrue(sd.containsKey("fc.1.weight_orig") && sd.containsKey("fc.1.weight_mask") && sd.containsKey("fc.1.bias"));
        assertTrue(sd.containsKey("layer1.0.weight_orig") && sd.containsKey("layer1.0.weight_mask"));
        assertFalse(sd.containsKey("fc.1.weight"));
        assertTrue(net.namedParameters().containsKey("fc.1.weight_orig"));
        assertFalse(net.namedParameters().containsKey("fc.1.weight_mask"));
        assertTrue(ModuleTree.get(net, "fc.1") instanceof PrunedLinear);
        assertTrue(ModuleTree.get(net, "layer1.0") instanceof PrunedConv2d);
    }

    @Test
    void globalPruningUsesOneThreshold() {
        ZooNet net = student(3);
        Map<String, float[]> before = snapshot(net);
        Pruning.l1Global(net, 0.7);
        float maxPruned = 0, minKept = Float.MAX_VALUE;
        long total = 0, pruned = 0;
        double minS = 1, maxS = 0;
        for (String path : Pruning.prunableLayers(net)) {
            float[] mask = ((Pruned) ModuleTree.get(net, path)).mask().toFloatArray(), w = before.get(path + ".weight");
            for (int i = 0; i < w.length; i++) {
                if (mask[i] == 0f) maxPruned = Math.max(maxPruned, Math.abs(w[i]));
                else minKept = Math.min(minKept, Math.abs(w[i]));
            }
            total += mask.length;
            pruned += zeros(mask);
            double s = zeros(mask) / (double) mask.length;
            minS = Math.min(minS, s);
            maxS = Math.max(maxS, s);
        }
        assertTrue(maxPruned <= minKept);
        assertEquals(Math.rint(0.7 * total), pruned, 1);
        assertTrue(maxS - minS > 0.05, "global pruning should spread sparsity unevenly across layers");
    }

    @Test
    void iterativeRoundsCompose() {
        ZooNet net = student(4);
        Pruning.l1Local(net, 0.5);
        Map<String, float[]> first = new LinkedHashMap<>();
        for (String p : Pruning.prunableLayers(net)) first.put(p, ((Pruned) ModuleTree.get(net, p)).mask().toFloatArray());
        Pruning.l1Local(net, 0.5);
        for (String p : Pruning.prunableLayers(net)) {
            float[] m1 = first.get(p), m2 = ((Pruned) ModuleTree.get(net, p)).mask().toFloatArray();
            assertEquals(0.75 * m2.length, zeros(m2), 2, p);
            for (int i = 0; i < m1.length; i++) if (m1[i] == 0f) assertEquals(0f, m2[i], p + " entry " + i + " came back");
        }
    }

    @Test
    void fineTuningKeepsPrunedWeightsExactlyZero() {
        Random rng = new Random(5);
        Sequential net = new Sequential(new Conv2d(rng, 3, 8), new Layers.ReLU(), new Layers.MaxPool2d(2), new Layers.Flatten(),
                new Linear(rng, 8 * 4 * 4, 3));
        Pruning.l1Local(net, 0.7);
        Map<String, float[]> orig0 = snapshot(net);
        SGD opt = new SGD(net.parameters(), 0.1f, 0.9f, 0.05f, false);
        Tensor x = Tensor.randn(rng, 1f, 4, 3, 8, 8);
        int[] y = {0, 1, 2, 1};
        for (int step = 0; step < 5; step++) {
            opt.zeroGrad();
            Ops.crossEntropy(net.forward(x), y).backward();
            for (String p : new String[]{"0", "4"}) {
                Pruned l = (Pruned) ModuleTree.get(net, p);
                float[] g = l.weightOrig().grad().toFloatArray(), m = l.mask().toFloatArray();
                for (int i = 0; i < g.length; i++) if (m[i] == 0f) assertEquals(0f, g[i], "gradient at a pruned entry");
            }
            opt.step();
        }
        for (String p : new String[]{"0", "4"}) {
            Pruned l = (Pruned) ModuleTree.get(net, p);
            float[] m = l.mask().toFloatArray(), eff = ((Module & Pruned) l).stateDict().get("weight_mask").toFloatArray();
            float[] w;
            try (GradMode g = GradMode.off()) { w = (p.equals("0") ? ((Conv2d) l).weight() : ((Linear) l).weight()).toFloatArray(); }
            float[] orig = l.weightOrig().toFloatArray(), o0 = orig0.get(p + ".weight_orig");
            int movedPruned = 0, movedKept = 0;
            for (int i = 0; i < m.length; i++) {
                assertEquals(m[i], eff[i]);
                if (m[i] == 0f) {
                    assertTrue(w[i] == 0f, "effective weight at a pruned entry");
                    if (orig[i] != o0[i]) movedPruned++;   // weight decay acts on weight_orig there
                } else if (orig[i] != o0[i]) {
                    movedKept++;
                }
            }
            assertTrue(movedPruned > 0 && movedKept > 0, "the optimizer updated weight_orig");
        }
    }

    @Test
    void bakeRemovesTheReparametrizationWithIdenticalOutputs() {
        ZooNet net = student(6);
        net.eval();
        Pruning.l1Local(net, 0.8);
        Tensor x = Tensor.randn(new Random(7), 1f, 2, 3, 32, 32);
        float[] before, after;
        try (GradMode g = GradMode.off()) { before = net.forward(x).toFloatArray(); }
        long[] countsBefore = Pruning.counts(net);
        assertEquals(8, Pruning.bake(net));
        try (GradMode g = GradMode.off()) { after = net.forward(x).toFloatArray(); }
        assertArrayEquals(before, after);
        Map<String, Tensor> sd = net.stateDict();
        assertTrue(sd.containsKey("fc.1.weight") && !sd.containsKey("fc.1.weight_orig") && !sd.containsKey("fc.1.weight_mask"));
        assertEquals(ModuleTree.get(net, "fc.1").getClass(), Linear.class);
        assertTrue(net.namedParameters().get("fc.1.weight").requiresGrad());
        assertArrayEquals(countsBefore, Pruning.counts(net));
    }

    @Test
    void countsReportParametersAndNonZeros() {
        ZooNet net = student(8);
        long params = net.parameterCount();
        long[] c0 = Pruning.counts(net);
        assertEquals(params, c0[0]);
        assertTrue(c0[1] < params);   // BatchNorm biases start at zero
        long removed = 0;
        for (String p : Pruning.prunableLayers(net)) removed += Math.rint(0.9 * ModuleTree.get(net, p).namedParameters().get("weight").numel());
        Pruning.l1Local(net, 0.9);
        long[] c = Pruning.counts(net);
        assertEquals(params, c[0]);
        assertEquals(c0[1] - removed, c[1]);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, 1, -0.1, 1.5, Double.NaN})
    void amountOutsideTheOpenUnitIntervalIsRejectedBeforeAnyWork(double amount) {
        ZooNet net = student(9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pruning.l1Local(net, amount));
        assertTrue(e.getMessage().contains("(0, 1)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Pruning.l1Global(net, amount));
        assertFalse(net.stateDict().keySet().stream().anyMatch(k -> k.endsWith("_mask")));
    }

    @Test
    void unknownLayerNamesAreRejected() {
        ZooNet net = student(10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pruning.l1Layer(net, "fc.9", 0.5));
        assertTrue(e.getMessage().contains("fc.9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pruning.l1Layer(net, "layer1.1", 0.5));
        assertTrue(e.getMessage().contains("BatchNorm2d"), e.getMessage());
        assertEquals(0.6, Pruning.Level.keeping(40).amount(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Pruning.Level.keeping(50));
        assertNotEquals(0, Pruning.prunableLayers(net).size());
    }
}
