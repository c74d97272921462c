package io.deepslim.cli;

import io.deepslim.workflow.FactorizeJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `deepslim factorize`: SVD low-rank factorization of one layer, optionally fine-tuned. */
@Command(name = "factorize", header = "Replaces a layer by its best rank-r approximation (two layers) and writes the model.", mixinStandardHelpOptions = true, sortOptions = false,
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

    @Mixin CompressOptions common;

    @Override
    public Integer call() throws Exception {
        return common.run(new FactorizeJob(model, layer, rank, energy, variant, finetuneEpochs, common.out, common.data(), common.tune()));
    }
}
