package io.deepslim.cli;

import io.deepslim.experiment.ExperimentRunner;
import io.deepslim.experiment.SpecLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `deepslim demo`: runs the shipped demo spec (experiments/demo.yaml) on built-in synthetic data. */
@Command(name = "demo", header = "Runs the demo experiment on built-in synthetic data (about 4 minutes, no download).", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the demo experiment on built-in synthetic data, no download needed (experiments/demo.yaml):",
                "  synthetic real/fake images (five fake families, 32 px; generated once and reused),",
                "  the paper's vgg45m baseline trained on ONE family, then pruning (with and without fine-tuning)",
                "  at 40/30/20/10%% kept, int8 and low-rank; the 30%% and 10%% students distilled from it and trained",
                "  without a teacher; a per-generator test (the generalization gap); transfer to another family",
                "  (fine-tuning, an adapter, KD, FReTAL).",
                "Writes --out/report.html (tables and plots, self-contained), report.md, results.json, results.csv.",
                "Interrupted? Run it again: finished cells are kept and skipped.", "",
                "Example:", "  deepslim demo                 # about 4 minutes on 2 idle cores",
                "  deepslim demo --quick         # the CI smoke run (tiny data, one level), about 1-2 minutes"})
public final class DemoCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin DeviceOptions device = new DeviceOptions();

    @Option(names = "--out", defaultValue = "runs/demo", description = "Working folder. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--quick", description = "Smoke run: experiments/demo-quick.yaml (32 px, 40 images per class, one level, 1 epoch).")
    boolean quick;

    @Mixin ProgressOptions progress;

    @Override
    public Integer call() throws Exception {
        SpecLoader.Loaded spec = SpecLoader.loadBundled(quick ? "demo-quick" : "demo");
        if (spec == null) throw new IllegalStateException("the demo spec is missing from this build (experiments/ not packaged)");
        if (Files.exists(out) && !Files.isDirectory(out)) throw new IllegalArgumentException("--out: " + out + " is an existing file; expected a folder");
        ExperimentRunner.Summary s = new ExperimentRunner(spec, out, null, device.device).run(progress.listener());
        System.out.println(Files.readString(s.report().markdown()));
        System.out.printf("%d cells (%d run now, %d reused) in %.1f min; open %s%n", s.cells(), s.ran(), s.reused(), s.seconds() / 60,
                s.report().html().toAbsolutePath());
        return 0;
    }
}
