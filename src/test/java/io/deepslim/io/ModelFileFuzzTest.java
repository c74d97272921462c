package io.deepslim.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@link ModelFileFuzz} in a child JVM with a 256 MB heap (and as much direct memory), so an
 * allocation sized from an unchecked number shows as an OutOfMemoryError violation rather than
 * passing on a big test heap. 300 mutants by default; {@code -Ddeepslim.fuzz.n=5000} for more,
 * {@code -Ddeepslim.fuzz.seed=…} for another sequence.
 */
class ModelFileFuzzTest {
    @Test
    void mutatedModelFilesAreRefusedCleanlyOrStillValid(@TempDir Path dir) throws Exception {
        String n = System.getProperty("deepslim.fuzz.n", "300"), seed = System.getProperty("deepslim.fuzz.seed", "20261130");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-Xmx256m", "-XX:MaxDirectMemorySize=256m",
                "-cp", System.getProperty("java.class.path"), ModelFileFuzz.class.getName(), n, seed, dir.toString()));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "fuzzer finished");
        System.out.println(out);
        assertTrue(out.contains("mutants: " + n), "the fuzzer ran all mutants:\n" + out);
        assertTrue(out.contains("tensor-rename") && out.contains("dtype-relabel") && out.contains("meta-structural"), "every mutation class ran:\n" + out);
        assertEquals(0, p.exitValue(), out);
    }
}
