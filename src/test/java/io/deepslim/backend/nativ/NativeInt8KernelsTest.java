package io.deepslim.backend.nativ;

import io.deepslim.backend.ConvParams;
import io.deepslim.backend.Device;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static io.deepslim.backend.nativ.NativeKernelsTest.CONVS;
import static io.deepslim.backend.nativ.NativeKernelsTest.ConvCase;
import static io.deepslim.backend.nativ.NativeKernelsTest.REF;
import static io.deepslim.backend.nativ.NativeKernelsTest.kernels;
import static io.deepslim.backend.nativ.NativeKernelsTest.paths;
import static io.deepslim.backend.nativ.NativeKernelsTest.random;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The int8 kernels (Linear, conv, activation quantization) against the plain-Java reference backend, bit for bit, on
 * each dispatch path this CPU has (split from {@link NativeKernelsTest}, whose helpers it shares).
 */
class NativeInt8KernelsTest {
    /** Codes with many extremes (−128 activations, ±127 weights) to exercise int16 saturation. */
    static Tensor codes(SplittableRandom r, int lo, int hi, int... shape) {
        Tensor t = Tensor.empty(Device.cpu(), DType.I8, shape);
        for (int i = 0; i < t.numel(); i++) {
            int v = r.nextInt(4) == 0 ? (r.nextBoolean() ? lo : hi) : r.nextInt(lo, hi + 1);
            t.byteBuffer().put(t.offset() + i, (byte) v);
        }
        return t;
    }

    static Tensor scales(SplittableRandom r, int n) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) s[i] = (float) (0.001 + r.nextDouble() * 0.05);
        return Tensor.of(s, n);
    }

    static void assertBitEqual(Tensor expected, Tensor actual, String what) {
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(Float.floatToIntBits(e[i]), Float.floatToIntBits(a[i]), what + " at " + i + ": " + e[i] + " vs " + a[i]);
        }
    }

    @Test
    void int8LinearEqualsReferenceExactlyOnEveryPath() {
        SplittableRandom r = new SplittableRandom(21);
        for (NativeKernels k : paths()) {
            for (int[] mkn : new int[][]{{1, 1, 1}, {1, 1025, 7}, {7, 31, 31}, {17, 64, 9}, {2, 6272, 33}}) {
                for (boolean perChannel : new boolean[]{false, true}) {
                    Tensor xq = codes(r, -128, 127, mkn[0], mkn[1]), wq = codes(r, -127, 127, mkn[2], mkn[1]);
                    Tensor ws = scales(r, perChannel ? mkn[2] : 1), b = perChannel ? random(r, mkn[2]) : null;
                    int xz = r.nextInt(-128, 128);
                    Tensor y = Tensor.empty(mkn[0], mkn[2]), ref = Tensor.empty(mkn[0], mkn[2]);
                    assertTrue(new Int8Kernel().linear(k, xq, 0.02f, xz, wq, ws, b, false, y));
                    REF.int8Gemm(xq, 0.02f, xz, wq, ws, b, ref);
                    assertBitEqual(ref, y, k.pathName() + " int8 linear " + java.util.Arrays.toString(mkn));
                }
            }
        }
    }

    /**
     * The shared conv cases plus shapes aimed at the direct int8 kernel's blocking: channel blocks of 8
     * (cout 9, 17), 16-pixel vectors in tiles of 3 (widths 17, 33, 47, 49, 1025), channel quads (cin 5, 1025).
     */
    static final List<ConvCase> INT8_CONVS = java.util.stream.Stream.concat(CONVS.stream(), java.util.stream.Stream.of(
            new ConvCase(1, 5, 9, 6, 49, 3, ConvParams.of(1, 1, 1)),
            new ConvCase(2, 7, 17, 5, 47, 3, ConvParams.of(1, 1, 1)),
            new ConvCase(1, 1025, 31, 2, 3, 3, ConvParams.of(1, 1, 1)),
            new ConvCase(1, 3, 7, 1, 1025, 3, ConvParams.of(1, 1, 1)),
            new ConvCase(1, 12, 18, 9, 33, 3, new ConvParams(1, 1, 2, 2, 2, 2, 3)),  // dilated + grouped
            new ConvCase(1, 8, 16, 17, 17, 3, ConvParams.of(2, 1, 2)),               // strided + grouped
            new ConvCase(1, 4, 5, 9, 17, 5, ConvParams.of(1, 0, 1)))).toList();      // no padding

    /** max(v, 0) with the reference's sign handling (−0 stays −0, as {@code v < 0 ? 0 : v}). */
    static Tensor reluOf(Tensor t) {
        float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) if (v[i] < 0f) v[i] = 0f;
        return Tensor.of(v, t.shape());
    }

    @Test
    void int8ConvEqualsReferenceExactlyOnEveryPath() {
        assertConvsEqualReference(INT8_CONVS, new SplittableRandom(23));
    }

    /**
     * Maps whose rows fill few 16-pixel vectors run on the flat layout (16 pixels of the flattened map per
     * vector): 1, 2, 4, 5 and 6 vectors (micro-kernels of 1, 2 and 3 vectors on VNNI), several samples, groups,
     * dilation, a 5x5 kernel. Each case is first checked to take that layout, then against the reference.
     */
    @Test
    void flatSmallMapLayoutEqualsReferenceExactly() {
        List<ConvCase> flat = List.of(
                new ConvCase(1, 16, 9, 4, 4, 3, ConvParams.of(1, 1, 1)),     // 1 vector
                new ConvCase(1, 5, 17, 6, 5, 3, ConvParams.of(1, 1, 1)),     // 30 pixels: 2 vectors
                new ConvCase(3, 33, 8, 8, 8, 3, ConvParams.of(1, 1, 1)),     // 4 vectors, 3 samples
                new ConvCase(1, 7, 12, 9, 9, 3, ConvParams.of(1, 1, 1)),     // 81 pixels: 6 vectors
                new ConvCase(2, 12, 18, 7, 11, 3, new ConvParams(1, 1, 2, 2, 2, 2, 3)),  // dilated + grouped
                new ConvCase(1, 4, 5, 9, 10, 5, ConvParams.of(1, 0, 1)),     // 5x5, no padding: 5x6 map
                new ConvCase(1, 512, 16, 2, 2, 3, ConvParams.of(1, 1, 1)));  // vgg45m's last conv at 32 px
        for (ConvCase c : flat) {
            int g = c.p().groups(), ho = c.p().outH(c.h(), c.k()), wo = c.p().outW(c.w(), c.k());
            assertEquals(1, NativeLibrary.ds_int8_conv_flat_layout(c.cin() / g, c.k(), c.k(), c.p().dilationH(), c.p().dilationW(), ho, wo),
                    c + " should run on the flat layout");
        }
        assertEquals(0, NativeLibrary.ds_int8_conv_flat_layout(64, 3, 3, 1, 1, 32, 32), "32-wide rows fill their vectors: row layout");
        assertEquals(0, NativeLibrary.ds_int8_conv_flat_layout(256, 3, 3, 1, 1, 56, 56), "56x56 (7/8 filled): the 9 copies would not stay in cache");
        assertConvsEqualReference(flat, new SplittableRandom(29));
    }

    private static void assertConvsEqualReference(List<ConvCase> cases, SplittableRandom r) {
        for (NativeKernels k : paths()) {
            for (ConvCase c : cases) {
                boolean relu = r.nextBoolean();
                Tensor xq = codes(r, -128, 127, c.n(), c.cin(), c.h(), c.w());
                Tensor wq = codes(r, -127, 127, c.cout(), c.cin() / c.p().groups(), c.k(), c.k());
                Tensor ws = scales(r, c.cout()), b = random(r, c.cout());
                int xz = r.nextInt(-128, 128);
                int ho = c.p().outH(c.h(), c.k()), wo = c.p().outW(c.w(), c.k());
                Tensor y = Tensor.empty(c.n(), c.cout(), ho, wo), ref = Tensor.empty(c.n(), c.cout(), ho, wo);
                Int8Kernel kernel = new Int8Kernel();
                assertTrue(kernel.conv(k, xq, 0.013f, xz, wq, ws, b, c.p(), relu, y));
                assertEquals("int8 " + k.pathName(), kernel.lastChoice());
                REF.int8Conv2d(xq, 0.013f, xz, wq, ws, b, c.p(), ref);
                if (relu) ref = reluOf(ref);
                assertBitEqual(ref, y, k.pathName() + " int8 conv " + c + " relu " + relu);
            }
        }
    }

    @Test
    void quantizeEqualsReferenceExactly() {
        NativeKernels k = kernels();
        SplittableRandom r = new SplittableRandom(2);
        Tensor x = random(r, 3, 1025);
        x.buffer().put(x.offset(), 0.5f * 0.03f);  // a tie that must round to even
        Tensor q = Tensor.empty(Device.cpu(), DType.I8, 3, 1025), ref = Tensor.empty(Device.cpu(), DType.I8, 3, 1025);
        Int8Kernel.quantize(k, x, 0.03f, -3, q);
        REF.quantize(x, 0.03f, -3, ref);
        for (int i = 0; i < q.numel(); i++) assertEquals(ref.byteBuffer().get(i), q.byteBuffer().get(i), "code " + i);
        assertArrayEquals(REF.minMax(x), Int8Kernel.minMax(x));
        // scale 1/4: x * 4 is exact, so these are true ties (half to even), NaN (code 0 before the zero
        // point, as Java's cast), infinities and huge values (clamped), inside the vector body and the tail
        float[] special = {0.125f, 0.375f, -0.625f, -0.375f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e30f, -1e30f,
                31.875f, -32.125f, 31.625f};
        Tensor y = random(r, 3, 1025);
        for (int i = 0; i < special.length; i++) {
            y.buffer().put(y.offset() + 17 * i, special[i]);
            y.buffer().put(y.offset() + 3 * 1025 - 1 - i, special[i]);
        }
        Int8Kernel.quantize(k, y, 0.25f, 5, q);
        REF.quantize(y, 0.25f, 5, ref);
        for (int i = 0; i < q.numel(); i++) assertEquals(ref.byteBuffer().get(i), q.byteBuffer().get(i), "special code " + i);
        assertEquals(0 + 5, q.byteBuffer().get(0), "0.125 * 4 = 0.5 rounds to even 0, then + 5");
        assertEquals(2 + 5, q.byteBuffer().get(17 * 1), "1.5 rounds to 2");
        assertEquals(-2 + 5, q.byteBuffer().get(17 * 2), "-2.5 rounds to -2");
        assertEquals(0, q.byteBuffer().get(17 * 4), "NaN gives code 0");
        assertEquals(127, q.byteBuffer().get(17 * 5), "+inf clamps");
    }
}
