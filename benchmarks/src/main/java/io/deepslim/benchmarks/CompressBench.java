package io.deepslim.benchmarks;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.lowrank.LowRank;
import io.deepslim.compress.lowrank.Variant;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Observer;
import io.deepslim.compress.quant.Quantizer;
import io.deepslim.engine.Devices;
import io.deepslim.infer.InferenceFusion;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Module;
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

import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Whole-model inference of vgg45m dense against its compressed versions and the four KD students, as deployed:
 * the fused graph {@code predict}, {@code serve} and {@code Detector} run ({@link InferenceFusion#forInference}),
 * each layer on the kernel it picks (native sparse CSR past the break-even, native int8, two GEMMs for low-rank,
 * Winograd / small-map dense). Weights are random (speed does not depend on them; the pruning masks follow their
 * magnitudes as in the paper). ms per batch; images/s = batch × 1000 / ms (the summary script prints both).
 * Run (the whole-model and per-layer grid, about 60 min on 2 cores):
 * {@code benchmarks/run.sh 'CompressBench|CompressLayerBench|LowRankBench' -rf json -rff results/compress-jmh.json}
 * then {@code python3 benchmarks/jmh_summary.py benchmarks/results/compress-jmh.json}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CompressBench {
    @Param({"dense", "prune40", "prune30", "prune20", "prune10", "int8dynamic", "int8static", "lowrank",
            "student40", "student30", "student20", "student10"})
    public String variant;

    @Param({"64", "224"})
    public int size;

    @Param({"1", "8"})
    public int batch;

    /** false times the plain (unfused) module, for comparison. */
    @Param({"true"})
    public boolean fused;

    private Module net;
    private Tensor x;

    @Setup
    public void setup() {
        boolean student = variant.startsWith("student");
        ZooNet plain = Zoo.create(student ? variant : "vgg45m", size, 2, 1);
        plain.eval();
        x = Tensor.randn(new Random(1), 1f, batch, 3, size, size);
        if (!student) compress(plain, variant, Tensor.randn(new Random(3), 1f, 4, 3, size, size));
        net = fused ? InferenceFusion.forInference(plain, Devices.cpu()) : plain;
    }

    /** Applies the named compression (the paper's levels name the percent of weights kept). */
    static void compress(ZooNet net, String variant, Tensor calibration) {
        if (variant.startsWith("prune")) {
            Pruning.l1Local(net, Pruning.Level.keeping(Integer.parseInt(variant.substring(5))).amount());
        } else if (variant.startsWith("sparsity")) {  // beyond the paper's levels: sparsity95 = 95% of each layer pruned
            Pruning.l1Local(net, Integer.parseInt(variant.substring(8)) / 100.0);
        } else if (variant.startsWith("filters")) {  // structured: filters50 keeps 50% of each conv's filters (a smaller dense model)
            io.deepslim.compress.prune.FilterPruning.prune(net, 1 - Integer.parseInt(variant.substring(7)) / 100.0,
                    io.deepslim.compress.prune.FilterPruning.Norm.L1);
        } else if (variant.equals("int8dynamic")) {
            Quantizer.dynamicLinear(net, Granularity.PER_CHANNEL);
        } else if (variant.equals("int8static")) {
            Quantizer.all(net, List.of(calibration), Granularity.PER_CHANNEL, Observer::minMax);
        } else if (variant.equals("lowrank")) {
            LowRank.factorize(net, LowRank.largestLinear(net), 32, Variant.CORRECT);
        } else if (!variant.equals("dense")) {
            throw new IllegalArgumentException("unknown variant " + variant);
        }
        net.eval();
    }

    @Benchmark
    public float forward() {
        try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
            return net.forward(x).buffer().get(0);
        }
    }
}
