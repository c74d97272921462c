package io.deepslim.backend.cpu;

import io.deepslim.backend.Backend;
import io.deepslim.backend.ConvParams;
import io.deepslim.backend.nativ.NativeKernels;
import io.deepslim.backend.nativ.WinogradKernel;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU backend's conv forward (training and unfused inference) and backward-data on the native Winograd
 * F(4×4) kernel, against the reference backend's direct convolution: ragged maps, channel counts that are not
 * multiples of 16, 1 and 2 threads; the kernel's call counter proves the native path ran. Tolerance 2e-4 × the
 * reference's rms (F(4×4) in fp32 measures ≈ 1e-4, see NativeWinogradTest).
 */
class NativeWinogradTrainingTest {
    private static final ConvParams SAME = ConvParams.of(1, 1, 1);

    @Test
    void forwardAndBackwardDataMatchTheReference() {
        Assumptions.assumeTrue(NativeKernels.get().isPresent() && WinogradKernel.enabled(), "native library not loaded or kernel off");
        Backend ref = new RefBackend();
        int[][] shapes = {{2, 17, 32, 9, 11}, {1, 16, 16, 4, 4}, {3, 32, 19, 13, 6}};  // n, cin, cout, h, w
        for (int threads : new int[]{1, 2}) {
            CpuBackend cpu = new CpuBackend(Gemm.best(), threads);
            for (int[] s : shapes) {
                int n = s[0], cin = s[1], cout = s[2], h = s[3], w = s[4];
                Random rng = new Random(31L * cin + cout + threads);
                Tensor x = Tensor.randn(rng, 1f, n, cin, h, w), wt = Tensor.randn(rng, 0.2f, cout, cin, 3, 3);
                Tensor b = Tensor.randn(rng, 1f, cout), dy = Tensor.randn(rng, 1f, n, cout, h, w);
                String what = threads + " thread(s), " + java.util.Arrays.toString(s);

                Tensor want = Tensor.zeros(n, cout, h, w), got = Tensor.zeros(n, cout, h, w);
                ref.conv2dForward(x, wt, b, SAME, want);
                long before = WinogradKernel.calls();
                cpu.conv2dForward(x, wt, b, SAME, got);
                assertEquals(before + 1, WinogradKernel.calls(), "forward did not run the native kernel: " + what);
                assertClose(want, got, "forward " + what);

                Tensor wantDx = Tensor.zeros(n, cin, h, w), gotDx = Tensor.full(Float.NaN, n, cin, h, w);
                ref.conv2dBackwardData(dy, wt, SAME, wantDx);
                before = WinogradKernel.calls();
                cpu.conv2dBackwardData(dy, wt, SAME, gotDx);
                assertEquals(before + 1, WinogradKernel.calls(), "backward-data did not run the native kernel: " + what);
                assertClose(wantDx, gotDx, "backward-data " + what);
            }
        }
    }

    @Test
    void backwardDataFollowsAnUpdatedWeight() {
        Assumptions.assumeTrue(NativeKernels.get().isPresent() && WinogradKernel.enabled(), "native library not loaded or kernel off");
        Random rng = new Random(5);
        Tensor wt = Tensor.randn(rng, 0.2f, 16, 16, 3, 3), dy = Tensor.randn(rng, 1f, 1, 16, 8, 8);
        CpuBackend cpu = new CpuBackend();
        Tensor first = Tensor.zeros(1, 16, 8, 8), second = Tensor.zeros(1, 16, 8, 8), want = Tensor.zeros(1, 16, 8, 8);
        cpu.conv2dBackwardData(dy, wt, SAME, first);
        // an in-place update that bumps the storage version, as SGD and Adam steps do, must invalidate the
        // cached transposed filter
        cpu.binary(io.deepslim.backend.BinaryOp.MUL, wt, Tensor.scalar(-2f), wt);
        wt.storage().bumpVersion();
        cpu.conv2dBackwardData(dy, wt, SAME, second);
        new RefBackend().conv2dBackwardData(dy, wt, SAME, want);
        assertClose(want, second, "after the update");
        float[] a = first.toFloatArray(), c = second.toFloatArray();
        assertEquals(-2f * a[7], c[7], 1e-3f * (1 + Math.abs(a[7])), "the stale filter was used");
    }

    private static void assertClose(Tensor want, Tensor got, String what) {
        float[] r = want.toFloatArray(), g = got.toFloatArray();
        double ss = 0;
        for (float v : r) ss += (double) v * v;
        double rms = Math.sqrt(ss / r.length), worst = 0;
        for (int i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(r[i] - g[i]));
        assertTrue(worst <= 2e-4 * rms, what + ": max error " + worst + " against rms " + rms);
    }
}
