package io.deepslim.infer;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.nativ.NativeKernels;
import io.deepslim.backend.nativ.SeparableKernel;
import io.deepslim.backend.nativ.SmallMapConvKernel;
import io.deepslim.backend.nativ.WinogradKernel;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Depth-first execution of a fused detector's blocks (DepthFirstRunner): same logits, chunks really run, maps released. */
class FeatureRunnerTest {
    /**
     * vgg45m at 64²: per-sample outputs of layer1..4 are 1 MiB, 256 KiB, 512 KiB, 128 KiB, so with
     * 200 000 bytes the segment is layer1-4; the widest block (layer2: 1 MiB in + 256 KiB out) gives
     * 2 samples per chunk at 2.7 MB.
     */
    private static final DepthFirstRunner.Rule SMALL = new DepthFirstRunner.Rule(200_000, 2_700_000);

    private static float[] logits(ZooNet net, Tensor x) {
        try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
            return net.forward(x).toFloatArray();
        }
    }

    @Test
    void chunkedGraphGivesTheLayerByLayerLogits() {
        ZooNet src = Zoo.create("vgg45m", 64, 2, 3);
        InferenceFusionTest.randomizeBatchNorm(src, 5);
        src.eval();
        ZooNet plain = InferenceFusion.fuse(src, false);
        ZooNet chunked = InferenceFusion.fuse(src, false);
        DepthFirstRunner runner = new DepthFirstRunner(SMALL);
        chunked.setFeatureRunner(runner);
        for (int batch : new int[]{1, 3, 8}) {
            Tensor x = Tensor.randn(new Random(batch), 1f, batch, 3, 64, 64);
            float[] want = logits(plain, x);
            assertEquals(new DepthFirstRunner.Plan(4, 2), runner.planFor(chunkedBlocks(chunked), x), "plan at 64²");
            long before = SeparableKernel.calls() + WinogradKernel.calls() + SmallMapConvKernel.calls();
            float[] got = logits(chunked, x);
            long calls = SeparableKernel.calls() + WinogradKernel.calls() + SmallMapConvKernel.calls() - before;
            // the same kernels on fewer samples; the Winograd layer's GEMM blocking depends on the batch, which
            // moves a logit by about one float ulp (measured: 0.08261137 vs 0.08261138), hence 1e-5 relative
            float scale = 0;
            for (float v : want) scale = Math.max(scale, Math.abs(v));
            assertArrayEquals(want, got, 1e-5f * scale, "batch " + batch);
            if (InferenceFusion.nativeWinogradBeatsDirect(64, 64, io.deepslim.backend.ConvParams.of(1, 1, 1))) {
                // every layer is a native call (layer1 the direct kernel, layers 2-7 native Winograd, layer 8 on its 4x4 map the
                // small-map kernel); the chunked
                // layers 1-4 run once per chunk (ceil(batch / 2) chunks; batch 1 unchunked), layers 5-8 once
                assertEquals(4L * ((batch + 1) / 2) + 4, calls, "native kernel calls at batch " + batch);
            }
        }
    }

    @Test
    void sharedChunkedModelGivesTheSameLogitsOnEveryThread() throws Exception {
        ZooNet net = InferenceFusion.fuse(Zoo.create("vgg45m", 64, 2, 4), false);
        net.setFeatureRunner(new DepthFirstRunner(SMALL));
        List<Tensor> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            inputs.add(Tensor.randn(new Random(10 + i), 1f, 3 + i % 2, 3, 64, 64));
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            // the first calls race on the plan cache too
            List<java.util.concurrent.Future<float[]>> first = new ArrayList<>();
            for (Tensor x : inputs) first.add(pool.submit(() -> logits(net, x)));
            for (java.util.concurrent.Future<float[]> f : first) expected.add(f.get());
            List<java.util.concurrent.Future<Void>> jobs = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int offset = t;
                jobs.add(pool.submit(() -> {
                    for (int r = 0; r < 3; r++) {
                        int i = (r + offset) % inputs.size();
                        assertArrayEquals(expected.get(i), logits(net, inputs.get(i)), 0f, "input " + i + " on a shared chunked model");
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<Void> f : jobs) f.get();
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < inputs.size(); i++) assertArrayEquals(expected.get(i), logits(net, inputs.get(i)), 0f, "input " + i + " afterwards");
    }

    @Test
    void segmentEndsBeforeABlockNotKnownToTreatSamplesIndependently() {
        ZooNet net = InferenceFusion.fuse(Zoo.create("vgg45m", 64, 2, 1), false);
        List<Module> blocks = chunkedBlocks(net);
        Module second = blocks.get(1);
        blocks.set(1, new Module() {  // e.g. a layer that picks a scale from the whole batch
            @Override
            public Tensor forward(Tensor x) { return second.forward(x); }
        });
        // layer1 (12 KiB in + 1 MiB out per sample) alone is chunked: 2.7 MB / 1.06 MB → 2 samples
        assertEquals(new DepthFirstRunner.Plan(1, 2), new DepthFirstRunner(SMALL).planFor(blocks, Tensor.zeros(1, 3, 64, 64)));
        blocks.set(0, blocks.get(1));
        assertEquals(new DepthFirstRunner.Plan(0, 1), new DepthFirstRunner(SMALL).planFor(blocks, Tensor.zeros(1, 3, 64, 64)));
    }

    @Test
    void defaultRuleLeavesSmallMapsBatchedAndChunksVgg45mAt224() {
        DepthFirstRunner.Rule rule = new DepthFirstRunner.Rule(2L << 20, 16L << 20);
        ZooNet small = InferenceFusion.fuse(Zoo.create("vgg45m", 64, 2, 1), false);
        assertEquals(new DepthFirstRunner.Plan(0, 1), new DepthFirstRunner(rule).planFor(chunkedBlocks(small), Tensor.zeros(2, 3, 64, 64)),
                "64²: no map reaches 2 MiB per sample");
        ZooNet big = InferenceFusion.fuse(Zoo.create("vgg45m", 224, 2, 1), false);
        // outputs per sample 12.8, 3.2, 6.4, 1.6 MB: layer1-4; widest layer2 (12.8 + 3.2 MB) → 1 sample per chunk
        assertEquals(new DepthFirstRunner.Plan(4, 1), new DepthFirstRunner(rule).planFor(chunkedBlocks(big), Tensor.zeros(1, 3, 224, 224)));
    }

    /** Host bytes a forward of net on x holds at its peak, beyond what was live before (after a warm-up call). */
    private static long footprint(ZooNet net, Tensor x) {
        logits(net, x);
        long before = io.deepslim.tensor.Storage.hostBytesLive();
        io.deepslim.tensor.Storage.resetHostBytesPeak();
        logits(net, x);
        return io.deepslim.tensor.Storage.hostBytesPeak() - before;
    }

    @Test
    void depthFirstCallHoldsFarLessMemoryThanLayerByLayer() {
        ZooNet src = Zoo.create("vgg45m", 64, 2, 3);
        ZooNet plain = InferenceFusion.fuse(src, false), chunked = InferenceFusion.fuse(src, false);
        chunked.setFeatureRunner(new DepthFirstRunner(SMALL));
        Tensor x = Tensor.randn(new Random(7), 1f, 8, 3, 64, 64);
        // layer-by-layer keeps every map of the call (≈ 2.25 MB per sample at 64²); depth-first holds a chunk's maps
        // and the released blocks are reused, so its peak must be well under half
        long lbl = footprint(plain, x), df = footprint(chunked, x);
        assertTrue(lbl > 8 * 2_000_000L, "layer-by-layer footprint " + lbl + " bytes: the measurement missed the maps");
        assertTrue(df < lbl / 2, "depth-first footprint " + df + " bytes vs layer-by-layer " + lbl);
    }

    @Test
    void consumedMapsAreReleasedButNotTheInputOrTheResult() {
        List<Tensor> outputs = new ArrayList<>();
        Module twice = doubling(outputs);
        Module same = new Module() {
            @Override
            public Tensor forward(Tensor x) { return x; }
        };
        DepthFirstRunner runner = new DepthFirstRunner(DepthFirstRunner.Rule.OFF);
        Tensor x = Tensor.full(1f, 2, 3, 4, 4);
        Tensor y;
        try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
            y = runner.run(List.of(same, twice, same, twice, twice), x);
            assertTrue(outputs.get(0).storage().isReleased(), "first map kept after the next block consumed it");
            assertTrue(outputs.get(1).storage().isReleased(), "second map kept after the next block consumed it");
            assertFalse(x.storage().isReleased(), "the caller's input was freed");
            assertFalse(y.storage().isReleased(), "the result was freed");
            assertEquals(8f, y.get(1, 2, 3, 3), 0f);
            s.keep(y);
        }
        assertFalse(y.storage().isReleased(), "the result did not reach the caller's scope");
    }

    @Test
    void withGradientsOnNothingIsReleased() {
        List<Tensor> outputs = new ArrayList<>();
        Module twice = doubling(outputs);
        Tensor x = Tensor.full(1f, 1, 1, 2, 2);
        try (TensorScope s = TensorScope.open()) {
            Tensor y = new DepthFirstRunner(SMALL).run(List.of(twice, twice), x);
            assertFalse(outputs.get(0).storage().isReleased(), "an intermediate was freed while gradients are on");
            assertEquals(4f, y.get(0, 0, 1, 1), 0f);
        }
    }

    /** A block computing 2x, recording each output it makes in {@code outputs}. */
    private static Module doubling(List<Tensor> outputs) {
        return new Module() {
            @Override
            public Tensor forward(Tensor x) {
                Tensor y = x.mul(2f);
                outputs.add(y);
                return y;
            }
        };
    }

    private static List<Module> chunkedBlocks(ZooNet net) {
        List<Module> out = new ArrayList<>();
        for (String f : net.featureNames()) out.add(net.children().get(f));
        return out;
    }
}
