package io.deepslim.cli;

import io.deepslim.workflow.QuantizeJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `deepslim quantize`: int8 weights (dynamic Linear as in the paper, or everything with static conv calibration). */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Quantizes a model to int8 and writes it (int8 weights stored as bytes + scales) plus a JSON result row.",
                "dynamic-linear: Linear layers only, activations quantized per batch (the paper, PyTorch quantize_dynamic);",
                "static-all: also every Conv2d, with input scales fixed on --calibration-batches training batches.", "",
                "Example:",
                "  deepslim quantize --model runs/vgg-tconv/model.safetensors --mode static-all --granularity channel \\",
                "      --data data/synth --generators tconv --out runs/int8.safetensors"})
public final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Model file to quantize.")
    Path model;

    @Option(names = "--mode", defaultValue = "dynamic-linear", description = "dynamic-linear or static-all. Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--granularity", defaultValue = "tensor", description = "Weight scales per tensor or per output channel: tensor or channel. Default: ${DEFAULT-VALUE}.")
    String granularity;

    @Option(names = "--calibration-batches", defaultValue = "4", paramLabel = "N", description = "Training batches observed to calibrate static-all. Default: ${DEFAULT-VALUE}.")
    int calibrationBatches;

    @Option(names = "--observer", defaultValue = "minmax", description = "Calibration range: minmax or p999 (99.9th percentile of |x|). Default: ${DEFAULT-VALUE}.")
    String observer;

    @Mixin CompressOptions common;

    @Override
    public Integer call() throws Exception {
        return common.run(new QuantizeJob(model, mode, granularity, calibrationBatches, observer, common.out, common.data(), common.tune()));
    }
}
