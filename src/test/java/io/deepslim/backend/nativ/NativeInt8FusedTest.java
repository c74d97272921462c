package io.deepslim.backend.nativ;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.ConvParams;
import io.deepslim.compress.ModuleTree;
import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Int8Conv2d;
import io.deepslim.compress.quant.Observer;
import io.deepslim.compress.quant.Quantizer;
import io.deepslim.engine.Devices;
import io.deepslim.infer.InferenceFusion;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Layers;
import io.deepslim.tensor.DType;
import io.deepslim.backend.Device;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static io.deepslim.backend.nativ.NativeKernelsTest.REF;
import static io.deepslim.backend.nativ.NativeInt8KernelsTest.assertBitEqual;
import static io.deepslim.backend.nativ.NativeInt8KernelsTest.codes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The int8 conv's fused outputs (2x2 max-pool in the kernel, output requantized to the next layer's
 * int8 codes) against a plain-Java composition of the reference kernels, bit for bit, on every path;
 * and a whole fused int8 vgg45m whose activations stay int8 from conv to conv.
 */
class NativeInt8FusedTest {

    /** Odd sizes 1, 7, 31; several 16-pixel vectors per row (49); a strided conv (the GEMM path). */
    static final List<NativeKernelsTest.ConvCase> CASES = List.of(
            new NativeKernelsTest.ConvCase(1, 1, 7, 7, 31, 3, ConvParams.of(1, 1, 1)),
            new NativeKernelsTest.ConvCase(2, 7, 31, 31, 7, 3, ConvParams.of(1, 1, 1)),
            new NativeKernelsTest.ConvCase(1, 31, 1, 7, 7, 3, ConvParams.of(1, 1, 1)),
            new NativeKernelsTest.ConvCase(1, 3, 17, 33, 49, 3, ConvParams.of(1, 1, 1)),
            new NativeKernelsTest.ConvCase(1, 5, 9, 2, 3, 3, ConvParams.of(1, 1, 1)),
            new NativeKernelsTest.ConvCase(1, 8, 9, 15, 17, 3, ConvParams.of(2, 1, 1)));

    /** Plain-Java 2x2 stride-2 max-pool of a float map (first maximum wins; no NaN occurs here). */
    static Tensor pool2(Tensor t) {
        int[] s = t.shape();
        int ho = s[2] / 2, wo = s[3] / 2;
        float[] v = t.toFloatArray(), o = new float[s[0] * s[1] * ho * wo];
        for (int pl = 0; pl < s[0] * s[1]; pl++) {
            for (int i = 0; i < ho; i++) {
                for (int j = 0; j < wo; j++) {
                    int b = pl * s[2] * s[3] + 2 * i * s[3] + 2 * j;
                    float m = v[b];
                    for (float c : new float[]{v[b + 1], v[b + s[3]], v[b + s[3] + 1]}) if (c > m) m = c;
                    o[(pl * ho + i) * wo + j] = m;
                }
            }
        }
        return Tensor.of(o, s[0], s[1], ho, wo);
    }

    @Test
    void fusedPoolAndRequantizeEqualTheJavaCompositionOnEveryPath() {
        SplittableRandom r = new SplittableRandom(31);
        int checked = 0;
        for (NativeKernels k : NativeKernelsTest.paths()) {
            for (NativeKernelsTest.ConvCase c : CASES) {
                for (boolean pool : new boolean[]{false, true}) {
                    for (boolean q8 : new boolean[]{false, true}) {
                        boolean relu = r.nextBoolean();
                        Tensor xq = codes(r, -128, 127, c.n(), c.cin(), c.h(), c.w());
                        Tensor wq = codes(r, -127, 127, c.cout(), c.cin(), c.k(), c.k());
                        Tensor ws = NativeInt8KernelsTest.scales(r, c.cout()), b = NativeKernelsTest.random(r, c.cout());
                        int xz = r.nextInt(-128, 128), ho = c.p().outH(c.h(), c.k()), wo = c.p().outW(c.w(), c.k());
                        // the reference: conv, ReLU, pool, quantize, each the plain-Java kernel
                        Tensor ref = Tensor.empty(c.n(), c.cout(), ho, wo);
                        REF.int8Conv2d(xq, 0.013f, xz, wq, ws, b, c.p(), ref);
                        if (relu) ref = NativeInt8KernelsTest.reluOf(ref);
                        if (pool) ref = pool2(ref);
                        float[] v = ref.toFloatArray();
                        float lo = 0, hi = 0;
                        for (float f : v) { lo = Math.min(lo, f); hi = Math.max(hi, f); }
                        // a scale that puts most values in range and clamps some at both ends
                        float os = Math.max(1e-6f, (hi - lo) / 230f);
                        int oz = r.nextInt(-40, 41);
                        int[] ys = ref.shape();
                        Tensor y = Tensor.empty(Device.cpu(), q8 ? DType.I8 : DType.F32, ys);
                        Int8Kernel kernel = new Int8Kernel();
                        assertTrue(kernel.conv(k, xq, 0.013f, xz, wq, ws, b, c.p(), relu, pool, q8 ? os : 0f, oz, y));
                        assertEquals("int8 " + k.pathName(), kernel.lastChoice());
                        String what = k.pathName() + " " + c + " relu " + relu + " pool " + pool + " int8 out " + q8;
                        if (q8) {
                            Tensor refQ = Tensor.empty(Device.cpu(), DType.I8, ys);
                            REF.quantize(ref, os, oz, refQ);
                            int clamped = 0;
                            for (int i = 0; i < y.numel(); i++) {
                                byte e = refQ.byteBuffer().get(i);
                                assertEquals(e, y.byteBuffer().get(i), what + " code " + i);
                                if (e == 127 || e == -128) clamped++;
                            }
                            if (y.numel() > 20) assertTrue(clamped < y.numel(), what + ": every code clamped, the test says little");
                        } else {
                            assertBitEqual(ref, y, what);
                        }
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked >= 24, "cases checked: " + checked);
    }

    @Test
    void fusedInt8Vgg45mKeepsActivationsInt8AndEqualsTheJavaPathExactly() {
        NativeKernels k = NativeKernelsTest.kernels();
        ZooNet net = Zoo.create("vgg45m", 64, 2, 5);
        net.eval();
        Tensor x = NativeKernelsTest.random(new SplittableRandom(6), 2, 3, 64, 64);
        Quantizer.all(net, List.of(x), Granularity.PER_CHANNEL, Observer::minMax);
        ZooNet fused = InferenceFusion.fuse(net);
        int linked = 0, pooled = 0;
        for (var n : ModuleTree.walk(fused)) {
            assertFalse(n.module() instanceof Layers.MaxPool2d, "max-pool left at " + n.path());
            if (n.module() instanceof Int8Conv2d q) {
                if (q.output != null) linked++;
                if (q.pool) pooled++;
            }
        }
        assertEquals(7, linked, "int8 convs handing int8 codes to the next one (all but the last)");
        assertEquals(5, pooled, "int8 convs with the pool in the kernel");
        Tensor fast, slow, copied;
        try (GradMode g = GradMode.off()) {
            fast = fused.forward(x);
            for (var n : ModuleTree.walk(fused)) {
                if (n.module() instanceof Int8Conv2d q) assertEquals("int8 " + k.pathName(), q.int8Kernel().lastChoice(), n.path());
            }
            // the same network saved and rebuilt (recipes carry pool and output) runs the Java composition on the reference device
            ZooNet ref = (ZooNet) io.deepslim.io.ModelFile.copy(fused);
            ref.to(Devices.reference());
            slow = ref.forward(x.to(Devices.reference())).to(Device.cpu());
            for (var n : ModuleTree.walk(ref)) {
                if (n.module() instanceof Int8Conv2d q) assertTrue(q.int8Kernel().lastChoice().startsWith("java"), n.path());
            }
            copied = slow;
        }
        assertBitEqual(copied, fast, "fused int8 vgg45m (int8 between convs, pools in the kernel) vs the Java path");
    }
}
