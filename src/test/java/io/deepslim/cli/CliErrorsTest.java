package io.deepslim.cli;

import io.deepslim.data.synth.FakeFamily;
import io.deepslim.data.synth.SynthConfig;
import io.deepslim.data.synth.SynthGenerator;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.Zoo;
import io.deepslim.workflow.PlainProgressListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 10's command-line defects: ranges, paths, parse errors, help warnings, progress in redirected output. */
class CliErrorsTest {
    @TempDir static Path tmp;
    static Path data, model;

    @BeforeAll
    static void setUp() throws Exception {
        data = tmp.resolve("synth");
        SynthGenerator.generate(data, new SynthConfig(32, 6, 2, 3, List.of(FakeFamily.TCONV), Map.of(), 90, 5, 2), null);
        model = tmp.resolve("m.safetensors");
        ModelFile.save(Zoo.create("student10", 32, 2, 5), ModelInfo.of("student10", 32), model);
    }

    /** Runs the CLI with both System streams captured (picocli's warnings and the listeners write to System.err). */
    static CompressCliTest.Run cli(String... args) { return CompressCliTest.cli(args); }

    static void fails(String mustContain, String... args) {
        CompressCliTest.Run r = cli(args);
        assertEquals(2, r.code(), r.err() + r.out());
        assertTrue(r.err().contains("error: ") && r.err().contains(mustContain), "expected '" + mustContain + "' in: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    /** --device: an unknown name, or a GPU this machine cannot use, is one line naming the reason (exit 2). */
    @Test
    void devicesThatCannotBeUsedAreOneLine() {
        String img = data.resolve("test/tconv/1_fake/000000.jpg").toString();
        fails("unknown device 'tpu'; use cpu or cuda", "predict", "--model", model.toString(), "--device", "tpu", img);
        org.junit.jupiter.api.Assumptions.assumeFalse(io.deepslim.engine.Devices.probe("cuda").available(), "a GPU is usable here");
        for (String[] args : new String[][]{{"predict", "--model", model.toString(), "--device", "cuda", img},
                {"evaluate", "--model", model.toString(), "--data", data.toString(), "--device", "cuda"},
                {"train", "--data", data.toString(), "--arch", "student10", "--size", "32", "--epochs", "1", "--device", "cuda",
                        "--out", tmp.resolve("tcuda").toString()},
                {"bench", "--device", "cuda", "--no-layers", "--size", "32", "--models", "student10"},
                {"prune", "--model", model.toString(), "--data", data.toString(), "--amount", "0.5", "--finetune-epochs", "1",
                        "--device", "cuda", "--out", tmp.resolve("pcuda.safetensors").toString()},
                {"transfer", "--model", model.toString(), "--data", data.toString(), "--method", "finetune", "--device", "cuda",
                        "--out", tmp.resolve("trcuda").toString()},
                {"serve", "--model", model.toString(), "--port", "0", "--device", "cuda"}}) {
            fails("device 'cuda' is not available here: ", args);
        }
        assertFalse(Files.exists(tmp.resolve("tcuda/model.safetensors")), "nothing trained");
    }

    @Test
    void numericOptionsOutOfRangeAreExitTwo() {
        String img = data.resolve("test/tconv/1_fake/000000.jpg").toString();
        fails("--threshold must be a probability in [0, 1], got NaN", "predict", "--model", model.toString(), "--threshold", "NaN", img);
        fails("--threshold must be a probability in [0, 1], got 2.0", "predict", "--model", model.toString(), "--threshold", "2", img);
        fails("--workers must be ≥ 0", "evaluate", "--model", model.toString(), "--data", data.toString(), "--workers", "-1");
        fails("--patience must be ≥ 0", "train", "--data", data.toString(), "--arch", "student10", "--size", "32", "--patience", "-1",
                "--out", tmp.resolve("t").toString());
        fails("--epochs must be > 0", "train", "--data", data.toString(), "--epochs", "0", "--out", tmp.resolve("t").toString());
        fails("--lr must be", "prune", "--model", model.toString(), "--data", data.toString(), "--lr", "NaN", "--out", tmp.resolve("p.safetensors").toString());
        fails("--batch must be > 0", "evaluate", "--model", model.toString(), "--data", data.toString(), "--batch", "0");
        fails("--jpeg must be 0 (PNG) or a quality in 1..100, got 101", "synth", "--out", tmp.resolve("s").toString(), "--jpeg", "101");
        fails("--strength must be in [0, 1], got NaN", "synth", "--out", tmp.resolve("s").toString(), "--strength", "NaN");
        fails("--threads must be > 0", "synth", "--out", tmp.resolve("s").toString(), "--threads", "0");
        fails("--warmup must be ≥ 0, got -1", "bench", "--warmup", "-1");
        fails("--rank must be > 0, got 0", "factorize", "--model", model.toString(), "--data", data.toString(), "--rank", "0",
                "--out", tmp.resolve("f.safetensors").toString());
        fails("--calibration-batches must be > 0", "quantize", "--model", model.toString(), "--data", data.toString(), "--calibration-batches", "0",
                "--out", tmp.resolve("q.safetensors").toString());
        assertFalse(Files.exists(tmp.resolve("t")) || Files.exists(tmp.resolve("s")), "nothing written for bad input");
    }

    @Test
    void badPathsSayWhatIsWrong() throws Exception {
        fails("--model: model file " + tmp.resolve("nope.safetensors") + " does not exist", "predict", "--model", tmp.resolve("nope.safetensors").toString(),
                data.resolve("test/tconv/1_fake/000000.jpg").toString());
        fails(tmp + " is a folder; expected a model file", "evaluate", "--model", tmp.toString(), "--data", data.toString());
        fails("is a folder; expected a model file", "info", tmp.toString());
        Path file = tmp.resolve("plain.txt");
        Files.writeString(file, "x");
        fails("--out: " + file + " is an existing file; expected a folder", "train", "--data", data.toString(), "--arch", "student10", "--size", "32",
                "--out", file.toString());
        fails("--out: " + file + " is an existing file; expected a folder", "evaluate", "--model", model.toString(), "--data", data.toString(),
                "--out", file.toString());
        fails("--out: " + tmp + " is a folder; expected a file name", "quantize", "--model", model.toString(), "--data", data.toString(), "--out", tmp.toString());
        assertEquals("x", Files.readString(file));
    }

    @Test
    void parseErrorsPrintTheErrorAndOneHint() {
        CompressCliTest.Run r = cli("train", "--epochs", "three");
        assertEquals(2, r.code());
        List<String> lines = r.err().lines().toList();
        assertTrue(lines.get(0).startsWith("error: ") && lines.get(0).contains("three"), r.err());
        assertEquals("try 'deepslim train --help'", lines.get(lines.size() - 1), r.err());
        assertTrue(lines.size() <= 3 && !r.err().contains("Usage:"), "no full usage: " + r.err());

        r = cli("evaluate", "--model", model.toString(), "--data", data.toString(), "--bach", "4");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: Unknown option") && r.err().contains("'--bach'") && r.err().contains("Possible solutions: --batch") && r.err().endsWith("try 'deepslim evaluate --help'" + System.lineSeparator()), r.err());
        assertFalse(r.err().contains("Usage:"), r.err());

        r = cli("prune", "--keep", "10");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: Missing required options") && r.err().lines().count() == 2, r.err());
    }

    @Test
    void helpPrintsNoPicocliWarnings() {
        for (String[] args : new String[][]{{"prune", "--help"}, {"quantize", "--help"}, {"experiment", "compress", "--help"}, {"distill", "--help"},
                {"factorize", "--help"}, {"train", "--help"}, {"evaluate", "--help"}, {"demo", "--help"}, {"synth", "--help"}}) {
            CompressCliTest.Run r = cli(args);
            assertEquals(0, r.code(), String.join(" ", args));
            assertFalse(r.err().contains("[picocli WARN]"), String.join(" ", args) + ": " + r.err());
            assertTrue(r.out().contains("Usage:"), r.out());
        }
        assertTrue(cli("prune", "--help").out().contains("90%-pruned"));
    }

    @Test
    void redirectedOutputGetsPlainProgressLines() throws Exception {
        assertInstanceOf(PlainProgressListener.class, ConsoleListener.choose(false, false), "not a terminal: plain lines");
        assertInstanceOf(PlainProgressListener.class, ConsoleListener.choose(true, true), "--no-progress: plain lines");
        assertInstanceOf(ConsoleListener.class, ConsoleListener.choose(false, true), "a terminal: the bar");
        // under surefire System.console() is null, as with `deepslim ... > log`: no bar redraws even without --no-progress
        CompressCliTest.Run r = cli("evaluate", "--model", model.toString(), "--data", data.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("evaluate: 100% (6/6 img)"), r.err());
        assertFalse(r.err().contains("\r") || r.err().contains("\u001b"), "escape sequences in redirected output: " + r.err());
    }
}
