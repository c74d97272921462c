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
        double[] tAll = new double[rounds], tOne = new double[rounds];
        for (int r = -2; r < rounds; r++) {   // two warm-up rounds
            for (int v = 0; v < 2; v++) {
                CpuBackend be = (r + v) % 2 == 0 ? all : one;
                long t0 = System.nanoTime();
                caller.submit(() -> be.conv2dForward(x, w, b, p, y)).get();
                double ms = (System.nanoTime() - t0) / 1e6;
                if (r >= 0) (be == all ? tAll : tOne)[r] = ms;
            }
        }
        caller.shutdown();
        Arrays.sort(tAll);
        Arrays.sort(tOne);
        System.out.printf("conv 8×64×56×56, 3×3, called from a ForkJoinPool task; median of %d rounds%n", rounds);
        System.out.printf("backend pool of %d threads: %.1f ms; 1 thread: %.1f ms; speedup %.2f×%n", cores, tAll[rounds / 2], tOne[rounds / 2],
                tOne[rounds / 2] / tAll[rounds / 2]);
    }
}
