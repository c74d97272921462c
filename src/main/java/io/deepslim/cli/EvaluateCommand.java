package io.deepslim.cli;

import io.deepslim.workflow.EvaluateJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `deepslim evaluate`: metrics of a model on a dataset, overall and per generator. */
@Command(name = "evaluate", header = "Evaluates a model file on a dataset: accuracy, precision, recall, F1, ROC-AUC, AP, EER, per generator.", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluates a model file on a dataset: accuracy, precision, recall, F1 (fake = positive),",
                "ROC-AUC, average precision and EER, overall and per generator, with ROC curves.",
                "Writes to --out: metrics.json, metrics.md, roc.png, predictions.csv.", "",
                "Example:",
                "  deepslim evaluate --model runs/vgg-tconv/model.safetensors --data data/synth --out runs/vgg-tconv/eval"})
public final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Model file (.safetensors).")
    Path model;

    @Mixin DataOptions data;

    @Option(names = "--split", defaultValue = "auto", description = "train, val, test, or auto (test if present). Default: ${DEFAULT-VALUE}.")
    String split;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the report files (default: print only).")
    Path out;

    @Mixin ProgressOptions progress;

    @Mixin DeviceOptions device = new DeviceOptions();

    @Override
    public Integer call() throws Exception {
        EvaluateJob.Result r = new EvaluateJob(model, data.config(), split, batch, out, true, device.device).run(progress.listener());
        System.out.printf("%s (%s @%d) on %s, %d images%n%n%s", model, r.info().arch(), r.info().inputSize(), data.data,
                r.predictions().scores().length, r.table());
        if (r.skippedImages() > 0) System.out.printf("%nskipped %d unreadable images%n", r.skippedImages());
        if (out != null) System.out.printf("%nwrote %s/{metrics.json, metrics.md, roc.png, predictions.csv}%n", out);
        return 0;
    }
}
