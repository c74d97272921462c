package io.deepslim.infer;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.nativ.NativeKernels;
import io.deepslim.backend.nativ.SeparableKernel;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every student of the zoo, fused for inference (depthwise→1x1 blocks and small first layers as
 * one native pass with BN, ReLU and max-pool fused), gives the unfused eval-mode logits within
 * 1e-4 relative; the fused modules must really be there and really run natively.
 */
class StudentFusionTest {
    @Test
    void everyStudentFusesAndKeepsItsLogits() {
        for (String arch : Zoo.NAMES) {
            if (!arch.startsWith("student")) continue;
            ZooNet net = Zoo.create(arch, 64, 2, 3);
            InferenceFusionTest.randomizeBatchNorm(net, 5);
            net.eval();
            ZooNet fused = InferenceFusion.fuse(net);
            long separable = fused.namedModules().values().stream().filter(FusedSeparable3x3.class::isInstance).count();
            long pooled = fused.namedModules().values().stream()
                    .filter(m -> m instanceof FusedSeparable3x3 f && f.pools()).count();
            long pooledWinograd = fused.namedModules().values().stream()
                    .filter(m -> m instanceof FusedConv2d f && f.pools()).count();
            // student10: 4 depthwise→1x1 blocks + the composed first layer, all direct. The others, with the
            // native Winograd kernel (InferenceFusion.nativeWinogradBeatsDirect: ≥ 16 in, ≥ 32 out channels):
            // only the 3→32 layer runs direct; every other dense 3x3 layer is a FusedConv2d on that kernel,
            // pool included. Without it: dense layers with ≤ 64 input channels run direct (pooled or not),
            // those with ≤ 128 direct on maps ≤ 28 px wide (decided per call); student40's 256→128 stays a
            // FusedConv2d.
            boolean winograd = InferenceFusion.nativeWinogradBeatsDirect(32, 64, io.deepslim.backend.ConvParams.of(1, 1, 1));
            int[] want = switch (arch) {     // {pooled direct, direct, pooled FusedConv2d}: with / without Winograd
                case "student10" -> winograd ? new int[]{5, 5, 0} : new int[]{5, 5, 0};
                case "student20" -> winograd ? new int[]{1, 1, 4} : new int[]{5, 7, 0};
                case "student30" -> winograd ? new int[]{1, 1, 4} : new int[]{5, 6, 0};
                default -> winograd ? new int[]{1, 1, 4} : new int[]{4, 6, 1};
            };
            assertEquals(want[0], pooled, arch + ": " + fused.summary());
            assertEquals(want[1], separable, arch + ": " + fused.summary());
            assertEquals(want[2], pooledWinograd, arch + ": the max-pool was not fused: " + fused.summary());
            long before = SeparableKernel.calls();
            InferenceFusionTest.assertSameLogits(arch, net, fused, 64);
            if (NativeKernels.get().isPresent()) assertTrue(SeparableKernel.calls() >= before + separable, arch + ": native kernel did not run");
        }
    }

    @Test
    void wideMapsOfManyChannelsRunOnTheBackendConv() {
        // student20 at 256 px: 128→128 (+pool) sees a 32 px map (> 28: backend conv + pool), then 16, 8, 8 px (direct)
        ZooNet net = Zoo.create("student20", 256, 2, 3);
        InferenceFusionTest.randomizeBatchNorm(net, 7);
        net.eval();
        // the small-map rule applies only without the native Winograd kernel (which is faster there)
        String old = System.getProperty("deepslim.winograd.native");
        System.setProperty("deepslim.winograd.native", "off");
        ZooNet fused;
        try {
            fused = InferenceFusion.fuse(net, false);  // layer by layer: depth-first chunks would add calls
        } finally {
            if (old == null) System.clearProperty("deepslim.winograd.native");
            else System.setProperty("deepslim.winograd.native", old);
        }
        assertTrue(fused.summary().contains("wider than 28"), fused.summary());
        long before = SeparableKernel.calls();
        InferenceFusionTest.assertSameLogits("student20@256", net, fused, 256);
        if (NativeKernels.get().isPresent()) assertEquals(before + 6, SeparableKernel.calls(), "layer4 (32 px, 128 channels) must not run direct");
    }

    @Test
    void fusedStudentRunsOnTheJavaFallbackToo() {
        // the reference backend's tensors are not native-addressable: FusedSeparable3x3 falls back to backend convs + pool
        io.deepslim.backend.Device ref = new io.deepslim.backend.Device("ref-fallback", new io.deepslim.backend.cpu.RefBackend());
        ZooNet net = Zoo.create("student10", 64, 2, 3);
        InferenceFusionTest.randomizeBatchNorm(net, 6);
        net.eval();
        ZooNet fused = InferenceFusion.fuse(net);
        Tensor x = Tensor.randn(new Random(4), 1f, 1, 3, 64, 64);
        float[] want, got;
        try (GradMode g = GradMode.off()) {
            want = net.forward(x).toFloatArray();
            fused.to(ref);
            long before = SeparableKernel.calls();
            got = fused.forward(x.to(ref)).toFloatArray();
            assertEquals(before, SeparableKernel.calls(), "the reference device must not reach the native kernel");
        }
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-4 * (1 + Math.abs(want[i])), "logit " + i);
    }
}
