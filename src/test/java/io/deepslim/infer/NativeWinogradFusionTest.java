package io.deepslim.infer;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.nativ.NativeKernels;
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
    @Test
    void vgg45mLogitsMatchWithTheNativeKernelOnAndOff() {
        if (NativeKernels.get().isEmpty()) fail("native library did not load: " + NativeKernels.loadFailure());
        ZooNet net = Zoo.create("vgg45m", 64, 2, 3);
        InferenceFusionTest.randomizeBatchNorm(net, 5);
        net.eval();
        ZooNet fused = InferenceFusion.fuse(net);
        Tensor x = Tensor.randn(new Random(4), 1f, 2, 3, 64, 64);
        try (GradMode g = GradMode.off()) {
            long before = WinogradKernel.calls();
            float[] on = fused.forward(x).toFloatArray();
            long calls = WinogradKernel.calls() - before;
            // layers 2-8 of vgg45m (64..512 channels, maps 64..4) run natively; layer 1 (3 channels) runs direct
            assertEquals(7, calls, "native Winograd calls in one forward: " + fused.summary());
            assertTrue(fused.summary().contains("winograd-native F4"), "the kernel is not named per layer: " + fused.summary());
            float[] off;
            String old = System.getProperty("deepslim.winograd.native");
            System.setProperty("deepslim.winograd.native", "off");
            try {
                before = WinogradKernel.calls();
                off = fused.forward(x).toFloatArray();
                assertEquals(before, WinogradKernel.calls(), "the switch did not turn the native kernel off");
            } finally {
                if (old == null) System.clearProperty("deepslim.winograd.native");
                else System.setProperty("deepslim.winograd.native", old);
            }
            for (int i = 0; i < on.length; i++) {
                if (Math.abs(on[i] - off[i]) > 1e-3 * (1 + Math.abs(off[i]))) fail("logit " + i + ": native " + on[i] + " vs Java " + off[i]);
            }
        }
    }
}
