package io.deepslim.backend.cpu;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.Tensor;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;

/**
 * Not a unit test: the speedup of a convolution called from inside a ForkJoinPool task (as from a
 * parallel stream or CompletableFuture), with the backend's own pool of all cores versus one thread
 * (what the old {@code inForkJoinPool()} shortcut silently gave). Variants alternate each round; medians.
 * Run: {@code mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt &&
 * java -cp target/classes:target/test-classes:$(cat cp.txt) io.deepslim.backend.cpu.ParallelSpeedupBench [rounds]}
 */
public final class ParallelSpeedupBench {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15, cores = Runtime.getRuntime().availableProcessors();
        CpuBackend all = new CpuBackend(new CpuContext(cores, 1)), one = new CpuBackend(new CpuContext(1, 1));
        Random rng = new Random(1);
        // a vgg45m-like layer: 8 images, 64→64 channels at 56×56, 3×3
        Tensor x = Tensor.randn(rng, 1f, 8, 64, 56, 56), w = Tensor.randn(rng, 0.1f, 64, 64, 3, 3), b = Tensor.zeros(64), y = Tensor.zeros(8, 64, 56, 56);
        ConvParams p = ConvParams.of(1, 1, 1);
        ForkJoinPool caller = new ForkJoinPool(1);
        // variants, rotated each round: pool backend from a ForkJoinPool task, pool backend from this plain thread, one thread
        double[][] t = new double[3][rounds];
        for (int r = -2; r < rounds; r++) {   // two warm-up rounds
            for (int k = 0; k < 3; k++) {
                int v = (r + 3 + k) % 3;
                CpuBackend be = v == 2 ? one : all;
                long t0 = System.nanoTime();
                if (v == 1) be.conv2dForward(x, w, b, p, y);
                else caller.submit(() -> be.conv2dForward(x, w, b, p, y)).get();
                if (r >= 0) t[v][r] = (System.nanoTime() - t0) / 1e6;
            }
        }
        caller.shutdown();
        for (double[] a : t) Arrays.sort(a);
        double fj = t[0][rounds / 2], plain = t[1][rounds / 2], single = t[2][rounds / 2];
        System.out.printf("conv 8×64×56×56, 3×3; median of %d rounds; %d cores%n", rounds, cores);
        System.out.printf("pool of %d from a ForkJoinPool task: %.1f ms; pool of %d from a plain thread: %.1f ms; 1 thread: %.1f ms%n",
                cores, fj, cores, plain, single);
        System.out.printf("speedup from inside the ForkJoinPool task: %.2f× (plain thread: %.2f×)%n", single / fj, single / plain);
    }
}
