package io.deepslim.infer;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.nativ.LinearKernel;
import io.deepslim.backend.nativ.NativeKernels;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Layers;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fused heads: every plain Linear [→ ReLU] of a zoo head becomes one {@link FusedLinear}, eval-mode
 * Dropout an identity, and the logits stay the unfused eval-mode ones within 1e-4 relative at batch 1, 3 and 9
 * (native kernel, counted); above {@link LinearKernel#MAX_ROWS} rows the backend's GEMM and ReLU give them too.
 */
class FusedHeadTest {
    private static void assertSameLogits(String what, ZooNet net, ZooNet fused, int batch, int size) {
        Tensor x = Tensor.randn(new Random(batch), 1f, batch, 3, size, size);
        try (GradMode g = GradMode.off()) {
            float[] ref = net.forward(x).toFloatArray(), got = fused.forward(x).toFloatArray();
            assertEquals(ref.length, got.length, what);
            for (int i = 0; i < ref.length; i++) {
                if (Math.abs(ref[i] - got[i]) > 1e-4 * (1 + Math.abs(ref[i]))) fail(what + " batch " + batch + " logit " + i + ": " + got[i] + " vs " + ref[i]);
            }
        }
    }

    @Test
    void headsFuseAndKeepTheirLogits() {
        // student10: fc = Dropout, Linear, ReLU; fc1 = Linear. vgg45m: three heads, two with ReLU
        for (String arch : new String[]{"student10", "vgg45m"}) {
            ZooNet net = Zoo.create(arch, 64, 2, 3);
            InferenceFusionTest.randomizeBatchNorm(net, 5);
            net.eval();
            ZooNet fused = InferenceFusion.fuse(net);
            long linears = fused.namedModules().values().stream().filter(FusedLinear.class::isInstance).count();
            long withRelu = fused.namedModules().values().stream().filter(m -> m instanceof FusedLinear f && f.relu()).count();
            long left = fused.namedModules().values().stream()
                    .filter(m -> m instanceof io.deepslim.nn.Linear || m instanceof Layers.Dropout || m instanceof Layers.ReLU).count();
            int heads = net.headNames().size();
            assertEquals(heads, linears, arch + ": " + fused.summary());
            assertEquals(heads - 1, withRelu, arch + ": " + fused.summary());
            assertEquals(0, left, arch + ": a head layer was not fused: " + fused.summary());
            for (int batch : new int[]{1, 3, 9}) {
                long before = LinearKernel.calls();
                assertSameLogits(arch, net, fused, batch, 64);
                long ran = LinearKernel.calls() - before;
                boolean nativeExpected = NativeKernels.get().isPresent() && batch <= LinearKernel.MAX_ROWS;
                assertEquals(nativeExpected ? heads : 0, ran, arch + " batch " + batch + ": native linear calls");
            }
        }
    }

    @Test
    void aFusedHeadRunsOnTheBackendWithoutTheNativePath() {
        ZooNet net = Zoo.create("student10", 32, 2, 4);
        net.eval();
        ZooNet fused = InferenceFusion.fuse(net);
        // more samples than MAX_ROWS: FusedLinear takes Ops.linear + ReLU (the path a GPU tensor or a missing library takes)
        int batch = LinearKernel.MAX_ROWS + 1;
        assertTrue(batch <= 64, "keep the test small");
        long before = LinearKernel.calls();
        assertSameLogits("student10 backend head", net, fused, batch, 32);
        assertEquals(before, LinearKernel.calls());
    }

    @Test
    void prunedHeadsFuseOnTheirMaskedWeightAndKeepTheirLogits() {
        // 90% pruned (L1, global): the heads' PrunedLinears become dense FusedLinears over orig ⊙ mask
        ZooNet net = Zoo.create("vgg45m", 32, 2, 6);
        InferenceFusionTest.randomizeBatchNorm(net, 7);
        io.deepslim.compress.prune.Pruning.l1Global(net, 0.9);
        net.eval();
        long pruned = net.namedModules().values().stream().filter(io.deepslim.compress.prune.PrunedLinear.class::isInstance).count();
        assertEquals(net.headNames().size(), pruned, "every head Linear pruned: " + net.summary());
        ZooNet fused = InferenceFusion.fuse(net);
        assertEquals(0, fused.namedModules().values().stream().filter(io.deepslim.compress.prune.PrunedLinear.class::isInstance).count(), fused.summary());
        assertEquals(pruned, fused.namedModules().values().stream().filter(FusedLinear.class::isInstance).count(), fused.summary());
        assertTrue(net.namedModules().values().stream().anyMatch(io.deepslim.compress.prune.PrunedLinear.class::isInstance), "the source model is unchanged");
        for (int batch : new int[]{1, 3}) {
            long before = LinearKernel.calls();
            assertSameLogits("pruned vgg45m", net, fused, batch, 32);
            if (NativeKernels.get().isPresent()) assertEquals(pruned, LinearKernel.calls() - before, "native linear calls at batch " + batch);
        }
    }
}
