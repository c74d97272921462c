package io.deepslim.compress;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.prune.FilterPruning;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FilterPruningTest {
    /** A zoo model in eval mode with non-trivial BatchNorm statistics (same seed → same model). */
    static ZooNet model(String arch, long seed) {
        ZooNet net = Zoo.create(arch, 32, 2, seed);
        Random rng = new Random(seed + 100);
        for (ModuleTree.Node n : ModuleTree.walk(net)) {
            if (!(n.module() instanceof BatchNorm2d)) continue;
            n.module().stateDict().forEach((k, t) -> {
                if (t.dim() != 1) return;
                for (int i = 0; i < t.numel(); i++) {
                    float v = k.equals("running_var") || k.equals("weight") ? 0.5f + rng.nextFloat() : rng.nextFloat() - 0.5f;
                    t.buffer().put(t.offset() + i, v);
                }
            });
        }
        net.eval();
        return net;
    }

    static float[] logits(Module m, Tensor x) {
        try (GradMode g = GradMode.off()) { return m.forward(x).toFloatArray(); }
    }

    @ParameterizedTest
    @CsvSource({"vgg45m, L1, 0.5", "vgg45m, L2, 0.3", "student10, L1, 0.5", "student20, L2, 0.6"})
    void shrunkModelComputesWhatTheChannelMaskedModelComputes(String arch, FilterPruning.Norm norm, double amount) {
        ZooNet masked = model(arch, 11), pruned = model(arch, 11);
        long dense = pruned.parameterCount();
        FilterPruning.Plan plan = FilterPruning.plan(pruned, amount, norm);
        assertTrue(plan.cuts().size() > 0);
        plan.zeroChannels(masked);
        plan.apply(pruned);
        assertTrue(pruned.parameterCount() < dense, "fewer parameters");
        Tensor x = Tensor.randn(new Random(12), 1f, 3, 3, 32, 32);
        float[] a = logits(masked, x), b = logits(pruned, x);
        double scale = 0;
        for (float v : a) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4 * Math.max(1, scale), arch + " logit " + i);
        // the model still trains: a backward pass reaches every parameter
        pruned.train(true);
        io.deepslim.ops.Ops.crossEntropy(pruned.forward(x), new int[]{0, 1, 0}).backward();
        pruned.parameters().forEach(p -> assertTrue(p.grad() != null));
    }

    @Test
    void channelCountsAreRewired() {
        ZooNet net = model("vgg45m", 13);
        FilterPruning.prune(net, 0.5, FilterPruning.Norm.L1);
        // every conv of vgg45m feeds an ungrouped conv or the first Linear, so all eight lose half their filters
        for (int i = 1; i <= 8; i++) {
            Conv2d c = (Conv2d) ModuleTree.get(net, "layer" + i + ".0");
            BatchNorm2d bn = (BatchNorm2d) ModuleTree.get(net, "layer" + i + ".1");
            int[] full = {64, 64, 128, 128, 256, 256, 512, 128};
            assertEquals(full[i - 1] / 2, c.out);
            assertEquals(c.out, bn.channels());
            if (i > 1) assertEquals(((Conv2d) ModuleTree.get(net, "layer" + (i - 1) + ".0")).out, c.in);
        }
        assertEquals(64, ((Linear) ModuleTree.get(net, "fc.1")).in);   // 64 channels × 1×1 at 32 px
    }

    @Test
    void groupedConsumersAreLeftWhole() {
        ZooNet net = model("student10", 14);
        FilterPruning.Plan plan = FilterPruning.plan(net, 0.5, FilterPruning.Norm.L1);
        for (FilterPruning.Cut c : plan.cuts()) {
            Module consumer = ModuleTree.get(net, c.consumer());
            assertTrue(consumer instanceof Linear || ((Conv2d) consumer).groups == 1, c.toString());
        }
        assertTrue(plan.cuts().stream().anyMatch(c -> c.conv().equals("layer5.1")));
    }

    @Test
    void badInputIsRejected() {
        ZooNet net = model("student30", 15);
        assertThrows(IllegalArgumentException.class, () -> FilterPruning.plan(net, 1.0, FilterPruning.Norm.L1));
        Pruning.l1Local(net, 0.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FilterPruning.plan(net, 0.5, FilterPruning.Norm.L2));
        assertTrue(e.getMessage().contains("bake"), e.getMessage());
    }

    /** Depthwise 3×3 → pointwise 1×1 → BN → ReLU in a skip connection. */
    static Module adapter(Random rng, int c) {
        return new io.deepslim.nn.Residual(new io.deepslim.nn.Sequential(new Conv2d(rng, c, c, 3, 1, 1, c, true),
                new Conv2d(rng, c, c, 1, 1, 0, 1, true), new BatchNorm2d(c), new io.deepslim.nn.Layers.ReLU()));
    }

    @Test
    void cutsFollowExecutionOrderAndStopAtResidualBranches() throws Exception {
        ZooNet net = model("vgg45m", 16);
        // registered last, runs after layer4: registration order would make layer5 layer4's consumer
        net.insertFeatureAfter("layer4", "adapter4", adapter(new Random(17), 128));
        net.eval();
        FilterPruning.Plan plan = FilterPruning.plan(net, 0.5, FilterPruning.Norm.L1);
        java.util.Map<String, String> consumer = new java.util.HashMap<>();
        for (FilterPruning.Cut c : plan.cuts()) consumer.put(c.conv(), c.consumer());
        assertEquals("layer4.0", consumer.get("layer3.0"));
        assertTrue(!consumer.containsKey("layer4.0"), "layer4 feeds a residual adapter, whose width is fixed: " + consumer);
        assertTrue(consumer.keySet().stream().noneMatch(k -> k.startsWith("adapter4")), "nothing inside the residual is cut: " + consumer);
        assertEquals("fc.1", consumer.get("layer8.0"));
        Tensor x = Tensor.uniform(new Random(18), -1f, 1f, 2, 3, 32, 32);
        ZooNet masked = model("vgg45m", 16);
        masked.insertFeatureAfter("layer4", "adapter4", adapter(new Random(17), 128));
        masked.eval();
        plan.zeroChannels(masked);
        plan.apply(net);
        assertArrayEquals(logits(masked, x), logits(net, x), 1e-4f);
    }
}
