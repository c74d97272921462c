package io.deepslim.benchmarks;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.lowrank.LowRank;
import io.deepslim.compress.lowrank.Variant;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Observer;
import io.deepslim.compress.quant.Quantizer;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
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
 * Whole-model eval latency (batch 1) of vgg45m dense vs its compressed versions, each running the
 * kernel its layers choose (native sparse CSR, native int8, two GEMMs for low-rank).
 * Run: benchmarks/run.sh CompressBench
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CompressBench {
    @Param({"dense", "prune40", "prune30", "prune20", "prune10", "int8dynamic", "int8static", "lowrank"})
    public String variant;

    @Param({"64", "224"})
    public int size;

    private ZooNet net;
    private Tensor x;

    @Setup
    public void setup() {
        net = Zoo.create("vgg45m", size, 2, 1);
        net.eval();
        x = Tensor.randn(new Random(1), 1f, 1, 3, size, size);
        compress(net, variant, x);
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
