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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The train → evaluate → predict → info workflow through the CLI, on a tiny synthetic dataset. */
class TrainCliTest {
    @TempDir static Path tmp;
    static Path data;

    record Run(int code, String out, String err) {}

    static Run cli(String... args) {
        StringWriter err = new StringWriter();
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            int code = Main.run(new PrintWriter(err, true), args);
            return new Run(code, out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
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

    @Test
    void killDashNineThenResume() throws Exception {
        Path straight = tmp.resolve("k-straight"), killed = tmp.resolve("k-killed");
        assertEquals(0, cli(train(straight, 3)).code());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.deepslim.cli.Main"));
        cmd.addAll(List.of(train(killed, 3)));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        long deadline = System.currentTimeMillis() + 120_000;
        while (!Files.exists(killed.resolve("checkpoint.safetensors")) && proc.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        proc.destroyForcibly().waitFor(); // SIGKILL: no shutdown hooks, possibly mid-epoch or mid-write
        Run r = cli(train(killed, 3, "--resume"));
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(checkpointWeights(straight), checkpointWeights(killed), 0f, "resume after kill -9 must reach the same weights");
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
