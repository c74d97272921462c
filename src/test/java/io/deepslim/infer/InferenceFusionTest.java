package io.deepslim.infer;

import io.deepslim.autograd.GradMode;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class InferenceFusionTest {
    /** Gives every BatchNorm non-trivial statistics and affine parameters, as a trained model has. */
    static void randomizeBatchNorm(ZooNet net, long seed) {
        Random r = new Random(seed);
        for (Map.Entry<String, Tensor> e : net.stateDict().entrySet()) {
            String k = e.getKey();
            Tensor t = e.getValue();
            if (!(k.endsWith("running_mean") || k.endsWith("running_var") || (k.endsWith(".weight") && t.dim() == 1))) continue;
            for (int i = 0; i < t.numel(); i++) {
                float v = k.endsWith("running_mean") ? (float) r.nextGaussian() * 0.3f : 0.5f + r.nextFloat();
                t.buffer().put(i, v);
            }
        }
    }

    @Test
    void fusedModelsGiveTheSameLogits() {
        for (String arch : new String[]{"vgg45m", "student10", "student30"}) {
            ZooNet net = Zoo.create(arch, 64, 2, 3);
            randomizeBatchNorm(net, 5);
            net.eval();
            ZooNet fused = InferenceFusion.fuse(net);
            assertTrue(fused.summary().contains("+BN+ReLU"), arch + ": nothing was fused");
            // student10's first block (dense 3x3 then 1x1) must have been composed into one conv
            if (arch.equals("student10")) assertTrue(fused.summary().contains("composed"), "student10: block 1 not composed");
            Tensor x = Tensor.randn(new Random(9), 1f, 2, 3, 64, 64);
            try (GradMode g = GradMode.off()) {
                float[] ref = net.forward(x).toFloatArray(), got = fused.forward(x).toFloatArray();
                for (int i = 0; i < ref.length; i++) {
                    // folding reorders float operations: 1e-4 relative to the logits' scale
                    if (Math.abs(ref[i] - got[i]) > 1e-4 * (1 + Math.abs(ref[i]))) fail(arch + " logit " + i + ": " + got[i] + " vs " + ref[i]);
                }
            }
        }
    }
}
