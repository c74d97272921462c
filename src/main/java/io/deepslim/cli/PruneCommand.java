package io.deepslim.cli;

import io.deepslim.compress.prune.FilterPruning;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.ZooNet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** `deepslim prune`: L1 pruning (local, global or structured), optionally fine-tuned with the masks held. */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
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

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Model file to write; the result row goes to FILE.json.")
    Path out;

    @Mixin DataOptions data;
    @Mixin TrainOptions train;

    @Override
    public Integer call() throws Exception {
        if (keep != null && amount != null) throw new IllegalArgumentException("give --keep or --amount, not both");
        double a = amount != null ? amount : 1 - (keep == null ? 10 : keep) / 100.0;
        if (!(a > 0 && a < 1)) {
            throw new IllegalArgumentException(amount != null ? "--amount must be in (0, 1), got " + amount : "--keep must be a percent in (0, 100), got " + keep);
        }
        if (!java.util.List.of("local", "global", "structured").contains(method)) {
            throw new IllegalArgumentException("--method must be local, global or structured, got " + method);
        }
        if (!norm.equals("l1") && !norm.equals("l2")) throw new IllegalArgumentException("--norm must be l1 or l2, got " + norm);
        if (finetuneEpochs < 0) throw new IllegalArgumentException("--finetune-epochs must be ≥ 0, got " + finetuneEpochs);
        ModelFile.Loaded base = CompressionJob.load("--model", model);
        CompressionJob job = new CompressionJob(data, train, out);

        long t0 = System.nanoTime();
        ZooNet net = base.model();
        switch (method) {
            case "local" -> Pruning.l1Local(net, a);
            case "global" -> Pruning.l1Global(net, a);
            default -> FilterPruning.prune(net, a, norm.equals("l1") ? FilterPruning.Norm.L1 : FilterPruning.Norm.L2);
        }
        double compressSeconds = CompressionJob.since(t0);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("method", "prune");
        summary.put("pruning", method);
        if (method.equals("structured")) summary.put("norm", norm);
        summary.put("amount", a);
        summary.put("keep_percent", CompressionJob.round(100 * (1 - a)));
        summary.put("finetune_epochs", finetuneEpochs);
        ModelInfo info = base.info().withCompression(summary).withProvenance(CompressionJob.provenance(base.info(), model));
        double trainSeconds = 0;
        if (finetuneEpochs > 0) {
            CompressionJob.Trained t = job.train(net, info, finetuneEpochs, 1e-3f, null);
            net = t.model();
            trainSeconds = t.seconds();
        }
        job.finish(net, info, summary, compressSeconds, trainSeconds);
        return 0;
    }
}
