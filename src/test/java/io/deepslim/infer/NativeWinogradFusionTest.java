package io.deepslim.infer;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.nativ.NativeKernels;
import io.deepslim.backend.nativ.SmallMapConvKernel;
import io.deepslim.backend.nativ.WinogradKernel;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fused vgg45m with its 3×3 stride-1 layers (≥ 16 channels, maps ≥ 4×4) on the native
 * Winograd kernel against the same fused model with {@code -Ddeepslim.winograd.native=off} (the Java
 * Winograd / direct paths). Logits agree within 1e-3 × (1 + |logit|): both sides are float32 Winograd
 * F(4×4) with different summation orders over six layers.
 */
class NativeWinogradFusionTest {
    /** A fused vgg45m at {@code size} px with randomized BatchNorm statistics. */
    private static ZooNet fusedVgg(int size, long seed) {
        if (NativeKernels.get().isEmpty()) fail("native library did not load: " + NativeKernels.loadFailure());
        ZooNet net = Zoo.create("vgg45m", size, 2, 3);
        InferenceFusionTest.randomizeBatchNorm(net, seed);
        net.eval();
        return InferenceFusion.fuse(net);
    }

    /**
     * The logits of {@code fused} on x with system property {@code name=off}, checking that {@code calls} (a kernel's
     * call counter) did not move, then compared with {@code on} within 1e-3 × (1 + |logit|).
     */
    private static void assertSameLogitsWithKernelOff(ZooNet fused, Tensor x, float[] on, String name, java.util.function.LongSupplier calls) {
        String old = System.getProperty(name);
        System.setProperty(name, "off");
        float[] off;
        try {
            long before = calls.getAsLong();
            off = fused.forward(x).toFloatArray();
            assertEquals(before, calls.getAsLong(), "-D" + name + "=off did not turn the kernel off");
        } finally {
            if (old == null) System.clearProperty(name);
            else System.setProperty(name, old);
        }
        for (int i = 0; i < on.length; i++) {
            if (Math.abs(on[i] - off[i]) > 1e-3 * (1 + Math.abs(off[i]))) fail("logit " + i + ": on " + on[i] + " vs " + name + "=off " + off[i]);
        }
    }

    @Test
    void vgg45mLogitsMatchWithTheNativeKernelOnAndOff() {
        ZooNet fused = fusedVgg(64, 5);
        Tensor x = Tensor.randn(new Random(4), 1f, 2, 3, 64, 64);
        try (GradMode g = GradMode.off()) {
            long before = WinogradKernel.calls(), smallBefore = SmallMapConvKernel.calls();
            float[] on = fused.forward(x).toFloatArray();
            // layers 2-7 of vgg45m (64..512 channels, maps 64..8) run natively; layer 1 (3 channels) runs direct, layer 8
            // (a 4x4 map) on the small-map kernel
            assertEquals(6, WinogradKernel.calls() - before, "native Winograd calls in one forward: " + fused.summary());
            assertEquals(1, SmallMapConvKernel.calls() - smallBefore, "small-map calls in one forward: " + fused.summary());
            assertTrue(fused.summary().contains("winograd-native F4"), "the kernel is not named per layer: " + fused.summary());
            assertSameLogitsWithKernelOff(fused, x, on, "deepslim.winograd.native", WinogradKernel::calls);
        }
    }

    /**
     * At 32 px vgg45m's last two convs have 4×4 and 2×2 maps: the small-map kernel takes them (and no other layer),
     * and the logits equal those with {@code -Ddeepslim.conv.smallMap=off} (Winograd / the Java path) within
     * 1e-3 × (1 + |logit|).
     */
    @Test
    void vgg45mAt32pxRunsItsSmallMapsOnTheSmallMapKernel() {
        ZooNet fused = fusedVgg(32, 6);
        Tensor x = Tensor.randn(new Random(8), 1f, 3, 3, 32, 32);
        try (GradMode g = GradMode.off()) {
            long before = SmallMapConvKernel.calls();
            float[] on = fused.forward(x).toFloatArray();
            assertEquals(2, SmallMapConvKernel.calls() - before, "small-map calls in one forward: " + fused.summary());
            assertTrue(fused.summary().contains("dense small-map"), "the kernel is not named per layer: " + fused.summary());
            assertSameLogitsWithKernelOff(fused, x, on, "deepslim.conv.smallMap", SmallMapConvKernel::calls);
        }
    }
}
