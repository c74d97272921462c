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

    /**
     * conv2dBackwardFilter on the native Winograd backward-filter (its call counter proves it ran) against the
     * reference backend, odd shapes, 1 and 2 threads; then with {@code -Ddeepslim.winograd.native.bwf=off} the
     * im2col path (the counter stays) gives the same gradient. Tolerance: max error ≤ 1e-4 × the reference's rms.
     */
    @Test
    void backwardFilterMatchesTheReferenceAndTheIm2colPath() {
        Assumptions.assumeTrue(NativeKernels.get().isPresent() && WinogradKernel.backwardFilterEnabled(), "native library not loaded or kernel off");
        Backend ref = new RefBackend();
        int[][] shapes = {{2, 33, 17, 9, 11}, {1, 40, 16, 13, 5}, {3, 32, 19, 6, 6}, {4, 64, 24, 4, 4}};  // n, cin, cout, h, w
        int ran = 0;
        for (int threads : new int[]{1, 2}) {
            CpuBackend cpu = new CpuBackend(Gemm.best(), threads);
            for (int[] s : shapes) {
                int n = s[0], cin = s[1], cout = s[2], h = s[3], w = s[4];
                if (!WinogradKernel.wantedBackwardFilter(cin, cout, h, w, 3, 3, SAME)) continue;
                Random rng = new Random(17L * cin + cout + threads);
                Tensor x = Tensor.randn(rng, 1f, n, cin, h, w), dy = Tensor.randn(rng, 1f, n, cout, h, w);
                String what = threads + " thread(s), " + java.util.Arrays.toString(s);
                Tensor want = Tensor.zeros(cout, cin, 3, 3), got = Tensor.full(Float.NaN, cout, cin, 3, 3), im2col = Tensor.full(Float.NaN, cout, cin, 3, 3);
                ref.conv2dBackwardFilter(x, dy, SAME, want);
                long before = WinogradKernel.backwardFilterCalls();
                cpu.conv2dBackwardFilter(x, dy, SAME, got);
                assertEquals(before + 1, WinogradKernel.backwardFilterCalls(), "backward-filter did not run the native kernel: " + what);
                assertClose(want, got, 1e-4, "backward-filter " + what);
                String old = System.getProperty("deepslim.winograd.native.bwf");
                System.setProperty("deepslim.winograd.native.bwf", "off");
                try {
                    cpu.conv2dBackwardFilter(x, dy, SAME, im2col);
                } finally {
                    if (old == null) System.clearProperty("deepslim.winograd.native.bwf");
                    else System.setProperty("deepslim.winograd.native.bwf", old);
                }
                assertEquals(before + 1, WinogradKernel.backwardFilterCalls(), "switched off, the native backward-filter still ran: " + what);
                assertClose(im2col, got, 1e-4, "native vs im2col backward-filter " + what);
                ran++;
            }
        }
        assertEquals(2 * shapes.length, ran, "every shape is one the rule sends to the native kernel");
    }

    /** The rule keeps the im2col path where it measured faster: the first layer (3 input channels) and 2×2 maps. */
    @Test
    void backwardFilterRuleKeepsTheFirstLayerAndTinyMapsOnIm2col() {
        Assumptions.assumeTrue(WinogradKernel.backwardFilterEnabled(), "kernel off");
        assertTrue(!WinogradKernel.wantedBackwardFilter(3, 64, 64, 64, 3, 3, SAME), "first layer");
        assertTrue(!WinogradKernel.wantedBackwardFilter(512, 128, 2, 2, 3, 3, SAME), "2x2 map");
        assertTrue(WinogradKernel.wantedBackwardFilter(64, 64, 64, 64, 3, 3, SAME), "64->64 @64");
        assertTrue(WinogradKernel.wantedBackwardFilter(512, 128, 4, 4, 3, 3, SAME), "512->128 @4");
    }

    /** A stride-2 or grouped 3×3 conv is not the kernel's geometry: the im2col path, no native call. */
    @Test
    void backwardFilterKeepsTheIm2colPathOutsideItsGeometry() {
        Assumptions.assumeTrue(NativeKernels.get().isPresent(), "native library not loaded");
        Random rng = new Random(3);
        ConvParams stride2 = ConvParams.of(2, 1, 1);
        Tensor x = Tensor.randn(rng, 1f, 2, 16, 9, 9), dy = Tensor.randn(rng, 1f, 2, 16, 5, 5);
        Tensor want = Tensor.zeros(16, 16, 3, 3), got = Tensor.zeros(16, 16, 3, 3);
        long before = WinogradKernel.backwardFilterCalls();
        new CpuBackend().conv2dBackwardFilter(x, dy, stride2, got);
        assertEquals(before, WinogradKernel.backwardFilterCalls(), "a stride-2 conv ran the Winograd backward-filter");
        new RefBackend().conv2dBackwardFilter(x, dy, stride2, want);
        assertClose(want, got, 1e-5, "stride 2");
    }

    /**
     * One training step of a small net (13×13 input, batch 3: conv 3→32 @13, BN, ReLU; conv 32→48 @13, BN, ReLU,
     * pool; conv 48→40 @6, ReLU, pool; conv 40→33 @3; average pool, linear): every gradient with the native
     * backward-filter equals the im2col path's (native switched off for the second run) within 1e-3 × its rms;
     * the rule sends exactly the two middle convs to the native kernel (3 input channels and a 3×3 map stay on im2col).
     */
    @Test
    void trainingStepWeightGradientsMatchTheIm2colPath() {
        Assumptions.assumeTrue(NativeKernels.get().isPresent() && WinogradKernel.backwardFilterEnabled(), "native library not loaded or kernel off");
        long before = WinogradKernel.backwardFilterCalls();
        java.util.Map<String, float[]> on = stepGradients();
        assertEquals(2, WinogradKernel.backwardFilterCalls() - before, "native backward-filter calls in one training step");
        java.util.Map<String, float[]> off;
        String old = System.getProperty("deepslim.winograd.native.bwf");
        System.setProperty("deepslim.winograd.native.bwf", "off");
        try {
            before = WinogradKernel.backwardFilterCalls();
            off = stepGradients();
            assertEquals(before, WinogradKernel.backwardFilterCalls(), "switched off, the native backward-filter still ran");
        } finally {
            if (old == null) System.clearProperty("deepslim.winograd.native.bwf");
            else System.setProperty("deepslim.winograd.native.bwf", old);
        }
        assertEquals(off.keySet(), on.keySet());
        int convWeights = 0;
        for (String name : on.keySet()) {
            float[] a = off.get(name), b = on.get(name);
            double ss = 0, worst = 0;
            for (float v : a) ss += (double) v * v;
            for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
            double rms = Math.sqrt(ss / a.length);
            assertTrue(rms > 0 && worst <= 1e-3 * rms, name + ": max difference " + worst + " against rms " + rms);
            if (a.length % 9 == 0 && a.length >= 32 * 9) convWeights++;
        }
        assertEquals(4, convWeights, "conv weights compared: " + on.keySet());
    }

    private static java.util.Map<String, float[]> stepGradients() {
        Random rng = new Random(7);
        io.deepslim.nn.Sequential net = new io.deepslim.nn.Sequential(
                new io.deepslim.nn.Conv2d(rng, 3, 32), new io.deepslim.nn.BatchNorm2d(32), new io.deepslim.nn.Layers.ReLU(),
                new io.deepslim.nn.Conv2d(rng, 32, 48), new io.deepslim.nn.BatchNorm2d(48), new io.deepslim.nn.Layers.ReLU(),
                new io.deepslim.nn.Layers.MaxPool2d(2),
                new io.deepslim.nn.Conv2d(rng, 48, 40), new io.deepslim.nn.Layers.ReLU(), new io.deepslim.nn.Layers.MaxPool2d(2),
                new io.deepslim.nn.Conv2d(rng, 40, 33), new io.deepslim.nn.Layers.AdaptiveAvgPool2d(1, 1),
                new io.deepslim.nn.Layers.Flatten(), new io.deepslim.nn.Linear(rng, 33, 2));
        Tensor x = Tensor.randn(new Random(9), 1f, 3, 3, 13, 13);
        io.deepslim.ops.Ops.crossEntropy(net.forward(x), new int[]{0, 1, 1}).backward();
        java.util.Map<String, float[]> out = new java.util.TreeMap<>();
        net.namedParameters().forEach((name, p) -> {
            if (p.grad() != null) out.put(name, p.grad().toFloatArray());
        });
        return out;
    }

    private static void assertClose(Tensor want, Tensor got, String what) { assertClose(want, got, 2e-4, what); }

    private static void assertClose(Tensor want, Tensor got, double tol, String what) {
        float[] r = want.toFloatArray(), g = got.toFloatArray();
        double ss = 0;
        for (float v : r) ss += (double) v * v;
        double rms = Math.sqrt(ss / r.length), worst = 0;
        for (int i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(r[i] - g[i]));
        assertTrue(worst <= tol * rms, what + ": max error " + worst + " against rms " + rms);
    }
}
