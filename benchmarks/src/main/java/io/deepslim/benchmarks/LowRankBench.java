package io.deepslim.benchmarks;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.lowrank.Factorized;
import io.deepslim.compress.lowrank.LowRank;
import io.deepslim.compress.lowrank.Variant;
import io.deepslim.engine.Devices;
import io.deepslim.infer.InferenceFusion;
import io.deepslim.nn.Linear;
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
 * A factorized (SVD-split) Linear against the two bare GEMMs it should cost and against the dense layer:
 * {@code factorized} runs the {@link Factorized} layer (x·Aᵀ, then ·Bᵀ + bias); {@code two-gemms} calls the
 * backend's sgemm twice on preallocated tensors of the same shapes (no bias, no allocation): the floor the
 * layer is measured against; {@code dense} is the original Linear (rank ignored); the {@code -fused} variants are
 * the same layers in the inference graph {@code predict}, {@code serve} and {@code Detector} run.
 * Run: benchmarks/run.sh LowRankBench
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LowRankBench {
    /** in:out of the Linear: vgg45m's fc.1 and a square one. */
    @Param({"6272:256", "1024:1024"})
    public String shape;

    @Param({"1", "32"})
    public int batch;

    @Param({"6", "32", "128"})
    public int rank;

    @Param({"dense", "factorized", "two-gemms", "dense-fused", "factorized-fused"})
    public String variant;

    private Module layer;
    private Tensor x, a, b, mid, out;

    @Setup
    public void setup() {
        String[] s = shape.split(":");
        int in = Integer.parseInt(s[0]), outF = Integer.parseInt(s[1]);
        Linear dense = new Linear(new Random(1), in, outF);
        Sequential holder = new Sequential(dense);
        x = Tensor.randn(new Random(2), 1f, batch, in);
        if (variant.startsWith("dense")) {
            layer = dense;
        } else {
            Factorized f = LowRank.factorize(holder, "0", rank, Variant.CORRECT);
            layer = f;
            a = ((Linear) f.first()).weight();   // (rank, in)
            b = ((Linear) f.second()).weight();  // (out, rank)
            mid = Tensor.zeros(batch, rank);
            out = Tensor.zeros(batch, outF);
        }
        holder.eval();
        // as deployed (predict, serve, Detector): each factor a native Linear pass, the bias in the second one's pass
        if (variant.endsWith("-fused")) layer = InferenceFusion.forInference(holder, Devices.cpu());
    }

    @Benchmark
    public float forward() {
        if (variant.equals("two-gemms")) {
            var be = x.device().backend();
            be.gemm(false, true, 1f, x, a, 0f, mid);
            be.gemm(false, true, 1f, mid, b, 0f, out);
            return out.buffer().get(0);
        }
        try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
            return layer.forward(x).buffer().get(0);
        }
    }
}
