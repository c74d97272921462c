package io.deepslim.backend.nativ;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static io.deepslim.backend.nativ.NativeKernelsTest.REF;
import static io.deepslim.backend.nativ.NativeKernelsTest.assertClose;
import static io.deepslim.backend.nativ.NativeKernelsTest.maxPool2;
import static io.deepslim.backend.nativ.NativeKernelsTest.paths;
import static io.deepslim.backend.nativ.NativeKernelsTest.random;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The native small-map dense convolution against the plain-Java reference backend (conv, ReLU, then the 2×2
 * max-pool), on every dispatch path this CPU has, 1 and 2 threads. Output channels 16, 17, 33, 40 leave partial
 * 16-channel blocks and odd block counts (the 2-block micro-kernel and its single-block tail); maps of 1 to 16
 * positions and batches up to 40 (more than one 256-column group) cover the column tails; strided, padded,
 * dilated, 1×1 and 5×5 kernels the unfolding. Outputs start as NaN, so an element the kernel skips fails.
 */
class NativeSmallMapConvTest {
    record Case(int n, int cin, int cout, int h, int w, int k, ConvParams p) {}

    static final List<Case> CASES = List.of(
            new Case(1, 256, 40, 4, 4, 3, ConvParams.of(1, 1, 1)),    // vgg45m's 4x4 layers, a partial block
            new Case(1, 64, 17, 2, 2, 3, ConvParams.of(1, 1, 1)),
            new Case(3, 7, 33, 3, 5, 3, ConvParams.of(1, 1, 1)),
            new Case(40, 9, 20, 4, 4, 3, ConvParams.of(1, 1, 1)),     // 640 columns: three groups
            new Case(2, 5, 16, 7, 7, 3, ConvParams.of(2, 1, 1)),      // strided: 4x4 out
            new Case(1, 6, 16, 8, 8, 3, new ConvParams(2, 2, 2, 2, 2, 2, 1)),  // strided + dilated
            new Case(2, 4, 19, 3, 3, 1, ConvParams.of(1, 0, 1)),      // pointwise
            new Case(1, 3, 24, 6, 6, 5, ConvParams.of(1, 1, 1)),      // 5x5: 4x4 out
            new Case(5, 12, 16, 1, 1, 3, ConvParams.of(1, 1, 1)));    // 1x1 map

    @Test
    void equalsTheReferenceOnEveryPath() {
        SplittableRandom r = new SplittableRandom(41);
        int checked = 0;
        for (NativeKernels base : paths()) {
            for (int threads : new int[]{1, 2}) {
                NativeKernels k = base.withThreads(threads);
                for (Case c : CASES) {
                    int ho = c.p().outH(c.h(), c.k()), wo = c.p().outW(c.w(), c.k());
                    assertTrue(SmallMapConvKernel.wanted(c.cout(), ho, wo, c.p()), c + " is a small map");
                    Tensor x = random(r, c.n(), c.cin(), c.h(), c.w()), w = random(r, c.cout(), c.cin(), c.k(), c.k());
                    Tensor b = random(r, c.cout());
                    for (boolean relu : new boolean[]{false, true}) {
                        for (boolean pool : ho >= 2 && wo >= 2 ? new boolean[]{false, true} : new boolean[]{false}) {
                            Tensor full = Tensor.empty(c.n(), c.cout(), ho, wo);
                            if (relu) REF.conv2dForwardRelu(x, w, b, c.p(), full);
                            else REF.conv2dForward(x, w, b, c.p(), full);
                            Tensor ref = pool ? maxPool2(full) : full;
                            Tensor y = Tensor.full(Float.NaN, ref.shape());
                            long before = SmallMapConvKernel.calls();
                            SmallMapConvKernel.forward(k, x, w, b, c.p(), relu, pool, y);
                            assertEquals(before + 1, SmallMapConvKernel.calls());
                            assertClose(ref, y, k.pathName() + " x" + threads + " " + c + " relu " + relu + " pool " + pool);
                            checked++;
                        }
                    }
                }
            }
        }
        assertTrue(checked >= 2 * 2 * 30, "cases checked: " + checked);
    }

    @Test
    void withoutBiasAndTheRule() {
        NativeKernels k = NativeKernelsTest.kernels();
        SplittableRandom r = new SplittableRandom(5);
        Tensor x = random(r, 1, 32, 4, 4), w = random(r, 16, 32, 3, 3);
        Tensor ref = Tensor.empty(1, 16, 4, 4), y = Tensor.full(Float.NaN, 1, 16, 4, 4);
        REF.conv2dForward(x, w, null, ConvParams.of(1, 1, 1), ref);
        SmallMapConvKernel.forward(k, x, w, null, ConvParams.of(1, 1, 1), false, false, y);
        assertClose(ref, y, "no bias");
        assertTrue(SmallMapConvKernel.wanted(512, 4, 4, ConvParams.of(1, 1, 1)), "4x4 = 16 positions");
        assertFalse(SmallMapConvKernel.wanted(512, 8, 8, ConvParams.of(1, 1, 1)), "8x8 maps stay on Winograd");
        assertFalse(SmallMapConvKernel.wanted(512, 4, 4, ConvParams.of(1, 1, 4)), "grouped");
        assertFalse(SmallMapConvKernel.wanted(8, 4, 4, ConvParams.of(1, 1, 1)), "fewer than 16 output channels");
        assertThrows(IllegalArgumentException.class,
                () -> SmallMapConvKernel.forward(k, x, w, null, ConvParams.of(1, 1, 1), false, true, Tensor.empty(1, 16, 4, 4)),
                "a pooled call needs the pooled shape");
    }
}
