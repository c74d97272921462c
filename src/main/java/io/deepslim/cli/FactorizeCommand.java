package io.deepslim.cli;

import io.deepslim.compress.ModuleTree;
import io.deepslim.compress.lowrank.Factorized;
import io.deepslim.compress.lowrank.LowRank;
import io.deepslim.compress.lowrank.Variant;
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

/** `deepslim factorize`: SVD low-rank factorization of one layer, optionally fine-tuned. */
@Command(name = "factorize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Replaces one Linear (or Conv2d, as its (out, in·k·k) matrix) by its best rank-r approximation as two",
                "layers with nothing between them (full rank reproduces the layer), and writes the model plus a JSON result row.",
                "--variant paper puts ReLU + Dropout between the factors as the authors' code did (for their Table 7 only).", "",
                "Example:",
                "  deepslim factorize --model runs/vgg-tconv/model.safetensors --rank 6 --finetune-epochs 2 \\",
                "      --data data/synth --generators tconv --out runs/lowrank6.safetensors"})
public final class FactorizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Model file to factorize.")
    Path model;

    @Option(names = "--layer", paramLabel = "PATH", description = "Layer path (e.g. fc.1, layer3.0). Default: the first Linear (the paper).")
    String layer;

    @Option(names = "--rank", paramLabel = "R", description = "Rank to keep. Default: 6 (the paper) unless --energy is given.")
    Integer rank;

    @Option(names = "--energy", paramLabel = "E", description = "Instead of --rank: smallest rank retaining this share of Σσ², in (0, 1].")
    Double energy;

    @Option(names = "--variant", defaultValue = "correct", description = "correct, or paper (ReLU + Dropout between the factors). Default: ${DEFAULT-VALUE}.")
    String variant;

    @Option(names = "--finetune-epochs", defaultValue = "0", paramLabel = "N", description = "Fine-tune the whole model for N epochs afterwards. Default: ${DEFAULT-VALUE}.")
    int finetuneEpochs;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Model file to write; the result row goes to FILE.json.")
    Path out;

    @Mixin DataOptions data;
    @Mixin TrainOptions train;

    @Override
    public Integer call() throws Exception {
        if (rank != null && energy != null) throw new IllegalArgumentException("give --rank or --energy, not both");
        if (energy != null && !(energy > 0 && energy <= 1)) throw new IllegalArgumentException("--energy must be in (0, 1], got " + energy);
        Variant v = switch (variant) {
            case "correct" -> Variant.CORRECT;
            case "paper" -> Variant.PAPER_RELU_BETWEEN;
            default -> throw new IllegalArgumentException("--variant must be correct or paper, got " + variant);
        };
        if (finetuneEpochs < 0) throw new IllegalArgumentException("--finetune-epochs must be ≥ 0, got " + finetuneEpochs);
        ModelFile.Loaded base = CompressionJob.load("--model", model);
        ZooNet net = base.model();
        String path = layer == null ? LowRank.firstLinear(net) : layer;
        ModuleTree.get(net, path);   // unknown names fail here, listing the layers
        CompressionJob job = new CompressionJob(data, train, out);

        long t0 = System.nanoTime();
        Factorized f = energy != null ? LowRank.factorizeByEnergy(net, path, energy, v) : LowRank.factorize(net, path, rank == null ? 6 : rank, v);
        double compressSeconds = CompressionJob.since(t0);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("method", "factorize");
        summary.put("layer", path);
        summary.put("rank", f.recipe().get("rank"));
        if (energy != null) summary.put("energy", energy);
        summary.put("variant", variant);
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
