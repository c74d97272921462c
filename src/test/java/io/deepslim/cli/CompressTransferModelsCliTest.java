package io.deepslim.cli;

import io.deepslim.autograd.GradMode;
import io.deepslim.data.DataLoader;
import io.deepslim.data.LoaderConfig;
import io.deepslim.data.SkipLog;
import io.deepslim.data.TransformConfig;
import io.deepslim.data.synth.FakeFamily;
import io.deepslim.data.synth.SynthConfig;
import io.deepslim.data.synth.SynthGenerator;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.CaeNet;
import io.deepslim.models.Zoo;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;
import io.deepslim.train.DataSpec;
import io.deepslim.transfer.Adapter;
import io.deepslim.transfer.Adapters;
import io.deepslim.transfer.TaskData;
import io.deepslim.workflow.DataConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Adapter and CAE model files, as `deepslim transfer` writes them, go through `prune`, `quantize`
 * (dynamic and static), `factorize` and `distill` like zoo models: each output reloads, keeps its
 * adapter / CAE structure, and its logits on real test images match what the method should give
 * (pruned = the original with the stored mask applied; int8 close to fp32; full-rank SVD = original).
 */
class CompressTransferModelsCliTest {
    @TempDir static Path tmp;
    static Path data, adapter, cae;
    static TaskData test;

    @BeforeAll
    static void setUp() throws Exception {
        data = tmp.resolve("synth");
        SynthGenerator.generate(data, new SynthConfig(32, 16, 4, 8, List.of(FakeFamily.TCONV, FakeFamily.VAE8), Map.of(), 90, 7, 2), null);
        Path base = tmp.resolve("base.safetensors");
        ModelFile.save(Zoo.create("student10", 32, 2, 7), ModelInfo.of("student10", 32), base);
        adapter = transfer("adapter", "--method", "adapter", "--model", base.toString(), "--generators", "vae8", "--epochs", "2", "--lr", "0.01");
        cae = transfer("cae", "--method", "cae", "--size", "32", "--generators", "tconv", "--epochs", "2");
        DataSpec spec = new DataConfig(data, "auto", List.of("tconv", "vae8"), 0, false, false).spec(1);
        TransformConfig tf = TransformConfig.eval(32).withNormalization(ModelInfo.of("cae", 32).mean(), ModelInfo.of("cae", 32).std());
        try (DataLoader l = spec.loader(spec.evalSamples("auto"), tf, LoaderConfig.evaluation(16), new SkipLog(s -> {}))) {
            test = TaskData.fromLoader("test", l, spec.dataset().classNames());
        }
    }

    private static Path transfer(String name, String... args) {
        Path out = tmp.resolve(name + ".safetensors");
        List<String> a = new ArrayList<>(List.of("transfer"));
        a.addAll(List.of(args));
        a.addAll(List.of("--data", data.toString(), "--out", out.toString(), "--batch", "8", "--quiet"));
        CompressCliTest.Run r = CompressCliTest.cli(a.toArray(new String[0]));
        assertEquals(0, r.code(), r.err() + r.out());
        return out;
    }

    /** Runs a compression verb on {@code model} with the tiny tconv data; exit 0; returns the reloaded output. */
    private static ModelFile.Loaded compress(String name, Path model, String... args) throws Exception {
        Path out = tmp.resolve(name + ".safetensors");
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of(args[0].equals("distill") ? "--teacher" : "--model", model.toString(), "--data", data.toString(), "--generators", "tconv",
                "--out", out.toString(), "--batch", "8", "--no-progress"));
        CompressCliTest.Run r = CompressCliTest.cli(a.toArray(new String[0]));
        assertEquals(0, r.code(), name + ": " + r.err() + r.out());
        return ModelFile.load(out);
    }

    /** Logits (N × classes, row-major) on every test image (both families). */
    private static float[] logits(Module net) {
        net.eval();
        int[] idx = new int[test.count()];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        try (GradMode g = GradMode.off()) {
            return net.forward(test.images(idx)).toFloatArray();
        }
    }

    private static double maxAbs(float[] x) {
        double m = 0;
        for (float v : x) m = Math.max(m, Math.abs(v));
        return m;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    /** The structure each kind must keep through compression and reload. */
    private static void sameKind(Path original, ModelFile.Loaded m) throws Exception {
        if (original.equals(cae)) {
            assertInstanceOf(CaeNet.class, m.network());
            assertEquals("cae", m.info().arch());
        } else {
            assertEquals(1, Adapters.of(m.network()).size(), "the adapter survives: " + m.network().stateDict().keySet());
            assertInstanceOf(Adapter.class, m.model().children().get("adapter_layer5"));
        }
    }

    @Test
    void pruneGivesTheOriginalNetworkWithItsStoredMaskApplied() throws Exception {
        for (Path f : List.of(adapter, cae)) {
            Module original = ModelFile.load(f).network();
            ModelFile.Loaded p = compress("pruned-" + f.getFileName(), f, "prune", "--keep", "30");
            sameKind(f, p);
            // expected: the original's weights times the stored mask; kept weights are the original ones, unchanged
            Map<String, Tensor> pruned = p.network().stateDict(), expected = original.stateDict();
            long kept = 0, total = 0;
            int masks = 0;
            for (var e : pruned.entrySet()) {
                if (!e.getKey().endsWith(".weight_mask")) continue;
                String w = e.getKey().substring(0, e.getKey().length() - "_mask".length());
                float[] mask = e.getValue().toFloatArray(), orig = pruned.get(w + "_orig").toFloatArray();
                Tensor target = expected.get(w);
                float[] before = target.toFloatArray();
                for (int i = 0; i < mask.length; i++) {
                    if (mask[i] != 0) assertEquals(before[i], orig[i], 0f, w + "[" + i + "]: a kept weight changed");
                    target.buffer().put(target.offset() + i, before[i] * mask[i]);
                    kept += mask[i] != 0 ? 1 : 0;
                }
                total += mask.length;
                masks++;
            }
            assertTrue(masks >= 3, f + ": only " + masks + " layers pruned");
            assertEquals(0.30, kept / (double) total, 0.01, f + ": share of weights kept");
            float[] want = logits(original), got = logits(p.network());
            assertTrue(maxAbsDiff(want, got) <= 1e-4 * Math.max(1, maxAbs(want)), f + ": pruned logits differ from original ⊙ mask by " + maxAbsDiff(want, got));
        }
    }

    @Test
    void int8DynamicAndStaticStayCloseToFp32() throws Exception {
        for (Path f : List.of(adapter, cae)) {
            float[] fp32 = logits(ModelFile.load(f).network());
            double scale = maxAbs(fp32);
            assertTrue(scale > 0.05, f + ": logits all near zero, the comparison would say nothing: " + scale);
            for (String mode : List.of("dynamic-linear", "static-all")) {
                ModelFile.Loaded q = compress("q-" + mode + "-" + f.getFileName(), f, "quantize", "--mode", mode, "--granularity", "channel",
                        "--calibration-batches", "2");
                sameKind(f, q);
                assertEquals("quantize", q.info().compression().get("method"));
                assertTrue(((Number) q.info().compression().get("int8_layers")).intValue() >= (mode.equals("static-all") ? 3 : 1), q.info().compression().toString());
                float[] int8 = logits(q.network());
                // int8 weights (per-channel) and activations: within 10% of the largest fp32 logit, element by element
                double d = maxAbsDiff(fp32, int8);
                assertTrue(d <= 0.10 * scale, f + " " + mode + ": int8 logits differ by " + d + " (largest fp32 logit " + scale + ")");
                assertTrue(d > 0, f + " " + mode + ": bit-identical logits: nothing was quantized");
            }
        }
    }

    @Test
    void fullRankFactorizationReproducesTheLogitsAndDistillTakesThemAsTeacher() throws Exception {
        for (Path f : List.of(adapter, cae)) {
            int rank = 64;   // full rank of the first Linear: CAE head.0 (1024 → 64 hidden); student10 fc.1 (64 → 128)
            ModelFile.Loaded lr = compress("lr-" + f.getFileName(), f, "factorize", "--rank", String.valueOf(rank));
            sameKind(f, lr);
            float[] want = logits(ModelFile.load(f).network()), got = logits(lr.network());
            assertTrue(maxAbsDiff(want, got) <= 1e-3 * Math.max(1, maxAbs(want)), f + ": full-rank SVD changed the logits by " + maxAbsDiff(want, got));
            ModelFile.Loaded kd = compress("kd-" + f.getFileName(), f, "distill", "--student", "student10", "--epochs", "1");
            assertEquals("student10", kd.info().arch());
            assertEquals(test.count() * 2, logits(kd.network()).length);
        }
    }
}
