package io.deepslim.cli;

import io.deepslim.serve.Bundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** `deepslim bundle`: a folder that runs on a host without Java. */
@Command(name = "bundle", header = "Writes a self-contained folder (jlinked Java runtime, jars, models, launchers) for this machine's architecture.", mixinStandardHelpOptions = true,
        description = {"Writes a self-contained folder for a Linux host of this machine's architecture: a jlinked Java runtime",
                "with only the needed modules, the engine jars, the model(s) and launchers bin/deepslim-detect and",
                "bin/deepslim-serve (first model). Needs a full JDK to run (jlink and jmods).", "",
                "Example:",
                "  deepslim bundle --model runs/vgg-tconv/model.safetensors --out detector-bundle --archive",
                "  detector-bundle/bin/deepslim-detect photo.jpg"})
public final class BundleCommand implements Callable<Integer> {
    /** Jar name prefixes of libraries only the command line uses; the bundle leaves them out. */
    public static final List<String> CLI_ONLY = List.of("picocli", "progressbar", "jline", "xchart", "pdfbox", "fontbox", "graphics2d",
            "VectorGraphics2D", "animated-gif-lib", "commons-logging");

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Model file(s) to include (repeatable).")
    List<Path> models;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to create (must not exist or be empty).")
    Path out;

    @Option(names = "--archive", description = "Also write DIR.tar.gz.")
    boolean archive;

    @Override
    public Integer call() throws Exception {
        List<Path> jars = Bundle.currentJars().stream()
                .filter(j -> CLI_ONLY.stream().noneMatch(j.getFileName().toString()::startsWith)).toList();
        Bundle.Result r = Bundle.build(jars, models, out, archive);
        System.out.printf("bundle %s: %.1f MB (runtime %.1f MB, jars %.1f MB, models %.1f MB)%n", r.dir(), mb(r.bytes()),
                mb(r.runtimeBytes()), mb(r.jarBytes()), mb(r.modelBytes()));
        if (r.archive().isPresent()) System.out.printf("archive %s: %.1f MB%n", r.archive().get(), mb(r.archiveBytes().get()));
        System.out.println("try: " + r.dir().resolve("bin/deepslim-detect") + " IMAGE");
        return 0;
    }

    private static double mb(long b) { return b / 1e6; }
}
