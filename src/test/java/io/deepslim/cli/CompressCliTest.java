package io.deepslim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.compress.ModelStats;
import io.deepslim.compress.ModuleTree;
import io.deepslim.compress.lowrank.Factorized;
import io.deepslim.compress.prune.Pruned;
import io.deepslim.compress.quant.Int8Conv2d;
import io.deepslim.compress.quant.Int8Linear;
import io.deepslim.data.synth.FakeFamily;
import io.deepslim.data.synth.SynthConfig;
import io.deepslim.data.synth.SynthGenerator;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.Zoo;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each compression verb end to end through {@link Main#run} on a tiny synthetic dataset at 32 px. */
class CompressCliTest {
    @TempDir static Path tmp;
    static Path data, base, student3;

    static final List<String> ROW_FIELDS = List.of("accuracy", "precision", "recall", "f1", "roc_auc", "parameters", "non_zero_parameters",
            "file_bytes", "compress_seconds", "train_seconds", "total_seconds", "cpu_ms_per_image");

    @BeforeAll
    static void setUp() throws Exception {
        data = tmp.resolve("synth");
        SynthGenerator.generate(data, new SynthConfig(32, 6, 2, 3, List.of(FakeFamily.TCONV), Map.of(), 90, 5, 2), null);
        base = tmp.resolve("base.safetensors");
        ModelFile.save(Zoo.create("student20", 32, 2, 5), ModelInfo.of("student20", 32), base);
        student3 = tmp.resolve("student3.safetensors");
        ModelFile.save(Zoo.create("student10", 32, 3, 5), new ModelInfo("student10", 32, List.of("a", "b", "c"),
                ModelInfo.of("x", 32).mean(), ModelInfo.of("x", 32).std(), Map.of(), Map.of()), student3);
    }

    record Run(int code, String out, String err) {}

    static synchronized Run cli(String... args) {
        PrintStream o = System.out, e = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            int code = Main.run(args);
            return new Run(code, out.toString(), err.toString());
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
    }

    /** Runs a verb with the tiny data, requires exit 0, a loadable model and a complete JSON row. */
    static ModelFile.Loaded ok(String name, String... args) throws Exception {
        Path out = tmp.resolve(name + ".safetensors");
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--data", data.toString(), "--out", out.toString(), "--batch", "4", "--no-progress"));
        Run r = cli(a.toArray(new String[0]));
        assertEquals(0, r.code(), r.err() + r.out());
        @SuppressWarnings("unchecked")
        Map<String, Object> row = new ObjectMapper().readValue(tmp.resolve(name + ".safetensors.json").toFile(), Map.class);
        for (String f : ROW_FIELDS) assertNotNull(row.get(f), name + " row lacks " + f + ": " + row);
        assertEquals(6, ((Number) row.get("test_images")).intValue());
        ModelFile.Loaded m = ModelFile.load(out);
        assertEquals(Files.size(out), ((Number) row.get("file_bytes")).longValue());
        assertEquals(ModelStats.of(m.model()).nonZeroCount(), ((Number) row.get("non_zero_parameters")).longValue());
        return m;
    }

    @Test
    void pruneLocalWithFineTuningKeepsTenPercentAndStructuredShrinks() throws Exception {
        ModelFile.Loaded m = ok("p10", "prune", "--model", base.toString(), "--keep", "10", "--finetune-epochs", "1");
        assertInstanceOf(Pruned.class, ModuleTree.get(m.model(), "layer1.0"));
        ModelStats s = ModelStats.of(m.model());
        assertTrue(s.nonZeroCount() < 0.11 * s.parameterCount(), s.table());   // fine-tuning left the pruned weights at zero
        assertEquals("prune", m.info().compression().get("method"));
        assertTrue(Files.exists(tmp.resolve("p10.safetensors.train/train.jsonl")));
        ModelFile.Loaded st = ok("s50", "prune", "--model", base.toString(), "--method", "structured", "--amount", "0.5");
        assertTrue(ModelStats.of(st.model()).parameterCount() < 0.6 * ModelStats.of(ModelFile.load(base).model()).parameterCount());
    }

    @Test
    void distillTrainsAStudent() throws Exception {
        ModelFile.Loaded m = ok("kd10", "distill", "--teacher", base.toString(), "--student", "student10", "--epochs", "1", "--temperature", "2", "--alpha", "0.5");
        assertEquals("student10", m.info().arch());
        assertEquals("distill", m.info().compression().get("method"));
    }

    @Test
    void quantizeDynamicAndStatic() throws Exception {
        ModelFile.Loaded d = ok("q-dyn", "quantize", "--model", base.toString());
        assertInstanceOf(Int8Linear.class, ModuleTree.get(d.model(), "fc.1"));
        ModelFile.Loaded s = ok("q-all", "quantize", "--model", base.toString(), "--mode", "static-all", "--granularity", "channel", "--calibration-batches", "2");
        assertInstanceOf(Int8Conv2d.class, ModuleTree.get(s.model(), "layer1.0"));
        assertTrue(Files.size(tmp.resolve("q-all.safetensors")) < 0.3 * Files.size(base));
    }

    @Test
    void factorizeCorrectWithFineTuningAndPaperVariant() throws Exception {
        ModelFile.Loaded m = ok("lr6", "factorize", "--model", base.toString(), "--rank", "6", "--finetune-epochs", "1");
        assertInstanceOf(Factorized.class, ModuleTree.get(m.model(), "fc.1"));
        assertEquals(6, ModelStats.of(m.model()).rows().stream().filter(r -> r.name().equals("fc.1")).findFirst().orElseThrow().rank());
        ok("lr-paper", "factorize", "--model", base.toString(), "--energy", "0.9", "--variant", "paper");
    }

    @Test
    void infoPrintsLayerRowsAndTotals() throws Exception {
        ok("p30", "prune", "--model", base.toString(), "--keep", "30");
        Run r = cli("info", tmp.resolve("p30.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*\\| layer1\\.0 \\| PrunedConv2d \\| \\[32, 3, 3, 3] \\| 70\\.\\d% \\| F32 sparse \\|.*"), r.out());
        assertTrue(r.out().contains("non-zero") && r.out().contains("file bytes"), r.out());
    }

    @Test
    void experimentWritesTheTable() throws Exception {
        Path out = tmp.resolve("exp");
        Run r = cli("experiment", "compress", "--baseline", base.toString(), "--data", data.toString(), "--out", out.toString(), "--levels", "10",
                "--finetune-epochs", "1", "--distill-epochs", "1", "--calibration-batches", "1", "--batch", "4", "--no-progress", "--skip", "lowrank");
        assertEquals(0, r.code(), r.err());
        String table = Files.readString(out.resolve("table.md"));
        for (String step : List.of("baseline", "prune10-ft", "prune10", "kd-student10", "int8-dynamic-linear", "int8-static-all")) {
            assertTrue(table.contains("| " + step + " |"), table);
        }
        assertEquals(6, new ObjectMapper().readTree(out.resolve("rows.json").toFile()).size());
    }

    /** Bad input: exit code 2 and one error line naming the problem, before any model file is written. */
    static void bad(String mustContain, String... args) {
        Path out = tmp.resolve("bad.safetensors");
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--data", data.toString(), "--out", out.toString(), "--batch", "4", "--no-progress"));
        Run r = cli(a.toArray(new String[0]));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(mustContain), r.err());
        assertTrue(!Files.exists(out), "no output for bad input");
    }

    @Test
    void badInputIsRejectedBeforeAnyWork() {
        bad("--amount must be in (0, 1), got 1.5", "prune", "--model", base.toString(), "--amount", "1.5");
        bad("--amount must be in (0, 1), got 0.0", "prune", "--model", base.toString(), "--amount", "0");
        bad("--keep must be a percent", "prune", "--model", base.toString(), "--keep", "100");
        bad("no layer named 'fc.9'", "factorize", "--model", base.toString(), "--layer", "fc.9");
        bad("rank 100000", "factorize", "--model", base.toString(), "--rank", "100000");
        bad("the student's classes [a, b, c] differ from the teacher's [real, fake]", "distill", "--teacher", base.toString(), "--student", student3.toString());
        bad("calibration wants 100 batches of 4 images", "quantize", "--model", base.toString(), "--mode", "static-all", "--calibration-batches", "100");
        bad("does not exist", "quantize", "--model", tmp.resolve("none.safetensors").toString());
        bad("generator 'vae8' not in", "prune", "--model", base.toString(), "--generators", "vae8");
    }

    @Test
    void calibrationOfTheWrongSizeIsNamed() {
        var net = Zoo.create("student10", 32, 2, 9);
        String msg = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> io.deepslim.compress.quant.Quantizer.all(net,
                List.of(Tensor.zeros(2, 3, 64, 64)), io.deepslim.compress.quant.Granularity.PER_TENSOR,
                io.deepslim.compress.quant.Observer::minMax)).getMessage();
        assertTrue(msg.contains("calibration batches of the wrong shape"), msg);
    }
}
