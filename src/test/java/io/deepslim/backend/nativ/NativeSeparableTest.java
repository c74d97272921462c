package io.deepslim.backend.nativ;

import io.deepslim.backend.Backend;
import io.deepslim.backend.ConvParams;
import io.deepslim.backend.PoolParams;
import io.deepslim.engine.Devices;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.deepslim.backend.nativ.NativeKernelsTest.REF;
import static io.deepslim.backend.nativ.NativeKernelsTest.assertClose;
import static io.deepslim.backend.nativ.NativeKernelsTest.paths;
import static io.deepslim.backend.nativ.NativeKernelsTest.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native 3×3 (depthwise / small dense) kernel with its fused 1×1, ReLU and max-pool stages
 * against the plain-Java reference backend, on every dispatch path this CPU has. Sizes 1, 7, 31
 * (and a width that differs from the height) exercise the borders, the vector tails and maps
 * smaller than one vector; tolerance 1e-4 relative (FMA and summation order differ).
 */
class NativeSeparableTest {
    private static final int[] SIZES = {1, 7, 31};

    /** relu?(conv1x1?(conv3x3(x))), then maxpool2 if asked, all on the reference backend. */
    private static Tensor reference(Tensor x, Tensor sw, Tensor sb, int groups, int stride, Tensor pw, Tensor pb,
                                    boolean relu, boolean pool) {
        ConvParams p = new ConvParams(stride, stride, 1, 1, 1, 1, groups);
        int ho = (x.size(2) - 1) / stride + 1, wo = (x.size(3) - 1) / stride + 1;
        Tensor mid = Tensor.empty(x.device(), DType.F32, x.size(0), sw.size(0), ho, wo);
        REF.conv2dForward(x, sw, sb, p, mid);
        Tensor out = mid;
        if (pw != null) {
            out = Tensor.empty(x.device(), DType.F32, x.size(0), pw.size(0), ho, wo);
            REF.conv2dForward(mid, pw, pb, ConvParams.of(1, 0, 1), out);
        }
        if (relu) {
            float[] v = out.toFloatArray();
            for (int i = 0; i < v.length; i++) v[i] = Math.max(v[i], 0f);
            out = Tensor.of(v, out.shape());
        }
        if (!pool) return out;
        Tensor y = Tensor.empty(x.device(), DType.F32, out.size(0), out.size(1), ho / 2, wo / 2);
        REF.maxPool2dForward(out, new PoolParams(2, 2, 0), y, Tensor.empty(x.device(), DType.I32, y.shape()));
        return y;
    }

    private static void check(NativeKernels k, SplittableRandom r, int n, int cin, int h, int w, int cmid, int groups, int stride,
                              int cout, boolean relu, boolean pool, String what) {
        Tensor x = random(r, n, cin, h, w), sw = random(r, cmid, cin / groups, 3, 3), sb = random(r, cmid);
        Tensor pw = cout > 0 ? random(r, cout, cmid, 1, 1) : null, pb = cout > 0 ? random(r, cout) : null;
        Tensor expected = reference(x, sw, sb, groups, stride, pw, pb, relu, pool);
        Tensor y = Tensor.empty(expected.shape());
        long before = SeparableKernel.calls();
        SeparableKernel.forward(k, x, sw, sb, groups, stride, pw, pb, relu, pool, y);
        assertEquals(before + 1, SeparableKernel.calls(), what + ": native kernel did not run");
        assertClose(expected, y, what + " on " + k.pathName());
    }

    @Test
    void depthwiseMatchesTheReferenceOnEveryPath() {
        SplittableRandom r = new SplittableRandom(11);
        for (NativeKernels k : paths()) {
            for (int s : SIZES) for (int stride = 1; stride <= 2; stride++) for (int mult = 1; mult <= 2; mult++) for (boolean relu : new boolean[]{false, true}) {
                // width s + 2 (not a multiple of any vector width) next to height s
                check(k, r, 2, 5, s, s + 2, 5 * mult, 5, stride, 0, relu, false, "depthwise " + s + " stride " + stride + " x" + mult + " relu " + relu);
            }
            // one wide map: several bands, full vectors and both worker threads
            check(k.withThreads(2), r, 1, 8, 40, 70, 16, 8, 1, 0, true, false, "depthwise 40x70");
            // multiplier 1 on 12 channels: blocks of 4 channels that each read their own plane
            check(k, r, 2, 12, 9, 45, 12, 12, 1, 0, true, false, "depthwise x1 9x45");
        }
    }

    @Test
    void fusedPointwiseReluAndPoolMatchTheReference() {
        SplittableRandom r = new SplittableRandom(12);
        for (NativeKernels k : paths()) {
            for (int s : SIZES) for (int stride = 1; stride <= 2; stride++) for (boolean pool : new boolean[]{false, true}) {
                if (pool && s == 1 && stride == 1) continue;  // a 1x1 map pools to nothing
                check(k, r, 2, 6, s, s, 12, 6, stride, 7, true, pool, "dw+1x1 " + s + " stride " + stride + " pool " + pool);
                check(k, r, 1, 3, s, s + 1, 8, 1, stride, 0, stride == 1, pool, "dense cin 3 " + s + " stride " + stride + " pool " + pool);
            }
            // student10 block 2 at 64 px and its first layer: shapes the model really runs
            check(k.withThreads(2), r, 1, 32, 32, 32, 64, 32, 1, 64, true, true, "student10 block2 @32");
            check(k.withThreads(2), r, 2, 3, 64, 64, 32, 1, 1, 0, true, true, "student10 layer1 @64");
            // dense 32→16 with the pool: odd sizes whose pooled rows take whole vectors and a scalar tail
            // (37 on 16 lanes: 2 + 5), as student20's 32→64 layer runs it
            check(k.withThreads(2), r, 1, 32, 23, 75, 16, 1, 1, 0, true, true, "dense cin 32 23x75 pool");
            check(k, r, 2, 16, 9, 70, 8, 1, 1, 0, false, true, "dense cin 16 9x70 pool");
        }
    }

    /**
     * Stride-1 bands computed as one flat strip (dense maps narrower than 4 vectors, every
     * depthwise map): input channels 1, 7, 31 and output channels 1, 7, 12, 16 (register tiles of
     * 8 / 4 channels and their remainders), widths 7, 14, 29 and 70 (strips that end mid-vector;
     * 70 runs row by row on 16 lanes and as a strip on 8 and 4), with and without the pool.
     */
    @Test
    void flatStripBandsMatchTheReference() {
        SplittableRandom r = new SplittableRandom(15);
        for (NativeKernels k : paths()) {
            for (int cin : new int[]{1, 7, 31}) for (int cmid : new int[]{1, 7, 12, 16}) for (int w : new int[]{7, 14, 29, 70}) {
                boolean pool = (cin + cmid + w) % 2 == 0;
                check(k, r, 1, cin, 9, w, cmid, 1, 1, 0, true, pool, "dense " + cin + "→" + cmid + " 9x" + w + " pool " + pool);
            }
            // student20's 128→128 @14 and 128→64 @7 and vgg45m-like 64→64 @56 with the pool, on two threads
            check(k.withThreads(2), r, 1, 128, 14, 14, 128, 1, 1, 0, true, true, "dense 128→128 @14 pool");
            check(k, r, 1, 128, 7, 7, 64, 1, 1, 0, true, false, "dense 128→64 @7");
            check(k.withThreads(2), r, 1, 64, 56, 56, 64, 1, 1, 0, true, true, "dense 64→64 @56 pool");
            // depthwise strips: multiplier 1 and 2, widths 7 to 113, 1x1 stage or not
            for (int w : new int[]{7, 14, 29, 113}) for (int mult = 1; mult <= 2; mult++) {
                check(k, r, 1, 12, 10, w, 12 * mult, 12, 1, w % 2 == 0 ? 9 : 0, true, w % 2 == 0, "depthwise x" + mult + " 10x" + w);
            }
        }
    }

    /**
     * Depthwise strips written in place (rows w + 2 apart in the scratch) and the 1x1 stage's exact-width tiles:
     * multipliers 1 and 2 (one input plane at a time, taps in registers) and 3 and 4 (channel blocks); widths 5,
     * 17, 33 and 59, whose strips end 1, 2 or 3 vectors past the last whole 1x1 tile on 16, 8 and 4 lanes; 1, 7,
     * 13 and 24 output channels (8-, 4- and 1-row 1x1 tiles); batch 1 and 3; pooled or not; each path this CPU has.
     */
    @Test
    void inPlaceStripsAndExactWidthPointwiseTilesMatchTheReference() {
        SplittableRandom r = new SplittableRandom(16);
        for (NativeKernels k : paths()) {
            for (int mult = 1; mult <= 4; mult++) for (int w : new int[]{5, 17, 33, 59}) {
                int cout = new int[]{1, 7, 13, 24}[(mult + w) % 4];
                int n = w % 2 == 1 && mult % 2 == 0 ? 3 : 1;
                boolean pool = (mult + w / 2) % 2 == 0;
                check(k, r, n, 6, 11, w, 6 * mult, 6, 1, cout, true, pool, "depthwise x" + mult + " 11x" + w + " ·1x1→" + cout + " batch " + n + " pool " + pool);
            }
            // the 3x3 stage alone (its ReLU in the strip), widths whose rows are not whole vectors
            for (int w : new int[]{9, 30}) check(k, r, 3, 4, 6, w, 8, 4, 1, 0, true, w == 30, "depthwise x2 alone 6x" + w);
        }
    }

    @Test
    void cpuBackendDepthwiseConvRunsNatively() {
        NativeKernelsTest.kernels();
        Backend cpu = Devices.cpu().backend();
        SplittableRandom r = new SplittableRandom(13);
        for (int stride = 1; stride <= 2; stride++) {
            Tensor x = random(r, 2, 6, 31, 31), w = random(r, 12, 1, 3, 3), b = random(r, 12);
            ConvParams p = new ConvParams(stride, stride, 1, 1, 1, 1, 6);
            int o = (31 - 1) / stride + 1;
            Tensor want = Tensor.empty(2, 12, o, o), got = Tensor.empty(2, 12, o, o);
            REF.conv2dForwardRelu(x, w, b, p, want);
            long before = SeparableKernel.calls();
            cpu.conv2dForwardRelu(x, w, b, p, got);
            assertTrue(SeparableKernel.calls() > before, "the CPU backend's depthwise conv did not use the native kernel");
            assertClose(want, got, "cpu depthwise stride " + stride);
        }
    }

    @Test
    void mismatchedShapesAreRejectedWithAMessage() {
        NativeKernels k = NativeKernelsTest.kernels();
        SplittableRandom r = new SplittableRandom(14);
        Tensor x = random(r, 1, 4, 8, 8), sw = random(r, 4, 1, 3, 3), y = Tensor.empty(1, 4, 4, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SeparableKernel.forward(k, x, sw, null, 4, 1, null, null, false, false, y));
        assertTrue(e.getMessage().contains("separable3x3"), e.getMessage());
    }
}
