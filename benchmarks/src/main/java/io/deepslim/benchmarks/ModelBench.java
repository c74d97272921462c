package io.deepslim.benchmarks;

import io.deepslim.autograd.GradMode;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.ops.Ops;
import io.deepslim.optim.SGD;
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

/** Whole-model eval forward (batch 1) and one training step (batch 32 at 64 px). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ModelBench {
    @Param({"vgg45m", "student10"})
    public String arch;

    @Param({"224"})
    public int size;

    private ZooNet net, trainNet;
    private Tensor x, batch;
    private SGD opt;
    private final int[] labels = new int[32];

    @Setup
    public void setup() {
        net = Zoo.create(arch, size, 2, 1);
        net.eval();
        x = Tensor.randn(new Random(1), 1f, 1, 3, size, size);
        trainNet = Zoo.create(arch, 64, 2, 1);
        batch = Tensor.randn(new Random(2), 1f, 32, 3, 64, 64);
        for (int i = 0; i < labels.length; i++) labels[i] = i % 2;
        opt = new SGD(trainNet.parameters(), 0.01f, 0.9f, 0f, false);
    }

    @Benchmark
    public float forward() {
        try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
            return net.forward(x).buffer().get(0);
        }
    }

    @Benchmark
    public float trainStep64Batch32() {
        try (TensorScope s = TensorScope.open()) {
            opt.zeroGrad();
            Tensor loss = Ops.crossEntropy(trainNet.forward(batch), labels);
            loss.backward();
            opt.step();
            return loss.item();
        }
    }
}
