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
        NativeInt8KernelsTest.assertBitEqual(slow, fast, "int8 vgg45m logits, best path vs portable");
    }

    @Test
    void fusedInt8ModelFoldsBatchNormAndReluAndMatchesUnfused() {
        NativeKernels k = NativeKernelsTest.kernels();
        ZooNet net = Zoo.create("vgg45m", 32, 2, 3);
        net.eval();
        Tensor x = NativeKernelsTest.random(new SplittableRandom(4), 2, 3, 32, 32);
        // BN statistics away from the identity, one negative γ, so the fold does something
        for (var n : ModuleTree.walk(net)) {
            if (n.module() instanceof io.deepslim.nn.BatchNorm2d bn) {
                var st = bn.stateDict();
                SplittableRandom r = new SplittableRandom(n.path().hashCode());
                for (String key : List.of("weight", "bias", "running_mean", "running_var")) {
                    Tensor t = st.get(key);
                    for (int i = 0; i < t.numel(); i++) {
                        float v = key.equals("running_var") ? (float) (0.5 + r.nextDouble()) : (float) (r.nextDouble() - 0.3);
                        t.buffer().put(t.offset() + i, v);
                    }
                }
            }
        }
        Quantizer.all(net, List.of(x), Granularity.PER_CHANNEL, Observer::minMax);
        ZooNet fused = io.deepslim.infer.InferenceFusion.fuse(net);
        int folded = 0;
        for (var n : ModuleTree.walk(fused)) {
            assertFalse(n.module() instanceof io.deepslim.nn.BatchNorm2d, "BN left at " + n.path());
            if (n.module() instanceof Int8Conv2d q && q.relu) folded++;
        }
        assertEquals(8, folded, "int8 convs with BN and ReLU folded");
        Tensor plain, fast, slow;
        try (GradMode g = GradMode.off()) {
            plain = net.forward(x);
            fast = fused.forward(x);
            int8Layers(fused, "int8 " + k.pathName());
            slow = forwardOnPath(fused, x, k.withPath(NativeKernels.PORTABLE));
        }
        NativeInt8KernelsTest.assertBitEqual(slow, fast, "fused int8 vgg45m logits, best path vs portable");
        float[] a = plain.toFloatArray(), b = fast.toFloatArray();
        float scale = 0;
        for (float v : a) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < a.length; i++) {
            // float rounding of the folded scales can move an activation code by one step downstream
            assertEquals(a[i], b[i], 1e-2f * scale + 1e-5f, "fused vs unfused int8 logit " + i);
        }
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
