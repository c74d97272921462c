package io.deepslim.backend.nativ;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.ModuleTree;
import io.deepslim.compress.prune.PrunedConv2d;
import io.deepslim.compress.prune.PrunedLinear;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Int8Conv2d;
import io.deepslim.compress.quant.Int8Linear;
import io.deepslim.compress.quant.Observer;
import io.deepslim.compress.quant.Quantizer;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The compressed layers choose the native kernels in inference and keep the dense path in training. */
class CompressedLayersNativeTest {
    @Test
    void prunedModelRunsSparseKernelsInEvalAndMatchesDense() {
        NativeKernelsTest.kernels();
        ZooNet net = Zoo.create("vgg45m", 32, 2, 1);
        Pruning.l1Local(net, 0.9);
        net.eval();
        Tensor x = NativeKernelsTest.random(new SplittableRandom(1), 2, 3, 32, 32);
        Tensor sparse, dense;
        try (GradMode g = GradMode.off()) {
            sparse = net.forward(x);
            for (var n : ModuleTree.walk(net)) {
                if (n.module() instanceof PrunedConv2d c) {
                    assertTrue(c.sparseKernel().lastChoice().startsWith("sparse-csr"), n.path() + ": " + c.sparseKernel().lastChoice());
                    c.sparseKernel().mode(SparseKernel.Mode.DENSE);
                }
                if (n.module() instanceof PrunedLinear l) {
                    assertTrue(l.sparseKernel().lastChoice().startsWith("sparse-csr"), n.path() + ": " + l.sparseKernel().lastChoice());
                    l.sparseKernel().mode(SparseKernel.Mode.DENSE);
                }
            }
            dense = net.forward(x);
        }
        NativeKernelsTest.assertClose(dense, sparse, "pruned vgg45m logits");
        // training keeps the differentiable dense path
        net.train(true);
        PrunedConv2d first = (PrunedConv2d) ModuleTree.get(net, "layer1.0");
        first.sparseKernel().mode(SparseKernel.Mode.AUTO);
        first.forward(x);
        assertTrue(first.sparseKernel().lastChoice().startsWith("dense"), first.sparseKernel().lastChoice());
    }

    @Test
    void int8ModelRunsNativeKernelsAndEqualsJavaExactly() {
        NativeKernels k = NativeKernelsTest.kernels();
        ZooNet net = Zoo.create("vgg45m", 32, 2, 2);
        net.eval();
        Tensor x = NativeKernelsTest.random(new SplittableRandom(2), 2, 3, 32, 32);
        Quantizer.all(net, List.of(x), Granularity.PER_CHANNEL, Observer::minMax);
        Tensor fast, slow;
        try (GradMode g = GradMode.off()) {
            fast = net.forward(x);
            int8Layers(net, "int8 " + k.pathName());
            slow = forwardOnPath(net, x, k.withPath(NativeKernels.PORTABLE));
            int8Layers(net, "int8 portable");
        }
        NativeKernelsTest.assertBitEqual(slow, fast, "int8 vgg45m logits, best path vs portable");
    }

    private static Tensor forwardOnPath(ZooNet net, Tensor x, NativeKernels k) {
        for (var n : ModuleTree.walk(net)) {
            if (n.module() instanceof Int8Conv2d c) c.int8Kernel().use(k);
            if (n.module() instanceof Int8Linear l) l.int8Kernel().use(k);
        }
        return net.forward(x);
    }

    private static void int8Layers(ZooNet net, String expected) {
        int seen = 0;
        for (var n : ModuleTree.walk(net)) {
            String c = n.module() instanceof Int8Conv2d q ? q.int8Kernel().lastChoice()
                    : n.module() instanceof Int8Linear l ? l.int8Kernel().lastChoice() : null;
            if (c == null) continue;
            assertEquals(expected, c, n.path());
            seen++;
        }
        assertTrue(seen >= 8, "int8 layers found: " + seen);
    }
}
