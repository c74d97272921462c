package io.deepslim.cli;

import io.deepslim.data.BadImageException;
import io.deepslim.data.Dataset;
import io.deepslim.data.ImageDecoder;
import io.deepslim.data.Layouts;
import io.deepslim.data.Sample;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code deepslim data inspect}: reads a dataset folder and prints its counts and unusable files. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Read a dataset folder and print counts per split / class / generator, plus the files that cannot be used.",
                "Layouts: " + "generic {real,fake} or {0_real,1_fake}; split {train,val|valid|validation,test}/...; "
                        + "140k (real_vs_fake/real-vs-fake/...); deepfake-real (Dataset/{Train,Validation,Test}/{Real,Fake}); "
                        + "forensynths ({train,val,test}/<generator>/[<class>/]{0_real,1_fake}); synthbuster "
                        + "(RAISE*/ + <generator>/, split 60/40 by --seed); dogs-vs-cats ({train,test}/{cats,dogs}).",
                "Every file's header is read (size checked, decompression bombs refused); --deep decodes every image.",
                "",
                "Example:",
                "  deepslim data inspect data/synth",
                "  deepslim data inspect ~/datasets/140k --layout 140k --deep",
                ""})
public final class DataInspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH", description = "Dataset root folder.")
    Path path;

    @Option(names = "--layout", paramLabel = "NAME",
            description = "Layout name, or auto to detect: auto, generic, split, 140k, deepfake-real, forensynths, synthbuster, dogs-vs-cats. Default: ${DEFAULT-VALUE}.")
    String layout = "auto";

    @Option(names = "--strict", description = "Fail (exit code 1) at the first unusable file instead of counting it.")
    boolean strict;

    @Option(names = "--deep", description = "Decode every image fully (finds truncated files; slower). Default: headers only.")
    boolean deep;

    @Option(names = "--seed", description = "Seed of layouts split by chance (synthbuster). Default: ${DEFAULT-VALUE}.")
    long seed = 0;

    @Option(names = "--show", paramLabel = "N", description = "How many unusable files to list. Default: ${DEFAULT-VALUE}.")
    int show = 20;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (show < 0) throw new IllegalArgumentException("--show must be ≥ 0, got " + show);
        Dataset d;
        try {
            d = Layouts.read(path, layout, seed);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        out.print(d.summary());
        ImageDecoder dec = new ImageDecoder();
        List<Sample> samples = d.samples();
        Map<String, String> bad = new TreeMap<>();
        String[] reason = new String[samples.size()];
        java.util.stream.IntStream.range(0, samples.size()).parallel().forEach(i -> {
            try {
                if (deep) dec.decode(samples.get(i).path());
                else dec.probe(samples.get(i).path());
            } catch (BadImageException e) {
                reason[i] = e.getMessage();
            }
        });
        for (int i = 0; i < reason.length; i++) {
            if (reason[i] == null) continue;
            if (strict) {
                err.println("strict: unusable file " + reason[i]);
                return 1;
            }
            bad.put(samples.get(i).path().toString(), reason[i]);
        }
        out.printf("skipped: %d of %d files%s%n", bad.size(), samples.size(), deep ? "" : " (headers checked; --deep decodes fully)");
        bad.values().stream().limit(show).forEach(r -> out.println("  " + r));
        if (bad.size() > show) out.printf("  ... %d more%n", bad.size() - show);
        out.flush();
        return 0;
    }
}
