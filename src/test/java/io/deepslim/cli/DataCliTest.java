package io.deepslim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class DataCliTest {
    @TempDir Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(Object cmd, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test void synthThenInspect() throws Exception {
        Path out = tmp.resolve("s");
        Run s = run(new SynthCommand(), "--out", out.toString(), "--size", "16", "--train", "2", "--val", "1", "--test", "1",
                "--families", "tconv,blend", "--strength", "tconv=0.5", "--jpeg", "0", "--seed", "3", "--no-progress");
        assertEquals(0, s.code(), s.err());
        assertTrue(Files.exists(out.resolve("train/blend/1_fake/000001.png")));
        Files.write(out.resolve("train/tconv/0_real/zz-broken.png"), new byte[]{1, 2, 3});
        Run i = run(new DataCommand(), "inspect", out.toString());
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("layout forensynths"), i.out());
        assertTrue(i.out().matches("(?s).*train\\s+real\\s+tconv\\s+3.*"), i.out());
        assertTrue(i.out().contains("skipped: 1 of 17"), i.out());
        assertEquals(1, run(new DataCommand(), "inspect", out.toString(), "--strict").code());
    }

    @Test void inspectUnknownLayoutExplains() {
        Run r = run(new DataCommand(), "inspect", tmp.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("forensynths") && r.err().contains("synthbuster"), r.err());
    }

    @Test void helpShowsExamples() {
        assertTrue(run(new SynthCommand(), "--help").out().contains("deepslim synth --out"));
        String h = run(new DataCommand(), "inspect", "--help").out();
        assertTrue(h.contains("deepslim data inspect") && h.contains("--strict") && h.contains("--layout"), h);
    }
}
