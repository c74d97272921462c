package io.deepslim.cli;

import io.deepslim.data.synth.FakeFamily;
import io.deepslim.data.synth.SynthConfig;
import io.deepslim.eval.BinaryMetrics;
import io.deepslim.train.TrainConfig;
import io.deepslim.workflow.DataConfig;
import io.deepslim.workflow.EvaluateJob;
import io.deepslim.workflow.JobListener;
import io.deepslim.workflow.TrainJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** `deepslim demo`: the paper's cross-generator experiment on the built-in synthetic data. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the main experiment on built-in synthetic data, no download needed:",
                "  1. synth: real camera-pipeline images and five fake-generator families (64 px);",
                "  2. train: the paper's vgg45m baseline on ONE family (tconv);",
                "  3. evaluate: on every family's test split, giving in-family accuracy and the",
                "     generalization gap on unseen generators, with ROC curves.",
                "Steps already done in --out are reused (training resumes from its checkpoint). Runs in one JVM",
                "through the library jobs (io.deepslim.workflow: TrainJob, EvaluateJob).",
                "Writes --out/report.md.", "",
                "Example:", "  deepslim demo                 # about 5 minutes on 2 cores",
                "  deepslim demo --quick         # a one-minute smoke run (tiny data, student10)"})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "runs/demo", description = "Working folder. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--family", defaultValue = "tconv", description = "Fake family to train on. Default: ${DEFAULT-VALUE}.")
    String family;

    @Option(names = "--epochs", defaultValue = "3", description = "Training epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--images", defaultValue = "800", description = "Training images per class per family. Default: ${DEFAULT-VALUE}.")
    int images;

    @Option(names = "--quick", description = "Tiny smoke run: 32 px, 40 images per class, student10, 1 epoch.")
    boolean quick;

    @Mixin ProgressOptions progress;

    @Override
    public Integer call() throws Exception {
        int size = quick ? 32 : 64;
        String arch = quick ? "student10" : "vgg45m";
        int n = quick ? 40 : images, e = quick ? 1 : epochs;
        if (n <= 0) throw new IllegalArgumentException("--images must be > 0, got " + n);
        FakeFamily trainFamily = FakeFamily.of(family);
        Path data = out.resolve("data-" + size + "-" + n), run = out.resolve(arch + "-" + family), eval = run.resolve("eval");
        JobListener listener = progress.listener();
        if (!Files.isDirectory(data.resolve("test"))) {
            listener.log("\n== synth: " + data);
            SynthConfig cfg = new SynthConfig(size, n, Math.max(4, n / 5), Math.max(4, n / 4), List.of(FakeFamily.values()), Map.of(), 90, 1,
                    Runtime.getRuntime().availableProcessors());
            SynthCommand.generate(data, cfg, listener);
        }
        listener.log("\n== train: " + arch + " on " + family);
        TrainConfig tc = new TrainConfig(e, 32, "adam", 1e-3f, 0.9f, 0f, "cosine", 3, 1);
        new TrainJob(DataConfig.of(data).withGenerators(List.of(trainFamily.id())), arch, size, tc, "flip", run, true).run(listener);
        listener.log("\n== evaluate: every family's test split");
        EvaluateJob.Result r = new EvaluateJob(run.resolve("model.safetensors"), DataConfig.of(data), "auto", 64, eval, true).run(listener);
        Path report = out.resolve("report.md");
        Files.writeString(report, report(arch, size, trainFamily.id(), run, eval, r));
        System.out.println(Files.readString(report));
        System.out.println("wrote " + report);
        return 0;
    }

    private static String report(String arch, int size, String trainFamily, Path run, Path eval, EvaluateJob.Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append("# deepslim demo: train on one generator, test on all\n\n");
        sb.append(String.format("%s at %d px trained on `%s` only; evaluated on every family's test split.%n%n", arch, size, trainFamily));
        sb.append("| test family | seen in training | accuracy | ROC-AUC |\n|---|---|---|---|\n");
        for (Map.Entry<String, BinaryMetrics> g : r.perGenerator().entrySet()) {
            double auc = g.getValue().rocAuc();
            sb.append(String.format("| %s | %s | %.4f | %s |%n", g.getKey(), g.getKey().equals(trainFamily) ? "yes" : "no",
                    g.getValue().accuracy(), Double.isNaN(auc) ? "–" : String.format("%.4f", auc)));
        }
        sb.append(String.format("| **all** | | %.4f | %.4f |%n%n", r.overall().accuracy(), r.overall().rocAuc()));
        sb.append("Model: `").append(run.resolve("model.safetensors")).append("`; ROC curves: `").append(eval.resolve("roc.png"))
                .append("`; training log: `").append(run.resolve("train.jsonl")).append("`.\n");
        return sb.toString();
    }
}
