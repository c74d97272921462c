package io.deepslim.serve;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * A self-contained folder for a host without Java: a jlinked runtime with only {@link #MODULES}, the
 * engine jars, the model files and launchers {@code bin/deepslim-detect}
 * and {@code bin/deepslim-serve} (first model). Optionally also a .tar.gz of it.
 */
public final class Bundle {
    /**
     * Modules the engine and service need: from {@code jdeps --print-module-deps} over the engine jars
     * (java.sql is Jackson's, jdk.unsupported JavaCPP's, java.desktop ImageIO's) plus the HTTP server.
     */
    public static final List<String> MODULES = List.of("java.base", "java.desktop", "java.management", "java.sql",
            "jdk.unsupported", "jdk.httpserver");

    private Bundle() {}

    /** What was built: the folder, its size, and the archive (if asked). */
    public record Result(Path dir, long bytes, long runtimeBytes, long jarBytes, long modelBytes, Optional<Path> archive, Optional<Long> archiveBytes) {}

    /**
     * Builds the bundle in {@code out} (must not exist or be empty) from {@code jars} (the engine jar and
     * its runtime dependencies; the caller leaves out libraries only the command line uses) and {@code models}.
     */
    public static Result build(List<Path> jars, List<Path> models, Path out, boolean archive) throws IOException, InterruptedException {
        return build(jars, models, out, archive, null);
    }

    /** As {@link #build(List, List, Path, boolean)}; a non-null {@code runtime} is linked in instead of running jlink (tests). */
    static Result build(List<Path> jars, List<Path> models, Path out, boolean archive, Path runtime) throws IOException, InterruptedException {
        if (models.isEmpty()) throw new IllegalArgumentException("give at least one --model");
        for (Path m : models) if (!Files.isRegularFile(m)) throw new IllegalArgumentException("model file " + m + " does not exist");
        if (Files.exists(out) && (!Files.isDirectory(out) || hasEntries(out))) {
            throw new IllegalArgumentException("--out " + out + " exists and is not an empty folder");
        }
        Optional<ToolProvider> jlink = ToolProvider.findFirst("jlink");
        if (runtime == null && jlink.isEmpty()) {
            throw new IllegalStateException("jlink is not available: run deepslim bundle with a full JDK (with jmods), not a JRE");
        }
        Path tmp = out.resolveSibling(out.getFileName() + ".partial");
        deleteTree(tmp);
        Files.createDirectories(tmp.resolve("lib"));
        Files.createDirectories(tmp.resolve("models"));
        Files.createDirectories(tmp.resolve("bin"));
        for (Path j : jars) {
            Files.copy(j, tmp.resolve("lib").resolve(j.getFileName().toString()));
        }
        for (Path m : models) Files.copy(m, tmp.resolve("models").resolve(m.getFileName()));
        if (runtime != null) {
            Files.createSymbolicLink(tmp.resolve("runtime"), runtime.toAbsolutePath());
        } else {
            jlink(jlink.get(), tmp.resolve("runtime"));
        }
        String model = "models/" + models.get(0).getFileName();
        launcher(tmp.resolve("bin/deepslim-detect"), "detect", model, "IMAGE...");
        launcher(tmp.resolve("bin/deepslim-serve"), "serve", model, "[--port N] [--host H]");
        Files.writeString(tmp.resolve("README.txt"), "deepslim bundle: runs without an installed Java.\n"
                + "  bin/deepslim-detect IMAGE...        classify images with " + model + "\n"
                + "  bin/deepslim-detect --model FILE IMAGE...\n"
                + "  bin/deepslim-serve [--port 8080] [--host 127.0.0.1]   HTTP service (POST /predict, GET /health, GET /model)\n"
                + "JVM options: DEEPSLIM_JAVA_OPTS (default -Xmx2g). Modules: " + String.join(",", MODULES) + "\n");
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        Optional<Path> arch = Optional.empty();
        Optional<Long> archBytes = Optional.empty();
        if (archive) {
            Path tgz = out.resolveSibling(out.getFileName() + ".tar.gz");
            Process p = new ProcessBuilder("tar", "-czf", tgz.toString(), "-C", out.getParent() == null ? "." : out.getParent().toString(),
                    out.getFileName().toString()).redirectErrorStream(true).start();
            String msg = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IOException("tar failed: " + msg.trim());
            arch = Optional.of(tgz);
            archBytes = Optional.of(Files.size(tgz));
        }
        return new Result(out, size(out), size(out.resolve("runtime")), size(out.resolve("lib")), size(out.resolve("models")), arch, archBytes);
    }

    private static void jlink(ToolProvider jlink, Path dir) throws IOException {
        StringWriter log = new StringWriter();
        int rc = jlink.run(new PrintWriter(log), new PrintWriter(log), "--add-modules", String.join(",", MODULES), "--strip-debug",
                "--no-header-files", "--no-man-pages", "--compress=2", "--output", dir.toString());
        if (rc != 0) throw new IOException("jlink failed (" + rc + "): " + log.toString().trim());
    }

    /** A POSIX launcher that runs the bundled runtime on the bundled jars (honours {@code --model FILE} first). */
    private static void launcher(Path file, String verb, String model, String usage) throws IOException {
        String script = "#!/bin/sh\n"
                + "# deepslim " + verb + " " + usage + " — runs the bundled Java runtime; needs no installed Java\n"
                + "here=\"$(cd \"$(dirname \"$0\")/..\" && pwd)\"\n"
                + "model=\"$here/" + model + "\"\n"
                + "if [ \"$1\" = \"--model\" ]; then model=\"$2\"; shift 2; fi\n"
                + "exec \"$here/runtime/bin/java\" ${DEEPSLIM_JAVA_OPTS:--Xmx2g} -cp \"$here/lib/*\" io.deepslim.serve.BundleLauncher "
                + verb + " \"$model\" \"$@\"\n";
        Files.writeString(file, script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * The jar holding this class and the jars its manifest's Class-Path names (the layout of
     * {@code target/}: the engine jar plus {@code lib/}).
     */
    public static List<Path> currentJars() throws IOException {
        Path self;
        try {
            self = Path.of(Bundle.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate the deepslim jar", e);
        }
        if (!Files.isRegularFile(self)) {
            throw new IllegalStateException("deepslim runs from " + self + ", not from its jar: build it (mvn -DskipTests package) and run the jar");
        }
        List<Path> out = new ArrayList<>();
        out.add(self);
        try (JarFile jar = new JarFile(self.toFile())) {
            Manifest mf = jar.getManifest();
            String cp = mf == null ? null : mf.getMainAttributes().getValue("Class-Path");
            if (cp != null) {
                for (String e : cp.trim().split("\\s+")) {
                    Path p = self.getParent().resolve(e);
                    if (!Files.isRegularFile(p)) throw new IOException("the jar's class path names " + p + ", which is missing");
                    out.add(p);
                }
            }
        }
        return out;
    }

    private static boolean hasEntries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }

    /** Total bytes of the regular files under {@code p}. */
    static long size(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }

}
