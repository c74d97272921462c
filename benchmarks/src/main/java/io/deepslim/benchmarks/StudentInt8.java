package io.deepslim.benchmarks;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.quant.*;
import io.deepslim.infer.InferenceFusion;
import io.deepslim.models.*;
import io.deepslim.nn.Module;
import io.deepslim.tensor.*;
import java.lang.management.*;
import java.util.*;

/**
 * student10 at 224, batch 1, one thread's CPU time: fp32 fused vs static int8 (convs calibrated on one random
 * batch, per channel, + dynamic Linear) fused vs dynamic int8 Linear only, alternating over 15 rounds, medians;
 * prints each fused network's layers (which kernel ran). Run:
 * {@code java -XX:ActiveProcessorCount=1 -cp target/classes:benchmarks/target/classes:benchmarks/target/benchmarks.jar io.deepslim.benchmarks.StudentInt8}
 */
public final class StudentInt8 {
    private StudentInt8() {}

    static double cpuMs(Runnable r) { ThreadMXBean b = ManagementFactory.getThreadMXBean(); long t = b.getCurrentThreadCpuTime(); r.run(); return (b.getCurrentThreadCpuTime() - t) / 1e6; }
    public static void main(String[] a) {
        int size = 224;
        ZooNet fp = Zoo.create("student10", size, 2, 1); fp.eval();
        List<Tensor> cal = List.of(Tensor.randn(new Random(1), 1f, 2, 3, size, size));
        ZooNet q1 = Zoo.create("student10", size, 2, 1); q1.eval();
        int n1 = Quantizer.all(q1, cal, Granularity.PER_CHANNEL, io.deepslim.compress.quant.Observer::minMax);
        ZooNet q2 = Zoo.create("student10", size, 2, 1); q2.eval();
        int n2 = Quantizer.dynamicLinear(q2, Granularity.PER_CHANNEL);
        Module[] nets = {InferenceFusion.fuse(fp), InferenceFusion.fuse(q1), InferenceFusion.fuse(q2)};
        String[] names = {"fp32 fused", "int8 all (static conv " + n1 + " layers + dynamic linear), fused", "int8 dynamic linear only (" + n2 + "), fused"};
        for (int i = 0; i < 3; i++) System.out.println("== " + names[i] + "\n" + nets[i].summary());
        Tensor x = Tensor.randn(new Random(2), 1f, 1, 3, size, size);
        double[][] t = new double[3][15];
        try (GradMode g = GradMode.off()) {
            for (Module m : nets) for (int w = 0; w < 5; w++) try (TensorScope s = TensorScope.open()) { m.forward(x); }
            for (int r = 0; r < 15; r++) for (int i = 0; i < 3; i++) { Module m = nets[i]; t[i][r] = cpuMs(() -> { try (TensorScope s = TensorScope.open()) { m.forward(x); } }); }
        }
        System.out.println("== after the runs\n" + nets[1].summary());
        for (int i = 0; i < 3; i++) { Arrays.sort(t[i]); System.out.printf("%s: median %.2f ms CPU (1 thread)%n", names[i], t[i][7]); }
    }
}
