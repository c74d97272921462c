package io.deepslim.workflow;

import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Observer;
import io.deepslim.compress.quant.Quantizer;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * int8 quantization: dynamic-linear (Linear layers, activations per batch; the paper) or static-all
 * (also every Conv2d, input scales calibrated on training batches).
 *
 * @param granularity        weight scales per "tensor" or per output "channel"
 * @param calibrationBatches training batches observed to calibrate static-all
 * @param observer           calibration range: minmax or p999
 */
public record QuantizeJob(Path model, String mode, String granularity, int calibrationBatches, String observer, Path out,
                          DataConfig data, TuneConfig tune) implements Job<ResultRow> {
    public QuantizeJob {
        if (!"dynamic-linear".equals(mode) && !"static-all".equals(mode)) throw new IllegalArgumentException("--mode must be dynamic-linear or static-all, got " + mode);
        if (!"tensor".equals(granularity) && !"channel".equals(granularity)) throw new IllegalArgumentException("--granularity must be tensor or channel, got " + granularity);
        if (!"minmax".equals(observer) && !"p999".equals(observer)) throw new IllegalArgumentException("--observer must be minmax or p999, got " + observer);
        if (calibrationBatches <= 0) throw new IllegalArgumentException("--calibration-batches must be > 0, got " + calibrationBatches);
    }

    @Override
    public ResultRow run(JobListener listener) throws IOException {
        Granularity g = granularity.equals("tensor") ? Granularity.PER_TENSOR : Granularity.PER_CHANNEL;
        Supplier<Observer> obs = observer.equals("minmax") ? Observer::minMax : () -> Observer.percentile(0.999);
        ModelFile.Loaded base = Inputs.model("--model", model);
        CompressionSteps steps = new CompressionSteps(data, tune, out, listener);
        Module net = base.network();   // any network a model file describes (zoo, adapters, CAE)
        boolean all = mode.equals("static-all");
        List<Tensor> calib = all ? steps.calibrationBatches(base.info(), calibrationBatches) : List.of();

        long t0 = System.nanoTime();
        int layers = all ? Quantizer.all(net, calib, g, obs) : Quantizer.dynamicLinear(net, g);
        double seconds = CompressionSteps.since(t0);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("method", "quantize");
        summary.put("mode", mode);
        summary.put("granularity", granularity);
        if (all) {
            summary.put("calibration_images", calib.stream().mapToInt(t -> t.size(0)).sum());
            summary.put("observer", observer);
        }
        summary.put("int8_layers", layers);
        ModelInfo info = base.info().withCompression(summary).withProvenance(CompressionSteps.provenance(base.info(), model));
        return steps.finish(net, info, summary, seconds, 0);
    }
}
