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
                    .filter(m -> m instanceof FusedConv2d f && f.pools() && f.foldedWeight().size(1) <= 64).count();
            // student10: 4 depthwise→1x1 blocks + the composed first layer; the others: their pooled
            // 3→32, 32→64 and 64→128 layers (dense, ≤ 64 input channels); 128→ stays on the backend;
            // unpooled dense layers with ≤ 64 input channels (student20's 64→64) run direct too. With the
            // native Winograd kernel (InferenceFusion.nativeWinogradBeatsDirect), only 3→32 stays direct: the
            // 32→64 / 64→128 / 64→64 layers keep their pool in a FusedConv2d
            boolean winograd = InferenceFusion.nativeWinogradBeatsDirect(32, 64, io.deepslim.backend.ConvParams.of(1, 1, 1));
            assertEquals(arch.equals("student10") ? 5 : 3, pooled + pooledWinograd, arch + ": the max-pool was not fused: " + fused.summary());
            assertEquals(arch.equals("student10") ? 5 : winograd ? 1 : 3, pooled, arch + ": " + fused.summary());
            assertEquals(arch.equals("student20") && !winograd ? 4 : pooled, separable, arch + ": " + fused.summary());
            long before = SeparableKernel.calls();
            InferenceFusionTest.assertSameLogits(arch, net, fused, 64);
            if (NativeKernels.get().isPresent()) assertTrue(SeparableKernel.calls() >= before + separable, arch + ": native kernel did not run");
        }
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
