package io.deepslim.benchmarks;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.cpu.Gemm;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * conv2d forward (3x3, stride 1, pad 1, batch 1) at vgg45m's layer shapes for a 224 input, next
 * to a bare multi-threaded OpenBLAS sgemm of the same GEMM shape (M = Cout, N = H·W, K = Cin·9).
 * GFLOP/s = 2·M·N·K / time;
 * the conv/sgemm ratio is the figure of merit (target ≥ 80%).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ConvBench {
    /** "Cin,Cout,HW" of vgg45m's conv layers at 224×224. */
    @Param({"3,64,224", "64,64,224", "64,128,112", "128,128,112", "128,256,56", "256,256,56", "256,512,28", "512,128,14"})
    public String layer;

    private Tensor x, w, b, a, bm, c;
    private int m, n, k;
    /** OpenBLAS at its best (its own threads on every core); deepslim's conv runs it single-threaded. */
    private final Gemm gemm = Gemm.best(Runtime.getRuntime().availableProcessors());

    @Setup(Level.Trial)
    public void setup() {
        String[] p = layer.split(",");
        int cin = Integer.parseInt(p[0]), cout = Integer.parseInt(p[1]), hw = Integer.parseInt(p[2]);
        Random rng = new Random(1);
        x = Tensor.randn(rng, 1f, 1, cin, hw, hw);
        w = Tensor.randn(rng, 0.1f, cout, cin, 3, 3);
        b = Tensor.zeros(cout);
        m = cout;
        n = hw * hw;
        k = cin * 9;
        a = Tensor.randn(rng, 1f, m, k);
        bm = Tensor.randn(rng, 1f, k, n);
        c = Tensor.zeros(m, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor t : new Tensor[]{x, w, b, a, bm, c}) t.close();
    }

    @Benchmark
    public float conv2d() {
        try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
            return Ops.conv2d(x, w, b, 1, 1, 1).buffer().get(0);
        }
    }

    @Benchmark
    public float sgemm() {
        gemm.sgemm(false, false, m, n, k, 1f, a.storage().floatPointer(0), a.buffer(), 0, k,
                bm.storage().floatPointer(0), bm.buffer(), 0, n, 0f, c.storage().floatPointer(0), c.buffer(), 0, n);
        return c.buffer().get(0);
    }
}
