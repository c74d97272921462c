package io.deepslim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
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
                "Steps already done in --out are reused (training resumes from its checkpoint).",
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

    @Option(names = "--no-progress", description = "No progress bars.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        String size = quick ? "32" : "64", arch = quick ? "student10" : "vgg45m";
        int n = quick ? 40 : images, e = quick ? 1 : epochs;
        Path data = out.resolve("data-" + size + "-" + n), run = out.resolve(arch + "-" + family), eval = run.resolve("eval");
        List<String> np = noProgress ? List.of("--no-progress") : List.of();
        if (!Files.isDirectory(data.resolve("test"))) {
            step("synth", concat(List.of("--out", data.toString(), "--size", size, "--train", String.valueOf(n),
                    "--val", String.valueOf(Math.max(4, n / 5)), "--test", String.valueOf(Math.max(4, n / 4)), "--seed", "1"), np));
        }
        step("train", concat(List.of("--data", data.toString(), "--generators", family, "--arch", arch, "--size", size,
                "--epochs", String.valueOf(e), "--batch", "32", "--out", run.toString(), "--resume"), np));
        step("evaluate", concat(List.of("--model", run.resolve("model.safetensors").toString(), "--data", data.toString(),
                "--out", eval.toString()), np));
        Path report = out.resolve("report.md");
        Files.writeString(report, report(arch, size, family, run, eval));
        System.out.println(Files.readString(report));
        System.out.println("wrote " + report);
        return 0;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(b);
        return l;
    }

    private void step(String verb, List<String> args) {
        System.err.println("\n== deepslim " + verb + " " + String.join(" ", args));
        Object cmd = switch (verb) {
            case "synth" -> new SynthCommand();
            case "train" -> new TrainCommand();
            default -> new EvaluateCommand();
        };
        int code = new CommandLine(cmd).execute(args.toArray(new String[0]));
        if (code != 0) throw new IllegalStateException("demo step '" + verb + "' failed with exit code " + code);
    }

    private String report(String arch, String size, String trainFamily, Path run, Path eval) throws Exception {
        JsonNode m = new ObjectMapper().readTree(eval.resolve("metrics.json").toFile());
        StringBuilder sb = new StringBuilder();
        sb.append("# deepslim demo: train on one generator, test on all\n\n");
        sb.append(String.format("%s at %s px trained on `%s` only; evaluated on every family's test split.%n%n", arch, size, trainFamily));
        sb.append("| test family | seen in training | accuracy | ROC-AUC |\n|---|---|---|---|\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = m.path("per_generator").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> g = it.next();
            sb.append(String.format("| %s | %s | %.4f | %s |%n", g.getKey(), g.getKey().equals(trainFamily) ? "yes" : "no",
                    g.getValue().path("accuracy").asDouble(), g.getValue().path("roc_auc").isNull() ? "–"
                            : String.format("%.4f", g.getValue().path("roc_auc").asDouble())));
        }
        sb.append(String.format("| **all** | | %.4f | %.4f |%n%n", m.path("overall").path("accuracy").asDouble(),
                m.path("overall").path("roc_auc").asDouble()));
        sb.append("Model: `").append(run.resolve("model.safetensors")).append("`; ROC curves: `").append(eval.resolve("roc.png"))
                .append("`; training log: `").append(run.resolve("train.jsonl")).append("`.\n");
        return sb.toString();
    }
}
