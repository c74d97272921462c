package io.deepslim.serve;

import io.deepslim.api.ApiFixtures;
import io.deepslim.api.Detector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The bundle runs with no Java on PATH and no JAVA_HOME. The default test links the current JDK in as the
 * runtime (fast); -Ddeepslim.bundle.jlink=true also runs jlink (a minute or more) and checks its modules.
 */
class BundleTest {
    @TempDir Path dir;

    /** The engine's jars as this test sees them: target/classes jarred, plus the runtime dependency jars. */
    private List<Path> engineJars() throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<Path> jars = new ArrayList<>();
        Path classes = null;
        for (String e : cp.split(java.io.File.pathSeparator)) {
            Path p = Path.of(e);
            String n = p.getFileName().toString();
            if (Files.isDirectory(p) && p.endsWith("classes") && !p.endsWith("test-classes")) classes = p;
            else if (n.endsWith(".jar") && !n.matches("(junit|opentest4j|apiguardian|surefire|common-java5|common-junit|maven-).*")
                    && io.deepslim.cli.BundleCommand.CLI_ONLY.stream().noneMatch(n::startsWith)) jars.add(p); // as the CLI does
        }
        assertNotNull(classes, "target/classes on the class path: " + cp);
        Path jar = dir.resolve("deepslim-test.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> s = Files.walk(classes)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        jars.add(0, jar);
        return jars;
    }

    /** Runs a launcher with PATH holding only sh and dirname, JAVA_HOME unset. */
    private String runWithoutJava(Path launcher, String... args) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("nojava-bin"));
        for (String tool : List.of("sh", "dirname")) {
            Path link = bin.resolve(tool);
            if (!Files.exists(link)) Files.createSymbolicLink(link, Path.of(Files.exists(Path.of("/bin/" + tool)) ? "/bin/" + tool : "/usr/bin/" + tool));
        }
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", bin.toString());
        env.put("HOME", dir.toString());
        env.put("DEEPSLIM_JAVA_OPTS", "-Xmx512m");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "launcher did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private void buildAndClassify(Path runtime) throws Exception {
        Path model = ApiFixtures.denseModel(dir, 21);
        Path img = Files.write(dir.resolve("photo.png"), ApiFixtures.png(ApiFixtures.image(80, 60, 5)));
        Path out = dir.resolve("bundle");
        Bundle.Result r = Bundle.build(engineJars(), List.of(model), out, false, runtime);
        assertTrue(Files.isExecutable(out.resolve("bin/deepslim-detect")));
        assertTrue(Files.isExecutable(out.resolve("bin/deepslim-serve")));
        assertTrue(Files.exists(out.resolve("models").resolve(model.getFileName())));
        try (Stream<Path> s = Files.list(out.resolve("lib"))) {
            assertTrue(s.noneMatch(j -> j.getFileName().toString().startsWith("picocli")), "the bundle runs without the CLI's jars");
        }
        assertTrue(r.bytes() > r.jarBytes() && r.jarBytes() > 1_000_000, "sizes " + r);
        String printed = runWithoutJava(out.resolve("bin/deepslim-detect"), img.toString());
        double want;
        try (Detector d = Detector.load(model)) {
            want = d.predict(img).pFake();
        }
        String line = printed.lines().filter(l -> l.startsWith(img.toString())).findFirst().orElseThrow(() -> new AssertionError(printed));
        String[] f = line.split("\t");
        assertEquals(want, Double.parseDouble(f[2]), 5e-5, line);
        assertEquals(want >= 0.5 ? "fake" : "real", f[1]);
    }

    @Test
    void bundleClassifiesAnImageWithNoJavaOnPath() throws Exception {
        buildAndClassify(Path.of(System.getProperty("java.home")));
    }

    @Test
    @EnabledIfSystemProperty(named = "deepslim.bundle.jlink", matches = "true")
    void jlinkedBundleHasOnlyItsModulesAndClassifies() throws Exception {
        buildAndClassify(null);
        Process p = new ProcessBuilder(dir.resolve("bundle/runtime/bin/java").toString(), "--list-modules").redirectErrorStream(true).start();
        Set<String> mods = new TreeSet<>();
        for (String l : new String(p.getInputStream().readAllBytes()).split("\n")) if (!l.isBlank()) mods.add(l.replaceAll("@.*", "").trim());
        p.waitFor();
        assertTrue(mods.containsAll(Bundle.MODULES), mods.toString());
        assertFalse(mods.contains("jdk.compiler"), "no unneeded modules: " + mods);
    }
}
