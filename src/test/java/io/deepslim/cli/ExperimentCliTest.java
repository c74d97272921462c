package io.deepslim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `deepslim experiment validate/run`: exit codes and messages for good specs, bad specs and missing data. */
class ExperimentCliTest {
    @Test
    void validateAcceptsShippedSpecsByPathAndName() {
        CompressCliTest.Run r = CompressCliTest.cli("experiment", "validate", "experiments/table5.yaml");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("valid; 3 cells") && r.out().contains("data missing: dataset 'forensynths'"), r.out());
        r = CompressCliTest.cli("experiment", "validate", "demo", "--cells");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("students/kd@10/s1") && r.out().contains("students/student@10/s1") && r.out().contains("transfer/fretal>vae8/s1"), r.out());
    }

    @Test
    void badSpecIsExitTwoWithFileLineAndKey(@TempDir Path tmp) throws Exception {
        Path spec = tmp.resolve("bad.yaml");
        Files.writeString(spec, Files.readString(Path.of("experiments/demo-quick.yaml")).replace("levels: [10]", "levels: [10]\n    colour: red"));
        CompressCliTest.Run r = CompressCliTest.cli("experiment", "validate", spec.toString());
        assertEquals(2, r.code());
        int line = java.util.Arrays.asList(Files.readString(spec).split("\n")).indexOf("    colour: red") + 1;
        assertTrue(r.err().contains("error: " + spec + ":" + line + ": unknown key 'colour' in grid[0]"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
    }

    @Test
    void paperSpecWithoutDataIsExitTwoAndSaysWhatToGet(@TempDir Path tmp) {
        CompressCliTest.Run r = CompressCliTest.cli("experiment", "run", "table2", "--out", tmp.resolve("t2").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("dataset 'synthbuster'") && r.err().contains("zenodo") && r.err().contains("layout: synthbuster"), r.err());
        assertFalse(Files.exists(tmp.resolve("t2")));
    }
}
