package io.deepslim.backend.nativ;

import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.deepslim.backend.nativ.NativeKernelsTest.paths;
import static io.deepslim.backend.nativ.NativeKernelsTest.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The native small-batch Linear (+bias +ReLU) against a plain double-precision loop written here, on every
 * dispatch path this CPU has (the path name is checked, and the call counter proves the native kernel ran).
 * Inner sizes 1, 7, 33 and 3136 (student10's head) leave vector tails on 4, 8 and 16 lanes; 1, 9, 13 and 128
 * outputs exercise the 8- and 4-row blocks and their remainders; 1, 3, 5 and 8 samples the 4-sample passes and
 * their tails. Tolerance 1e-5 · (1 + Σ|w·x|): float sums in another order than the reference's.
 */
class NativeLinearTest {
    private static void check(NativeKernels k, SplittableRandom r, int m, int in, int out, boolean bias, boolean relu, String what) {
        Tensor x = random(r, m, in), w = random(r, out, in), b = bias ? random(r, out) : null;
        float[] xv = x.toFloatArray(), wv = w.toFloatArray(), bv = bias ? b.toFloatArray() : null;
        Tensor y = Tensor.empty(m, out);
        long before = LinearKernel.calls();
        LinearKernel.forward(k, x, w, b, relu, y);
        assertEquals(before + 1, LinearKernel.calls(), what + ": native kernel did not run");
        float[] got = y.toFloatArray();
        for (int s = 0; s < m; s++) {
            for (int o = 0; o < out; o++) {
                double acc = bias ? bv[o] : 0, mag = bias ? Math.abs(bv[o]) : 0;
                for (int i = 0; i < in; i++) {
                    acc += (double) wv[o * in + i] * xv[s * in + i];
                    mag += Math.abs((double) wv[o * in + i] * xv[s * in + i]);
                }
                double want = relu ? Math.max(0, acc) : acc;
                assertEquals(want, got[s * out + o], 1e-5 * (1 + mag), what + " on " + k.pathName() + " at sample " + s + " output " + o);
            }
        }
    }

    @Test
    void matchesThePlainLoopOnEveryPath() {
        SplittableRandom r = new SplittableRandom(21);
        String[] names = {"portable", "avx2", "avx512-vnni"};
        for (NativeKernels k : paths()) {
            assertEquals(names[k.path()], k.pathName(), "path " + k.path() + " must run as itself on this CPU");
            for (int m : new int[]{1, 3, 5, 8}) for (int in : new int[]{1, 7, 33}) for (int out : new int[]{1, 9, 13}) {
                boolean relu = (m + in + out) % 2 == 0, bias = (m + out) % 3 != 0;
                check(k, r, m, in, out, bias, relu, m + "x" + in + "→" + out + (bias ? " +bias" : "") + (relu ? " +relu" : ""));
            }
            // student10's head at batch 1 and 3, and its last layer
            check(k, r, 1, 3136, 128, true, true, "student10 fc");
            check(k.withThreads(2), r, 3, 3136, 128, true, true, "student10 fc batch 3");
            check(k, r, 1, 128, 2, true, false, "student10 fc1");
        }
    }

    @Test
    void aWeightLargeEnoughForTwoThreadsGivesTheSameResult() {
        // 34 MB of weights: above the kernel's 32 MiB bar, rows split over the helper pool
        NativeKernels k = NativeKernelsTest.kernels().withThreads(2);
        check(k, new SplittableRandom(22), 2, 8200, 1040, true, true, "1040x8200 on two threads");
    }

    @Test
    void mismatchedShapesAreRejected() {
        NativeKernels k = NativeKernelsTest.kernels();
        SplittableRandom r = new SplittableRandom(23);
        Tensor x = random(r, 2, 10), w = random(r, 4, 11);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LinearKernel.forward(k, x, w, null, false, Tensor.empty(2, 4)));
        assertEquals(true, e.getMessage().contains("weight [4, 11]"), e.getMessage());
    }
}
