package io.deepslim.cli;

import io.deepslim.workflow.PruneJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `deepslim prune`: L1 pruning (local, global or structured), optionally fine-tuned with the masks held. */
@Command(name = "prune", header = "Prunes a model by weight magnitude (per layer, global, or whole filters) and writes the smaller model.", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prunes a model by weight magnitude and writes the smaller model file plus a JSON result row",
                "(<out>.json: test accuracy, precision, recall, F1, ROC-AUC, parameters, non-zeros, file bytes, seconds, ms/image).",
                "local: every Conv2d/Linear loses the same fraction (the paper); global: one threshold over all layers;",
                "structured: whole output filters are removed and the next layer rewired (a smaller dense model).",
                "Fine-tuning keeps pruned weights exactly zero.", "",
                "Example:",
                "  deepslim prune --model runs/vgg-tconv/model.safetensors --keep 10 --finetune-epochs 2 \\",
                "      --data data/synth --generators tconv --out runs/prune10.safetensors"})
public final class PruneCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Model file to prune.")
    Path model;

    @Option(names = "--method", defaultValue = "local", description = "local, global or structured. Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--keep", paramLabel = "PERCENT", description = "Percent of the weights (filters for structured) that REMAIN, as the paper names levels: 40, 30, 20, 10. Default: 10.")
    Integer keep;

    @Option(names = "--amount", paramLabel = "FRACTION", description = "Fraction to remove, in (0, 1); instead of --keep.")
    Double amount;

    @Option(names = "--norm", defaultValue = "l1", description = "Filter norm for structured pruning: l1 or l2. Default: ${DEFAULT-VALUE}.")
    String norm;

    @Option(names = "--finetune-epochs", defaultValue = "0", paramLabel = "N", description = "Fine-tune for N epochs after pruning (masks held). Default: ${DEFAULT-VALUE}.")
    int finetuneEpochs;

    @Mixin CompressOptions common;

    @Override
    public Integer call() throws Exception {
        if (keep != null && amount != null) throw new IllegalArgumentException("give --keep or --amount, not both");
        if (keep != null && (keep <= 0 || keep >= 100)) throw new IllegalArgumentException("--keep must be a percent in (0, 100), got " + keep);
        double a = amount != null ? amount : 1 - (keep == null ? 10 : keep) / 100.0;
        return common.run(new PruneJob(model, method, a, norm, finetuneEpochs, common.out, common.data(), common.tune()));
    }
}
