package io.deepslim.cli;

import io.deepslim.experiment.ExperimentRunner;
import io.deepslim.experiment.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `deepslim experiment run SPEC`: runs a spec's grid (resumable) and writes the report. */
@Command(name = "run", header = "Runs every cell of an experiment spec and writes the results and report.", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs every cell of an experiment spec in this JVM and writes results.jsonl, results.json, results.csv,",
                "report.md and a self-contained report.html into --out. Finished cells are stored as they finish, so an",
                "interrupted run continues where it stopped when run again with the same --out; cells already there are skipped.",
                "SPEC is a file (experiments/*.yaml) or the name of a shipped spec (demo, table2 … table7).",
                "Specs whose datasets are missing say what to download and where to put it (exit code 2).", "",
                "Example:", "  deepslim experiment run experiments/demo.yaml --out runs/demo"})
public final class ExperimentRunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "Spec file or shipped spec name.")
    String spec;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder. Default: runs/<spec name>.")
    Path out;

    @Option(names = "--data-cache", paramLabel = "DIR", description = "Where synthetic datasets are generated and reused. Default: <out>/data.")
    Path dataCache;

    @Mixin ProgressOptions progress;

    @Mixin DeviceOptions device = new DeviceOptions();

    @Override
    public Integer call() throws Exception {
        SpecLoader.Loaded l = load(spec);
        Path dir = out != null ? out : Path.of("runs", l.spec().name());
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new IllegalArgumentException("--out: " + dir + " is an existing file; expected a folder");
        ExperimentRunner.Summary s = new ExperimentRunner(l, dir, dataCache, device.device).run(progress.listener());
        System.out.printf("%d cells: %d run now, %d finished earlier%s; %.1f min%nreport: %s%n", s.cells(), s.ran(), s.reused(),
                s.unavailable() > 0 ? ", " + s.unavailable() + " not available in this build" : "", s.seconds() / 60, s.report().html());
        return 0;
    }

    /** A spec from a path, or a shipped one by name ("demo", "table2"). */
    static SpecLoader.Loaded load(String spec) throws IOException {
        Path p = Path.of(spec);
        if (Files.exists(p) || spec.contains("/") || spec.endsWith(".yaml") || spec.endsWith(".json")) return SpecLoader.load(p);
        SpecLoader.Loaded l = SpecLoader.loadBundled(spec);
        if (l == null) throw new IllegalArgumentException("SPEC: no file '" + spec + "' and no shipped spec of that name (shipped: demo, demo-quick, table2 … table7)");
        return l;
    }
}
