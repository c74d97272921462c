package io.deepslim.infer;

import io.deepslim.autograd.GradMode;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

public class InferenceFusionTest {
    /** Gives every BatchNorm non-trivial statistics and affine parameters, as a trained model has. */
    public static void randomizeBatchNorm(io.deepslim.nn.Module net, long seed) {
        Random r = new Random(seed);
        for (Map.Entry<String, Tensor> e : net.stateDict().entrySet()) {
            String k = e.getKey();
            Tensor t = e.getValue();
            if (!(k.endsWith("running_mean") || k.endsWith("running_var") || (k.endsWith(".weight") && t.dim() == 1))) continue;
            for (int i = 0; i < t.numel(); i++) {
                float v = k.endsWith("running_mean") ? (float) r.nextGaussian() * 0.3f : 0.5f + r.nextFloat();
                t.buffer().put(i, v);
            }
        }
    }

    @Test
    void fusedModelsGiveTheSameLogits() {
        for (String arch : new String[]{"vgg45m", "student10", "student30"}) {
            ZooNet net = Zoo.create(arch, 64, 2, 3);
            randomizeBatchNorm(net, 5);
            net.eval();
            ZooNet fused = InferenceFusion.fuse(net);
            assertTrue(fused.summary().contains("+BN+ReLU"), arch + ": nothing was fused");
            // student10's first block (dense 3x3 then 1x1) must have been composed into one conv
            if (arch.equals("student10")) assertTrue(fused.summary().contains("composed"), "student10: block 1 not composed");
            // vgg45m: every pool follows a conv+BN+ReLU and is fused into it — the direct native kernel's epilogue
            // on few input channels, the FusedConv2d call (Winograd output transform) on the 256/512-channel layers
            if (arch.equals("vgg45m")) {
                long pooled = fused.namedModules().values().stream().filter(m -> m instanceof FusedConv2d f && f.pools()).count();
                assertTrue(pooled >= 3 && count(fused, io.deepslim.nn.Layers.MaxPool2d.class) == 0, "vgg45m: pools not fused: " + fused.summary());
            }
            assertSameLogits(arch, net, fused, 64);
        }
    }

    /** vgg45m at size² with random BN statistics, every conv and Linear L1-pruned to {@code amount}, in eval mode. */
    static ZooNet prunedVgg(int size, long seed, long bnSeed, double amount) {
        ZooNet net = Zoo.create("vgg45m", size, 2, seed);
        randomizeBatchNorm(net, bnSeed);
        io.deepslim.compress.prune.Pruning.l1Local(net, amount);
        net.eval();
        return net;
    }

    @Test
    void prunedConvsFoldTheirBatchNormAndStaySparse() {
        ZooNet net = prunedVgg(64, 3, 6, 0.95);  // above every break-even, also the native Winograd one (0.895)
        ZooNet fused = InferenceFusion.fuse(net);
        long pruned = count(net, io.deepslim.compress.prune.PrunedConv2d.class);
        assertTrue(pruned >= 8, "vgg45m has 8 pruned convs, found " + pruned);
        assertEquals(pruned, count(fused, io.deepslim.compress.prune.PrunedConv2d.class), "a pruned conv was lost");
        assertEquals(0, count(fused, io.deepslim.nn.BatchNorm2d.class), "a BatchNorm after a pruned conv was not folded");
        // every ReLU and pool after a pruned conv joins its sparse call: vgg45m has 8 conv+ReLU blocks, 5 of them pooled
        assertEquals(8, count(fused, FusedPrunedConv2d.class), fused.summary());
        long pooled = fused.namedModules().values().stream().filter(m -> m instanceof FusedPrunedConv2d f && f.pools() && f.relu()).count();
        assertEquals(5, pooled, fused.summary());
        assertEquals(0, count(fused, io.deepslim.nn.Layers.MaxPool2d.class), "a pool was not fused: " + fused.summary());
        for (String f : fused.featureNames())
            assertEquals(0, count(fused.children().get(f), io.deepslim.nn.Layers.ReLU.class), f + ": a ReLU was not fused");
        assertSameLogits("pruned vgg45m", net, fused, 64);
        for (var e : fused.namedModules().entrySet()) {
            if (e.getValue() instanceof io.deepslim.compress.prune.PrunedConv2d p) {
                assertTrue(p.sparseKernel().lastChoice().startsWith("sparse-csr"), "folded layer " + e.getKey() + " ran " + p.sparseKernel().lastChoice());
            }
        }
        // the same fused layers forced dense: the backend's fused conv+ReLU(+pool) on the masked weight, same logits
        for (io.deepslim.nn.Module m : fused.namedModules().values())
            if (m instanceof io.deepslim.compress.prune.PrunedConv2d p) p.sparseKernel().mode(io.deepslim.backend.nativ.SparseKernel.Mode.DENSE);
        assertSameLogits("pruned vgg45m, fused layers forced dense", net, fused, 64);
        for (io.deepslim.nn.Module m : fused.namedModules().values())
            if (m instanceof io.deepslim.compress.prune.PrunedConv2d p) assertEquals("dense (forced)", p.sparseKernel().lastChoice());
    }

    @Test
    void prunedConvsBelowTheWinogradBreakEvenBakeDenseByDefault() {
        // 80% pruned: below the Winograd break-even, and the mixed mode (sparse on small maps) is off by default since
        // dense small maps got their own kernel: every conv is baked dense
        ZooNet net = prunedVgg(64, 3, 6, 0.8);
        ZooNet fused = InferenceFusion.fuse(net);
        assertEquals(0, count(fused, FusedPrunedConv2d.class), fused.summary());
        assertSameLogits("80%-pruned vgg45m, baked dense", net, fused, 64);
    }

    @Test
    void prunedConvsBelowTheWinogradBreakEvenRunDenseOnLargeMapsAndSparseOnSmallOnes() {
        // with -Ddeepslim.sparse.smallMapBreakEven=0.75 (the mixed mode): the seven 3x3 convs of an 80%-pruned vgg45m
        // stay pruned and route per call: at 64 px, layers 2-6 (64x64 to 16x16 maps) run their dense Winograd block and
        // never call the sparse kernel, layers 7-8 (8x8 and 4x4) run it on the small-map path; the RGB layer (the direct
        // kernel, dense below 85%) is baked
        ZooNet net = prunedVgg(64, 3, 6, 0.8);
        ZooNet fused;
        System.setProperty("deepslim.sparse.smallMapBreakEven", "0.75");
        try {
            fused = InferenceFusion.fuse(net);
        } finally {
            System.clearProperty("deepslim.sparse.smallMapBreakEven");
        }
        boolean winograd = InferenceFusion.nativeWinogradBeatsDirect(64, 64, io.deepslim.backend.ConvParams.of(1, 1, 1));
        assertEquals(7, count(fused, FusedPrunedConv2d.class), fused.summary());
        assertSameLogits("80%-pruned vgg45m", net, fused, 64);
        if (!winograd) return;
        Map<String, io.deepslim.nn.Module> mods = fused.namedModules();
        for (int layer = 2; layer <= 8; layer++) {
            FusedPrunedConv2d f = (FusedPrunedConv2d) mods.get("layer" + layer + ".0");
            assertTrue(f.sparseOnSmallMapsOnly(), "layer" + layer + ": " + fused.summary());
            String ran = f.conv().sparseKernel().lastChoice();
            if (layer <= 6) assertTrue(ran.startsWith("dense (not run yet)"), "layer" + layer + " called the sparse kernel: " + ran);
            else assertTrue(ran.startsWith("sparse-csr") && ran.contains("small-map"), "layer" + layer + ": " + ran);
        }
        // 70% pruned: below the small-map break-even too, so every conv is baked dense
        ZooNet net70 = prunedVgg(64, 3, 6, 0.7);
        System.setProperty("deepslim.sparse.smallMapBreakEven", "0.75");
        try {
            assertEquals(0, count(InferenceFusion.fuse(net70), FusedPrunedConv2d.class));
        } finally {
            System.clearProperty("deepslim.sparse.smallMapBreakEven");
        }
    }

    @Test
    void prunedPooledFusionMatchesOnEveryNativePath() {
        // whole 95%-pruned vgg45m at 96 px (a 3x3 map after the last pool), fused, each CPU path forced
        ZooNet net = prunedVgg(96, 4, 8, 0.95);
        ZooNet fused = InferenceFusion.fuse(net);
        var best = io.deepslim.backend.nativ.NativeKernels.get().orElseThrow(() -> new AssertionError("native library did not load"));
        for (int path = io.deepslim.backend.nativ.NativeKernels.PORTABLE; path <= best.bestPath(); path++) {
            var k = best.withPath(path);
            for (io.deepslim.nn.Module m : fused.namedModules().values())
                if (m instanceof io.deepslim.compress.prune.PrunedConv2d p) p.sparseKernel().use(k);
            assertSameLogits("pruned vgg45m fused, " + k.pathName(), net, fused, 96);
            for (io.deepslim.nn.Module m : fused.namedModules().values())
                if (m instanceof io.deepslim.compress.prune.PrunedConv2d p)
                    assertTrue(p.sparseKernel().lastChoice().startsWith("sparse-csr " + k.pathName()), p.sparseKernel().lastChoice());
        }
    }

    @Test
    void prunedConvsBelowBreakEvenBecomeDenseFusedConvs() {
        ZooNet net = prunedVgg(64, 3, 7, 0.6);  // 60% sparse: below every conv's break-even (68% / 75%)
        ZooNet fused = InferenceFusion.fuse(net);
        long wideBefore = 0, narrowBefore = 0;
        for (io.deepslim.nn.Module m : net.namedModules().values())
            if (m instanceof io.deepslim.compress.prune.PrunedConv2d p) {
                if (p.sparseKernel().mode() != io.deepslim.backend.nativ.SparseKernel.Mode.AUTO) continue;
                if (InferenceFusion.runsDense(p)) wideBefore++; else narrowBefore++;
            }
        assertTrue(wideBefore > 0, "expected pruned convs below the break-even: " + wideBefore + "/" + narrowBefore);
        assertEquals(narrowBefore, count(fused, io.deepslim.compress.prune.PrunedConv2d.class), "only the convs above break-even stay pruned");
        long pooled = fused.namedModules().values().stream().filter(m -> m instanceof FusedConv2d f && f.pools()).count();
        assertTrue(pooled >= 1, "dense-converted convs did not get the pool fusion: " + fused.summary());
        assertSameLogits("60%-pruned vgg45m", net, fused, 64);
    }

    static void assertSameLogits(String what, io.deepslim.nn.Module net, io.deepslim.nn.Module fused, int size) {
        Tensor x = Tensor.randn(new Random(9), 1f, 2, 3, size, size);
        try (GradMode g = GradMode.off()) {
            float[] ref = net.forward(x).toFloatArray(), got = fused.forward(x).toFloatArray();
            for (int i = 0; i < ref.length; i++) {
                // folding reorders float operations: 1e-4 relative to the logits' scale
                if (Math.abs(ref[i] - got[i]) > 1e-4 * (1 + Math.abs(ref[i]))) fail(what + " logit " + i + ": " + got[i] + " vs " + ref[i]);
            }
        }
    }

    private static long count(io.deepslim.nn.Module m, Class<?> cls) {
        return m.namedModules().values().stream().filter(cls::isInstance).count();
    }

    @Test
    void adapterAndCaeNetworksFuseTheirZooBlocksAndKeepTheRest() {
        // an adapter model with a trained-looking (non-zero) adapter: zoo blocks fuse, the adapter stays as it is
        ZooNet net = Zoo.create("student10", 32, 2, 3);
        String name = io.deepslim.transfer.Adapters.insert(net, null, 4);
        Tensor w = net.stateDict().get(name + ".out.weight");
        Random r = new Random(6);
        for (int i = 0; i < w.numel(); i++) w.buffer().put(w.offset() + i, (float) r.nextGaussian() * 0.2f);
        randomizeBatchNorm(net, 5);
        net.eval();
        ZooNet fused = InferenceFusion.fuse(net);
        assertTrue(count(fused, FusedConv2d.class) + count(fused, FusedSeparable3x3.class) > 0, "nothing was fused in the adapter model");
        assertTrue(count(fused, io.deepslim.transfer.Adapter.class) == 1 && fused.children().get(name) instanceof io.deepslim.transfer.Adapter,
                "the adapter must stay in place: " + fused.featureNames());
        assertTrue(count(net, FusedConv2d.class) + count(net, FusedSeparable3x3.class) == 0, "the source model must not be modified");
        assertSameLogits("student10+adapter", net, fused, 32);

        io.deepslim.models.CaeNet cae = new io.deepslim.models.CaeNet(32, 4, 2, 8, 2, 7);
        randomizeBatchNorm(cae, 8);
        cae.eval();
        io.deepslim.nn.Module fc = InferenceFusion.fuse(cae);
        assertTrue(fc instanceof io.deepslim.models.CaeNet, "fusion keeps the network's class");
        // the 3-channel first block runs as the direct 3x3 kernel (FusedSeparable3x3), the second as FusedConv2d
        assertTrue(count(fc, FusedConv2d.class) + count(fc, FusedSeparable3x3.class) == 2, "both encoder blocks fuse: " + fc.summary());
        assertSameLogits("cae", cae, fc, 32);
    }
}
