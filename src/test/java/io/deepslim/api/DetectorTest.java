package io.deepslim.api;

import io.deepslim.autograd.GradMode;
import io.deepslim.data.ImageDecoder;
import io.deepslim.data.Preprocessor;
import io.deepslim.data.TransformConfig;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.Zoo;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The embeddable detector against the hand-assembled pipeline it replaces (README "Using it from Java"). */
class DetectorTest {
    @TempDir static Path dir;
    static Path dense, pruned;
    static List<Path> images;

    @BeforeAll
    static void fixtures() throws Exception {
        dense = ApiFixtures.denseModel(dir, 3);
        pruned = ApiFixtures.prunedModel(dir, 4);
        images = ApiFixtures.pngFiles(dir.resolve("img"), 20, 100);
    }

    /** p_fake the long way: load, no fusion, decode, eval transform, forward, softmax. */
    static double reference(Path model, Path image) throws Exception {
        ModelFile.Loaded m = ModelFile.load(model);
        ModelInfo info = m.info();
        int s = info.inputSize();
        Preprocessor pre = new Preprocessor(TransformConfig.eval(s).withNormalization(info.mean(), info.std()), new ImageDecoder());
        float[] x = new float[3 * s * s];
        pre.load(image, new SplittableRandom(0), x, 0);
        try (GradMode g = GradMode.off(); TensorScope sc = TensorScope.open()) {
            return Ops.softmax(m.network().forward(Tensor.of(x, 1, 3, s, s)), 1).toFloatArray()[1];
        }
    }

    @Test
    void adapterAndCaeModelsLoadFusedAndGiveTheUnfusedProbabilities(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        io.deepslim.models.ZooNet a = io.deepslim.models.Zoo.create("student10", 32, 2, 12);
        io.deepslim.transfer.Adapters.insert(a, null, 13);
        io.deepslim.transfer.TransferModelFileTest.perturb(a, ".out.weight", 14);
        io.deepslim.infer.InferenceFusionTest.randomizeBatchNorm(a, 15);
        io.deepslim.models.CaeNet c = new io.deepslim.models.CaeNet(32, 4, 2, 8, 2, 16);
        io.deepslim.infer.InferenceFusionTest.randomizeBatchNorm(c, 17);
        for (io.deepslim.nn.Module net : List.<io.deepslim.nn.Module>of(a, c)) {
            Path f = tmp.resolve(net.getClass().getSimpleName() + ".safetensors");
            ModelFile.save(net, ModelInfo.of(net instanceof io.deepslim.models.CaeNet ? "cae" : "student10", 32), f);
            try (Detector d = Detector.load(f)) {
                for (Path img : images.subList(0, 4)) assertEquals(reference(f, img), d.predict(img).pFake(), 1e-4, f.getFileName() + " " + img.getFileName());
            }
        }
    }

    @Test
    void denseAndCompressedModelsGiveTheReferenceProbabilities() throws Exception {
        for (Path model : List.of(dense, pruned)) {
            try (Detector d = Detector.load(model)) {
                assertEquals(model == pruned, d.compressed());
                double lo = 1, hi = 0;
                for (Path img : images.subList(0, 6)) {
                    double want = reference(model, img);
                    Prediction p = d.predict(img);
                    assertEquals(want, p.pFake(), 1e-5, model.getFileName() + " " + img.getFileName());
                    lo = Math.min(lo, p.pFake());
                    hi = Math.max(hi, p.pFake());
                }
                assertTrue(hi - lo > 1e-4, "images must give different scores or the comparison proves little: " + lo + ".." + hi);
            }
        }
    }

    /** Class names of every module in the detector's network. */
    private static java.util.Set<String> layerTypes(Detector d) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (io.deepslim.compress.ModuleTree.Node n : io.deepslim.compress.ModuleTree.walk(d.network())) {
            out.add(n.module().getClass().getSimpleName());
        }
        return out;
    }

    @Test
    void compressedModelsRunTheFusedGraphLikeDenseOnes(@TempDir Path tmp) throws Exception {
        // a 90%-pruned and a static-int8 vgg45m: what `predict`, `serve` and an embedding app load must be the fused
        // graph the benchmarks time (pruned conv + BN + ReLU + pool in one sparse call; int8 convs with BN folded)
        Path prunedFile = ApiFixtures.compressedVgg(tmp, "prune90", 21, 32), int8File = ApiFixtures.compressedVgg(tmp, "int8", 23, 32);
        for (Path f : List.of(prunedFile, int8File)) {
            try (Detector fused = Detector.load(f); Detector plain = Detector.load(f, DetectorOptions.defaults().withFusion(false))) {
                assertTrue(fused.compressed());
                java.util.Set<String> types = layerTypes(fused);
                assertTrue(layerTypes(plain).contains("BatchNorm2d"), "the unfused network keeps its BN layers");
                assertFalse(types.contains("BatchNorm2d"), f.getFileName() + ": BN left in the fused network " + types);
                if (f == prunedFile) assertTrue(types.contains("FusedPrunedConv2d"), "no fused pruned conv: " + types);
                else assertTrue(types.contains("Int8Conv2d") && !types.contains("MaxPool2d"), "int8 convs with the pools folded in expected: " + types);
                // what this test proves is the graph the detector runs (above); random vgg45m fixtures score nearly alike
                // across images, so the numeric fused-vs-unfused checks live in InferenceFusionTest and NativeInt8FusedTest
                for (Path img : images.subList(0, 4)) {
                    // int8: BN folded into the int8 scales and codes requantized between convs round differently from
                    // the unfused float BN (NativeInt8FusedTest bounds the logits at 1% of their scale): 5e-3 on p_fake
                    assertEquals(reference(f, img), fused.predict(img).pFake(), f == int8File ? 5e-3 : 1e-4, f.getFileName() + " " + img.getFileName());
                }
            }
        }
    }

    @Test
    void parameterCountIsTheStoredModelsEvenWhenFused() throws Exception {
        // the fused layers keep their tensors as buffers: the count must come from the model as loaded
        long stored = ModelFile.load(dense).network().parameterCount();
        assertTrue(stored > 0);
        try (Detector d = Detector.load(dense)) {
            assertEquals(stored, d.parameterCount());
        }
    }

    @Test
    void everyInputKindGivesTheSameAnswer() throws Exception {
        try (Detector d = Detector.load(dense)) {
            for (Path img : images.subList(0, 4)) {
                Prediction byPath = d.predict(img);
                byte[] bytes = Files.readAllBytes(img);
                assertEquals(byPath, d.predict(bytes));
                assertEquals(byPath, d.predict(new ByteArrayInputStream(bytes)));
                assertEquals(byPath, d.predict(ImageIO.read(img.toFile())));
            }
        }
    }

    @Test
    void batchesMatchSinglePredictions() throws Exception {
        try (Detector d = Detector.load(pruned, DetectorOptions.defaults().withThreads(3))) {
            List<Prediction> batch = d.predictFiles(images); // 20 images: one full chunk of 16 and one of 4
            assertEquals(images.size(), batch.size());
            for (int i = 0; i < images.size(); i++) {
                assertEquals(d.predict(images.get(i)).pFake(), batch.get(i).pFake(), 1e-5, "image " + i);
            }
            List<Prediction> decoded = d.predictImages(List.of(ImageIO.read(images.get(5).toFile())));
            assertEquals(batch.get(5).pFake(), decoded.get(0).pFake(), 1e-5);
        }
    }

    @Test
    void thresholdDecidesTheLabel() throws Exception {
        try (Detector d = Detector.load(dense, DetectorOptions.defaults().withThreshold(0.0))) {
            Prediction p = d.predict(images.get(0));
            assertTrue(p.fake());
            assertEquals("fake", p.label());
            assertEquals(0.0, p.threshold());
            try (Detector strict = d.withThreshold(Math.nextUp(p.pFake()))) {
                Prediction q = strict.predict(images.get(0));
                assertFalse(q.fake());
                assertEquals("real", q.label());
                assertEquals(p.pFake(), q.pFake());
            }
            assertEquals(p, d.predict(images.get(0)), "closing a sibling must not free the shared model");
        }
    }

    @Test
    void closedDetectorRefusesAndSiblingsKeepTheModelAlive() throws Exception {
        Detector a = Detector.load(dense);
        Detector b = a.withThreshold(0.3);
        Prediction before = a.predict(images.get(1));
        a.close();
        a.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> a.predict(images.get(1)));
        assertEquals(before.pFake(), b.predict(images.get(1)).pFake());
        b.close();
        assertThrows(IllegalStateException.class, () -> b.predict(images.get(1)));
    }

    @Test
    void loadingInsideACallersScopeDoesNotTieTheWeightsToIt() throws Exception {
        Detector d;
        try (TensorScope s = TensorScope.open()) {
            d = Detector.load(dense);
        }
        try (d) {
            assertEquals(reference(dense, images.get(2)), d.predict(images.get(2)).pFake(), 1e-5);
        }
    }

    @Test
    void devicesAndModelsItCannotServeAreRefusedClearly() throws Exception {
        if (!io.deepslim.engine.Devices.probe("cuda").available()) {
            // no GPU here (CI): the refusal names what is missing, in one line
            UnsupportedOperationException gpu = assertThrows(UnsupportedOperationException.class,
                    () -> Detector.load(dense, DetectorOptions.defaults().withDevice("cuda")));
            assertTrue(gpu.getMessage().startsWith("device 'cuda' is not available here: "), gpu.getMessage());
            assertFalse(gpu.getMessage().contains("\n"), gpu.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Detector.load(dense, DetectorOptions.defaults().withDevice("tpu")));
        Path three = dir.resolve("three.safetensors");
        ModelFile.save(Zoo.create("student10", 64, 3, 1), new ModelInfo("student10", 64, List.of("a", "b", "c"),
                new float[]{0.5f, 0.5f, 0.5f}, new float[]{0.5f, 0.5f, 0.5f}, new java.util.LinkedHashMap<>(), new java.util.LinkedHashMap<>()), three);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Detector.load(three));
        assertTrue(e.getMessage().contains("two-class"), e.getMessage());
        assertThrows(java.io.IOException.class, () -> Detector.load(images.get(0)));
    }

    @Test
    void modelsOwnNormalizationIsUsed() throws Exception {
        Path other = dir.resolve("norm.safetensors");
        ModelFile.save(Zoo.create("student10", 64, 2, 3), ModelInfo.of("student10", 64)
                .withNormalization(new float[]{0.5f, 0.5f, 0.5f}, new float[]{0.25f, 0.25f, 0.25f}), other);
        try (Detector d = Detector.load(other)) {
            assertEquals(reference(other, images.get(3)), d.predict(images.get(3)).pFake(), 1e-5);
        }
    }
}
