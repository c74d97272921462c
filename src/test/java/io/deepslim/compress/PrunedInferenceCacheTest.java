package io.deepslim.compress;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.prune.PrunedConv2d;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.ops.Ops;
import io.deepslim.optim.SGD;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Pruned layers below the sparse break-even run dense on a cached orig ⊙ mask: it must follow every weight update. */
class PrunedInferenceCacheTest {
    @Test
    void cachedMaskedWeightFollowsOptimizerSteps() {
        ZooNet net = Zoo.create("vgg45m", 32, 2, 3);
        Pruning.l1Local(net, 0.4);                       // 40% sparse: below every break-even, so the cached dense path runs
        Tensor x = Tensor.randn(new Random(5), 1f, 2, 3, 32, 32);
        net.eval();
        float[] before;
        try (GradMode g = GradMode.off()) {
            before = net.forward(x).toFloatArray();       // builds the cache
        }
        PrunedConv2d first = (PrunedConv2d) io.deepslim.compress.ModuleTree.get(net, "layer1.0");
        assertTrue(first.sparseKernel().lastChoice().startsWith("dense"), first.sparseKernel().lastChoice());
        SGD opt = new SGD(net.parameters(), 0.05f, 0f, 0f, false);
        opt.zeroGrad();
        Ops.sum(net.forward(x)).backward();              // eval mode, gradient wanted: the uncached differentiable path
        opt.step();
        float[] cached, fresh;
        try (GradMode g = GradMode.off()) {
            cached = net.forward(x).toFloatArray();       // no gradient: the cached path, which must have been rebuilt
        }
        fresh = net.forward(x).toFloatArray();            // gradient wanted: orig ⊙ mask computed anew
        assertFalse(java.util.Arrays.equals(before, cached), "the step changed nothing, so this test measures nothing");
        for (int i = 0; i < fresh.length; i++) {
            assertEquals(fresh[i], cached[i], 1e-4f * (1 + Math.abs(fresh[i])), "logit " + i + " from a stale cached weight");
        }
    }
}
