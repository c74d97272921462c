package io.deepslim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The train → evaluate → predict → info workflow through the CLI, on a tiny synthetic dataset. */
class TrainCliTest {
    @TempDir static Path tmp;
    static Path data;

    record Run(int code, String out, String err) {}

    /** Runs the CLI in-process; {@code err} holds picocli's error stream and then System.err (training messages). */
    static Run cli(String... args) {
        StringWriter err = new StringWriter();
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), sysErr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(sysErr, true));
        try {
            int code = Main.run(new PrintWriter(err, true), args);
            return new Run(code, out.toString(), err + sysErr.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @BeforeAll
    static void synth() {
        data = tmp.resolve("synth");
        Run r = cli("synth", "--out", data.toString(), "--size", "32", "--train", "24", "--val", "6", "--test", "8",
                "--families", "tconv,blend", "--seed", "4", "--no-progress");
        assertEquals(0, r.code(), r.err());
    }

    static String[] train(Path out, int epochs, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--generators", "tconv", "--arch", "student10",
                "--size", "32", "--epochs", String.valueOf(epochs), "--batch", "8", "--patience", "0", "--workers", "2",
                "--out", out.toString(), "--no-progress"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    /** All model tensors of a checkpoint, concatenated in name order. */
    static float[] checkpointWeights(Path dir) throws Exception {
        try (SafeTensors st = SafeTensors.open(dir.resolve("checkpoint.safetensors"))) {
            List<Float> all = new ArrayList<>();
            for (String n : new java.util.TreeSet<>(st.names())) if (n.startsWith("model.")) for (float f : st.floats(n)) all.add(f);
            float[] out = new float[all.size()];
            for (int i = 0; i < out.length; i++) out[i] = all.get(i);
            return out;
        }
    }

    @Test
    void trainEvaluatePredictInfo() throws Exception {
        Path run = tmp.resolve("a");
        Run t = cli(train(run, 2));
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("best validation accuracy"), t.out());
        assertEquals(2, Files.readAllLines(run.resolve("train.jsonl")).size());
        Path model = run.resolve("model.safetensors");

        Path evalDir = tmp.resolve("eval");
        Run e = cli("evaluate", "--model", model.toString(), "--data", data.toString(), "--out", evalDir.toString(), "--no-progress");
        assertEquals(0, e.code(), e.err());
        JsonNode m = new ObjectMapper().readTree(evalDir.resolve("metrics.json").toFile());
        assertEquals(32, m.path("overall").path("n").asInt(), "test split: 8 per class × 2 families");
        assertTrue(m.path("per_generator").has("tconv") && m.path("per_generator").has("blend"));
        assertTrue(Files.size(evalDir.resolve("roc.png")) > 1000);
        assertTrue(e.out().contains("| tconv |") && e.out().contains("| blend |"), e.out());

        Path img = data.resolve("test/tconv/1_fake/000000.jpg");
        Path broken = tmp.resolve("broken.png");
        Files.write(broken, new byte[]{1, 2, 3});
        Run p = cli("predict", "--model", model.toString(), img.toString(), broken.toString());
        assertEquals(1, p.code(), "one unreadable image → exit 1");
        assertTrue(p.out().contains(img + "\t"), p.out());

        Run i = cli("info", model.toString());
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("arch: student10") && i.out().contains("layer5.1"), i.out());
    }

    @Test
    void sameSeedSameResultAndResumeContinuesExactly() throws Exception {
        Path a = tmp.resolve("det-a"), b = tmp.resolve("det-b"), c = tmp.resolve("det-c");
        assertEquals(0, cli(train(a, 2)).code());
        assertEquals(0, cli(train(b, 2)).code());
        assertArrayEquals(checkpointWeights(a), checkpointWeights(b), 0f, "same data and seed must give the same weights");
        assertEquals(0, cli(train(c, 1)).code());
        Run r = cli(train(c, 2, "--resume"));
        assertEquals(0, r.code(), r.err());
        assertEquals(2, Files.readAllLines(c.resolve("train.jsonl")).size());
        assertArrayEquals(checkpointWeights(a), checkpointWeights(c), 0f, "resumed run must equal the uninterrupted one");
    }

    /** The epoch index stored in a checkpoint's state. */
    static int checkpointEpoch(Path dir) throws Exception {
        try (SafeTensors st = SafeTensors.open(dir.resolve("checkpoint.safetensors"))) {
            return new ObjectMapper().readTree(st.metadata().get("deepslim_checkpoint")).path("epoch").asInt(-1);
        }
    }

    @Test
    void killDashNineThenResume() throws Exception {
        int epochs = 4;
        Path straight = tmp.resolve("k-straight"), killed = tmp.resolve("k-killed");
        assertEquals(0, cli(train(straight, epochs)).code());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.deepslim.cli.Main"));
        cmd.addAll(List.of(train(killed, epochs)));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        long deadline = System.currentTimeMillis() + 120_000;
        while (!Files.exists(killed.resolve("checkpoint.safetensors")) && proc.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(2);
        }
        // the kill must interrupt a live run: alive now, and killed by the signal rather than exiting by itself
        assertTrue(proc.isAlive(), "child still training when killed: " + Files.readString(tmp.resolve("child.log")));
        proc.destroyForcibly().waitFor(); // SIGKILL: no shutdown hooks, possibly mid-epoch or mid-write
        assertEquals(137, proc.exitValue(), "exit status of a process ended by SIGKILL (128 + 9)");
        int reached = checkpointEpoch(killed);
        assertTrue(reached >= 0 && reached < epochs - 1, "killed mid-run: checkpoint after epoch index " + reached);
        Run r = cli(train(killed, epochs, "--resume"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("resuming from") && r.err().contains("after epoch " + (reached + 1)), r.err());
        assertTrue(r.err().contains("epoch " + epochs + "/" + epochs), "the final epoch ran in the resumed run: " + r.err());
        assertFalse(r.err().contains("epoch " + (reached + 1) + "/" + epochs + " "), "epochs in the checkpoint are not rerun: " + r.err());
        assertEquals(epochs - 1, checkpointEpoch(killed));
        assertEquals(epochs, Files.readAllLines(killed.resolve("train.jsonl")).size(), "one log row per epoch");
        assertArrayEquals(checkpointWeights(straight), checkpointWeights(killed), 0f, "resume after kill -9 must reach the same weights");
    }

    @Test
    void resumeWithoutCheckpointSaysSoAndStartsFresh() throws Exception {
        Path run = tmp.resolve("no-ckpt");
        Files.createDirectories(run);
        Files.writeString(run.resolve("train.jsonl"), "{\"epoch\":1,\"stale\":true}\n");
        Run r = cli(train(run, 1, "--resume"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("no checkpoint in " + run + ": starting fresh"), r.err());
        List<String> log = Files.readAllLines(run.resolve("train.jsonl"));
        assertEquals(1, log.size(), "a fresh start does not keep an old log: " + log);
        assertFalse(log.get(0).contains("stale"), log.get(0));
    }

    /**
     * The crash window between the train.jsonl append and the checkpoint save: the log has a row for
     * an epoch the checkpoint does not have. After resuming, the log holds each epoch once, as the
     * uninterrupted run's log does.
     */
    @Test
    void logAgreesWithCheckpointAfterACrashBetweenLogAndCheckpoint() throws Exception {
        Path straight = tmp.resolve("log-straight"), crashed = tmp.resolve("log-crashed");
        assertEquals(0, cli(train(straight, 2)).code());
        assertEquals(0, cli(train(crashed, 1)).code());
        // the crashed run had appended epoch 2's row (from the same deterministic run) before dying
        Files.writeString(crashed.resolve("train.jsonl"), Files.readAllLines(straight.resolve("train.jsonl")).get(1) + "\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertEquals(0, checkpointEpoch(crashed));
        Run r = cli(train(crashed, 2, "--resume"));
        assertEquals(0, r.code(), r.err());
        List<JsonNode> want = rows(straight), got = rows(crashed);
        assertEquals(2, got.size(), "one row per epoch: " + got);
        for (int i = 0; i < 2; i++) {
            assertEquals(i + 1, got.get(i).path("epoch").asInt());
            assertEquals(want.get(i).path("val_acc").asDouble(), got.get(i).path("val_acc").asDouble(), 0.0);
            assertEquals(want.get(i).path("train_loss").asDouble(), got.get(i).path("train_loss").asDouble(), 0.0);
        }
    }

    static List<JsonNode> rows(Path dir) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve("train.jsonl"))) out.add(new ObjectMapper().readTree(l));
        return out;
    }

    @Test
    void tamperedCheckpointIsRefusedInOneLine() throws Exception {
        Path run = tmp.resolve("tamper");
        assertEquals(0, cli(train(run, 1)).code());
        Path ckpt = run.resolve("checkpoint.safetensors");
        byte[] original = Files.readAllBytes(ckpt);
        Map<String, java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode>> cases = new java.util.LinkedHashMap<>();
        cases.put("epoch", s -> s.remove("epoch"));
        cases.put("best_acc", s -> s.remove("best_acc"));
        cases.put("optimizer_steps", s -> s.remove("optimizer_steps"));
        cases.put("history", s -> s.put("history", 5));
        cases.put("fingerprint", s -> s.put("fingerprint", "x"));
        cases.put("bad_epochs", s -> s.put("bad_epochs", -2));
        for (Map.Entry<String, java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode>> c : cases.entrySet()) {
            Files.write(ckpt, original);
            rewriteCheckpoint(ckpt, c.getValue(), null);
            Run r = cli(train(run, 2, "--resume"));
            assertEquals(2, r.code(), c.getKey() + ": " + r.err());
            assertEquals(1, r.err().lines().filter(l -> l.startsWith("error:")).count(), c.getKey() + ": one error line: " + r.err());
            assertTrue(r.err().lines().noneMatch(l -> l.startsWith("\tat ")), "no stack trace: " + r.err());
            assertTrue(r.err().contains("'" + c.getKey() + "'") && r.err().contains("checkpoint.safetensors"), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
        Files.write(ckpt, original);
        rewriteCheckpoint(ckpt, s -> { }, "optim.0");
        Run r = cli(train(run, 2, "--resume"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("optim.0") && r.err().contains("missing"), r.err());
    }

    /** Rewrites a checkpoint with its state edited by {@code edit} and tensor {@code drop} left out. */
    static void rewriteCheckpoint(Path ckpt, java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit,
                                  String drop) throws Exception {
        io.deepslim.io.SafeTensorsWriter w = SafeTensors.writer();
        try (SafeTensors st = SafeTensors.open(ckpt)) {
            for (String n : st.names()) if (!n.equals(drop)) w.add(n, st.entry(n).dtype(), st.entry(n).shape(), st.bytes(n));
            ObjectMapper json = new ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode state =
                    (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(st.metadata().get("deepslim_checkpoint"));
            edit.accept(state);
            w.metadata("deepslim_checkpoint", json.writeValueAsString(state));
        }
        w.write(ckpt);
    }

    @Test
    void evaluateOnOnlyUnusableFilesIsAnError() throws Exception {
        Path bad = tmp.resolve("all-bad");
        for (String c : new String[]{"real", "fake"}) {
            Files.createDirectories(bad.resolve(c));
            Files.write(bad.resolve(c + "/a.png"), new byte[]{1, 2, 3});
            Files.write(bad.resolve(c + "/b.jpg"), new byte[0]);
        }
        Path model = tmp.resolve("untrained.safetensors");
        io.deepslim.io.ModelFile.save(io.deepslim.models.Zoo.create("student10", 32, 2, 1), io.deepslim.io.ModelInfo.of("student10", 32), model);
        Path out = tmp.resolve("all-bad-eval");
        Run r = cli("evaluate", "--model", model.toString(), "--data", bad.toString(), "--out", out.toString(), "--no-progress");
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("no usable images") && r.err().contains("4 "), r.err());
        assertTrue(r.err().contains("a.png"), "names a skipped file and why: " + r.err());
        assertFalse(Files.exists(out.resolve("metrics.json")), "no metric files for an evaluation that did not happen");
        // the same through --max-pixels: 32×32 images above a 100-pixel cap are all refused
        r = cli("evaluate", "--model", model.toString(), "--data", data.toString(), "--max-pixels", "100", "--no-progress");
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("no usable images") && r.err().contains("above the limit"), r.err());
    }

    @Test
    void badInputIsOneClearErrorBeforeAnyWork() throws Exception {
        Run r = cli("train", "--data", data.toString(), "--arch", "resnet50", "--out", tmp.resolve("x").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown architecture 'resnet50'"), r.err());
        r = cli("train", "--data", data.toString(), "--size", "48", "--out", tmp.resolve("x").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("multiple of 32"), r.err());
        r = cli("train", "--data", tmp.resolve("nope").toString(), "--out", tmp.resolve("x").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("does not exist"), r.err());

        Path run = tmp.resolve("resume-other");
        assertEquals(0, cli(train(run, 1)).code());
        r = cli(train(run, 2, "--resume", "--lr", "0.01"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("different run") && r.err().contains("lr"), r.err());

        Path cut = tmp.resolve("cut.safetensors");
        byte[] bytes = Files.readAllBytes(run.resolve("model.safetensors"));
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        r = cli("evaluate", "--model", cut.toString(), "--data", data.toString(), "--no-progress");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("cut.safetensors"), r.err());
    }
}
