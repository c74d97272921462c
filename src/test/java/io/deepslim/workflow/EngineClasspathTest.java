package io.deepslim.workflow;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine works without the CLI's libraries: no engine source mentions picocli, the progress bar
 * or XChart, and a child JVM with only the engine's dependencies trains, evaluates and predicts.
 */
class EngineClasspathTest {
    /** Libraries only the command line and report plots use (optional in the pom). */
    static final List<String> CLI_ONLY = List.of("picocli", "me.tongfei", "org.knowm");

    /** Maven groups of the engine's own dependencies (path fragments in the local repository). */
    static final List<String> ENGINE_GROUPS = List.of("/org/bytedeco/", "/com/fasterxml/", "/com/twelvemonkeys/");

    @Test
    void engineSourcesDoNotMentionCliLibraries() throws IOException {
        Path root = Path.of("src/main/java/io/deepslim");
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String rel = root.relativize(f).toString().replace('\\', '/');
                if (rel.startsWith("cli/") || rel.equals("eval/RocPlot.java") || rel.equals("experiment/ReportCharts.java")) continue;   // the CLI, and the plots only the CLI asks for
                String src = Files.readString(f);
                for (String lib : CLI_ONLY) if (src.contains(lib)) offenders.add(rel + " mentions " + lib);
            }
        }
        assertTrue(offenders.isEmpty(), offenders.toString());
    }

    @Test
    void childJvmWithEngineDependenciesOnlyTrainsEvaluatesAndPredicts() throws Exception {
        List<String> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String n = e.replace('\\', '/');
            if (n.endsWith("/target/classes") || n.endsWith("/target/test-classes")) cp.add(e);
            else if (ENGINE_GROUPS.stream().anyMatch(n::contains)) cp.add(e);
        }
        assertTrue(cp.stream().anyMatch(e -> e.contains("openblas")), "engine jars found on the test classpath: " + cp);
        for (String e : cp) for (String lib : List.of("picocli", "progressbar", "xchart", "jline")) assertFalse(e.contains(lib), e);
        Path log = Files.createTempFile("engine-only", ".log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-cp", String.join(File.pathSeparator, cp), EngineOnlyMain.class.getName())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM timed out");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("absent: picocli.CommandLine") && out.contains("absent: me.tongfei.progressbar.ProgressBar"), out);
        assertTrue(out.contains("ENGINE OK: 6 test images") && out.contains("metrics.json true"), out);
        assertTrue(out.contains("epoch 1/1  train loss"), out);
        assertTrue(out.contains("plot refused: roc.png needs XChart"), out);
        Files.deleteIfExists(log);
    }
}
