package io.deepslim.benchmarks;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Int8Conv2d;
import io.deepslim.compress.quant.QParams;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Module;
import io.deepslim.nn.Sequential;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One vgg45m conv layer (3x3, stride 1, pad 1, at its resolution for a 224 input, batch 1):
 * dense (the plain module: Winograd F(4x4) or the small-map kernel, im2col for the RGB layer; the baseline
 * jmh_summary.py compares with), dense-fused (conv → BN as the inference graph runs it; measured 1.4-1.9× slower
 * than the plain module on 2026-11-30, not explained, so listed but not the baseline) vs
 * unstructured-sparse at 50..95% (native CSR kernel, forced on whatever the break-even says) vs static int8
 * (native direct kernel), at batch 1 and 8. Low-rank applies to Linear layers: {@link LowRankBench}.
 * Run: benchmarks/run.sh CompressLayerBench (or the whole grid: see {@link CompressBench}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class CompressLayerBench {
    /** cin:cout:input size of vgg45m's layer1..8 for a 224 image (pools after layers 2, 4, 6, 7, 8). */
    @Param({"3:64:224", "64:64:224", "64:128:112", "128:128:112", "128:256:56", "256:256:56", "256:512:28", "512:128:14"})
    public String shape;

    @Param({"dense", "dense-fused", "s50", "s60", "s70", "s80", "s90", "s95", "int8"})
    public String variant;

    @Param({"1", "8"})
    public int batch;

    private Module layer;
    private Tensor x;

    @Setup
    public void setup() {
        String[] s = shape.split(":");
        int cin = Integer.parseInt(s[0]), cout = Integer.parseInt(s[1]), hw = Integer.parseInt(s[2]);
        Random rng = new Random(1);
        Conv2d conv = new Conv2d(rng, cin, cout);
        x = Tensor.randn(new Random(2), 1f, batch, cin, hw, hw);
        Sequential holder = new Sequential(conv);
        if (variant.startsWith("s")) {
            Pruning.l1Local(holder, Integer.parseInt(variant.substring(1)) / 100.0);
            ((io.deepslim.compress.prune.PrunedConv2d) holder.get(0)).sparseKernel()
                    .mode(io.deepslim.backend.nativ.SparseKernel.Mode.SPARSE);
        } else if (variant.equals("int8")) {
            holder.replaceChild("0", Int8Conv2d.fromFloat(conv, Granularity.PER_CHANNEL, QParams.covering(-4f, 4f)));
        }
        layer = holder.get(0);
        holder.eval();
        if (variant.equals("dense-fused")) {
            // the dense layer as the inference graph runs it: conv → BN fused (the RGB layer on the direct kernel,
            // 3x3 convs with ≥ 16 input channels on native Winograd, small maps on the small-map kernel)
            Sequential convBn = new Sequential(conv, new io.deepslim.nn.BatchNorm2d(cout));
            convBn.eval();
            layer = io.deepslim.infer.InferenceFusion.forInference(convBn, io.deepslim.engine.Devices.cpu());
        }
    }

    @Benchmark
    public float forward() {
        try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
            return layer.forward(x).buffer().get(0);
        }
    }
}
