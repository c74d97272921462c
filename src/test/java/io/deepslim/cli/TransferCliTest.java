package io.deepslim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.data.synth.FakeFamily;
import io.deepslim.data.synth.SynthConfig;
import io.deepslim.data.synth.SynthGenerator;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.transfer.Adapter;
import io.deepslim.transfer.Adapters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `deepslim transfer` end to end on a tiny two-family synthetic dataset at 32 px, one epoch per run. */
class TransferCliTest {
    @TempDir static Path tmp;
    static Path data, base;

    @BeforeAll
    static void setUp() throws Exception {
        data = tmp.resolve("synth");
        SynthGenerator.generate(data, new SynthConfig(32, 8, 2, 4, List.of(FakeFamily.TCONV, FakeFamily.VAE8), Map.of(), 90, 5, 2), null);
        base = tmp.resolve("base.safetensors");
        ModelFile.save(Zoo.create("student10", 32, 2, 5), ModelInfo.of("student10", 32), base);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> ok(String name, String... args) throws Exception {
        Path out = tmp.resolve(name + ".safetensors");
        List<String> a = new ArrayList<>(List.of("transfer"));
        a.addAll(List.of(args));
        a.addAll(List.of("--data", data.toString(), "--generators", "vae8", "--source-generators", "tconv", "--out", out.toString(),
                "--batch", "8", "--epochs", "1", "--quiet"));
        CompressCliTest.Run r = CompressCliTest.cli(a.toArray(new String[0]));
        assertEquals(0, r.code(), r.err() + r.out());
        return new ObjectMapper().readValue(tmp.resolve(name + ".safetensors.json").toFile(), Map.class);
    }

    @Test
    void adapterRunWritesARowAndAnAdapterModelThatLoadsBack() throws Exception {
        Map<String, Object> row = ok("adapter", "--method", "adapter", "--model", base.toString());
        for (String f : List.of("target_accuracy_before", "target_accuracy", "source_accuracy_before", "source_accuracy_after", "forgetting",
                "trainable_parameters", "parameters", "train_seconds", "images_per_s")) {
            assertNotNull(row.get(f), "row lacks " + f + ": " + row);
        }
        assertEquals("adapter_layer5", row.get("adapter"));
        assertTrue(((Number) row.get("trainable_parameters")).longValue() < ((Number) row.get("parameters")).longValue() / 2);
        ModelFile.Loaded m = ModelFile.load(tmp.resolve("adapter.safetensors"));
        assertEquals(1, Adapters.of(m.model()).size());
        assertTrue(m.model().featureNames().contains("adapter_layer5"));
        // the reloaded model predicts what the saved one did: it evaluates to the same accuracy through the CLI's own reader
        Map<String, Object> again = ok("adapter-again", "--method", "finetune", "--model", tmp.resolve("adapter.safetensors").toString(),
                "--train-layers", "regex:fc1\\..*", "--lr", "1e-9");
        assertEquals(row.get("target_accuracy"), again.get("target_accuracy_before"));
        assertTrue(m.model().children().get("adapter_layer5") instanceof Adapter);
    }

    @Test
    void fretalAndPruneFinetuneAndCaeRun() throws Exception {
        Map<String, Object> f = ok("fretal", "--method", "fretal", "--model", base.toString());
        assertNotNull(f.get("fretal_bins_filled"));
        Map<String, Object> p = ok("prune", "--method", "prune-finetune", "--keep", "0.2", "--model", base.toString());
        assertTrue(((Number) p.get("non_zero_parameters")).longValue() < 0.3 * ((Number) p.get("parameters")).longValue());
        ZooNet reloaded = ModelFile.load(tmp.resolve("prune.safetensors")).model();
        assertNotNull(reloaded);
        // two files named alike in two folders (as experiment cells write them): bench labels each with its folder
        Path cellA = Files.createDirectories(tmp.resolve("cellA")), cellB = Files.createDirectories(tmp.resolve("cellB"));
        Files.copy(tmp.resolve("prune.safetensors"), cellA.resolve("model.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(tmp.resolve("fretal.safetensors"), cellB.resolve("model.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CompressCliTest.Run b = CompressCliTest.cli("bench", "--no-layers", "--warmup", "0", "--reps", "1", "--models",
                cellA.resolve("model.safetensors") + "," + cellB.resolve("model.safetensors"));
        assertEquals(0, b.code(), b.err() + b.out());
        assertTrue(b.out().contains("| cellA/model.safetensors fused forward @32") && b.out().contains("| cellB/model.safetensors fused forward @32"), b.out());
        Map<String, Object> c = ok("cae", "--method", "cae", "--size", "32", "--cae-width", "4", "--cae-depth", "2");
        assertEquals("cae", c.get("arch"));
        assertTrue(ModelFile.load(tmp.resolve("cae.safetensors")).network() instanceof io.deepslim.models.CaeNet);
    }

    /** evaluate's accuracy on the same task-B test images (no limits: the same samples) equals what transfer measured before saving. */
    @SuppressWarnings("unchecked")
    private static void evaluatePredictInfoRead(String name, Map<String, Object> row, String mustList) throws Exception {
        Path model = tmp.resolve(name + ".safetensors"), out = tmp.resolve(name + "-eval");
        CompressCliTest.Run e = CompressCliTest.cli("evaluate", "--model", model.toString(), "--data", data.toString(), "--generators", "vae8",
                "--out", out.toString(), "--no-progress");
        assertEquals(0, e.code(), e.err() + e.out());
        Map<String, Object> metrics = new ObjectMapper().readValue(out.resolve("metrics.json").toFile(), Map.class);
        double acc = ((Number) ((Map<String, Object>) metrics.get("overall")).get("accuracy")).doubleValue();
        assertEquals(((Number) row.get("target_accuracy")).doubleValue(), acc, 1e-4, name + ": the reloaded model evaluates as the trained one did");
        List<Path> images;
        try (var files = Files.walk(data)) {
            images = files.filter(p -> p.toString().matches(".*\\.(png|jpg)")).limit(3).toList();
        }
        assertEquals(3, images.size());
        List<String> args = new ArrayList<>(List.of("predict", "--model", model.toString()));
        images.forEach(p -> args.add(p.toString()));
        CompressCliTest.Run p = CompressCliTest.cli(args.toArray(new String[0]));
        assertEquals(0, p.code(), p.err() + p.out());
        assertEquals(4, p.out().strip().split("\n").length, p.out());
        for (String line : p.out().strip().split("\n")) if (!line.startsWith("image")) assertTrue(line.matches(".*\\t\\S+\\t[01]\\.\\d{4}"), line);
        CompressCliTest.Run b = CompressCliTest.cli("bench", "--no-layers", "--warmup", "0", "--reps", "1", "--batch", "1", "--models", model.toString());
        assertEquals(0, b.code(), b.err() + b.out());
        assertTrue(b.out().contains(name + ".safetensors fused forward @32"), b.out());
        CompressCliTest.Run i = CompressCliTest.cli("info", model.toString());
        assertEquals(0, i.code(), i.err() + i.out());
        assertTrue(i.out().contains(mustList), i.out());
    }

    @Test
    void adapterAndCaeModelsAreReadByEvaluatePredictAndInfo() throws Exception {
        Map<String, Object> a = ok("adapter-e2e", "--method", "adapter", "--model", base.toString());
        evaluatePredictInfoRead("adapter-e2e", a, "adapter_layer5.pw");
        Map<String, Object> c = ok("cae-e2e", "--method", "cae", "--size", "32", "--cae-width", "4", "--cae-depth", "2");
        evaluatePredictInfoRead("cae-e2e", c, "decoder.0");
    }

    @Test
    void badInputExitsWith2BeforeTraining() throws Exception {
        String[][] bad = {
                {"--method", "adapter", "--adapter-after", "layer9", "--model", base.toString()},
                {"--method", "finetune", "--train-layers", "regex:nope.*", "--model", base.toString()},
                {"--method", "finetune", "--train-layers", "lastconv", "--model", base.toString()},
                {"--method", "kd-adapter", "--model", base.toString()},
                {"--method", "teleport", "--model", base.toString()},
                {"--method", "finetune", "--model", tmp.resolve("missing.safetensors").toString()},
        };
        String[] expect = {"layer9", "matches no parameter", "--train-layers", "--student-model", "--method", "does not exist"};
        for (int i = 0; i < bad.length; i++) {
            List<String> a = new ArrayList<>(List.of("transfer"));
            a.addAll(List.of(bad[i]));
            a.addAll(List.of("--data", data.toString(), "--generators", "vae8", "--out", tmp.resolve("bad.safetensors").toString(), "--quiet"));
            CompressCliTest.Run r = CompressCliTest.cli(a.toArray(new String[0]));
            assertEquals(2, r.code(), String.join(" ", bad[i]) + ": " + r.err());
            assertTrue(r.err().contains(expect[i]), r.err());
            assertFalse(r.err().contains("epoch"), "no training before the error: " + r.err());
        }
        Path other = tmp.resolve("size64.safetensors");
        ModelFile.save(Zoo.create("student10", 64, 2, 5), ModelInfo.of("student10", 64), other);
        CompressCliTest.Run r = CompressCliTest.cli("transfer", "--method", "kd", "--model", base.toString(), "--student-model", other.toString(), "--data", data.toString(),
                "--generators", "vae8", "--out", tmp.resolve("bad.safetensors").toString(), "--quiet");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("64 px") && r.err().contains("32 px"), r.err());
    }
}
