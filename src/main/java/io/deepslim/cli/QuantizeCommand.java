package io.deepslim.cli;

import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Observer;
import io.deepslim.compress.quant.Quantizer;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Model file to write; the result row goes to FILE.json.")
    Path out;

    @Mixin DataOptions data;
    @Mixin TrainOptions train;

    @Override
    public Integer call() throws Exception {
        if (!mode.equals("dynamic-linear") && !mode.equals("static-all")) throw new IllegalArgumentException("--mode must be dynamic-linear or static-all, got " + mode);
        Granularity g = switch (granularity) {
            case "tensor" -> Granularity.PER_TENSOR;
            case "channel" -> Granularity.PER_CHANNEL;
            default -> throw new IllegalArgumentException("--granularity must be tensor or channel, got " + granularity);
        };
        java.util.function.Supplier<Observer> obs = switch (observer) {
            case "minmax" -> Observer::minMax;
            case "p999" -> () -> Observer.percentile(0.999);
            default -> throw new IllegalArgumentException("--observer must be minmax or p999, got " + observer);
        };
        ModelFile.Loaded base = CompressionJob.load("--model", model);
        CompressionJob job = new CompressionJob(data, train, out);
        ZooNet net = base.model();
        List<Tensor> calib = mode.equals("static-all") ? job.calibrationBatches(base.info(), calibrationBatches) : List.of();

        long t0 = System.nanoTime();
        int layers = mode.equals("static-all") ? Quantizer.all(net, calib, g, obs) : Quantizer.dynamicLinear(net, g);
        double seconds = CompressionJob.since(t0);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("method", "quantize");
        summary.put("mode", mode);
        summary.put("granularity", granularity);
        if (mode.equals("static-all")) {
            summary.put("calibration_images", calib.stream().mapToInt(t -> t.size(0)).sum());
            summary.put("observer", observer);
        }
        summary.put("int8_layers", layers);
        ModelInfo info = base.info().withCompression(summary).withProvenance(CompressionJob.provenance(base.info(), model));
        job.finish(net, info, summary, seconds, 0);
        return 0;
    }
}
