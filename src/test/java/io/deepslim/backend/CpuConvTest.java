package io.deepslim.backend;

import io.deepslim.backend.cpu.CpuBackend;
import io.deepslim.backend.cpu.RefBackend;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The optimized CPU convolution (im2col + OpenBLAS, banded workspace, pointwise and depthwise
 * fast paths) against the plain-Java reference backend, forward and both backward passes.
 * Tolerance |a−r| ≤ 1e-4·(|r| + rms(r)): float32 sums of many products in a different order err
 * in proportion to the typical size of the sum, which rms(r) measures.
 */
class CpuConvTest {
    static void assertClose(String what, Tensor ref, Tensor got) {
        float[] r = ref.toFloatArray(), g = got.toFloatArray();
        double ss = 0;
        for (float v : r) ss += (double) v * v;
        double rms = Math.sqrt(ss / Math.max(1, r.length));
        for (int i = 0; i < r.length; i++) {
            if (Math.abs(r[i] - g[i]) > 1e-4 * (Math.abs(r[i]) + rms)) {
                fail(what + ": element " + i + " reference " + r[i] + " got " + g[i]);
            }
        }
    }

    @ParameterizedTest(name = "n{0} cin{1} cout{2} {3}x{4} k{5} s{6} p{7} d{8} g{9}")
    @CsvSource({
            "2, 3, 4, 7, 5, 3, 1, 1, 1, 1",
            "1, 4, 6, 9, 9, 3, 2, 1, 1, 2",
            "2, 6, 6, 8, 7, 3, 1, 1, 1, 6",   // depthwise
            "1, 4, 8, 6, 6, 3, 1, 1, 1, 4",   // depthwise, multiplier 2
            "2, 3, 6, 9, 8, 3, 2, 1, 2, 3",   // depthwise, stride 2, dilation 2
            "2, 5, 3, 6, 4, 1, 1, 0, 1, 1",   // pointwise fast path
            "1, 3, 2, 11, 13, 5, 3, 2, 1, 1",
            "1, 2, 3, 9, 9, 3, 1, 2, 2, 1",   // dilation
            "1, 64, 4, 64, 64, 3, 1, 1, 1, 1", // K·H·W over the workspace budget: several bands
            "2, 5, 6, 64, 66, 3, 1, 1, 1, 1",  // width-only unfolding (≥ 4096 outputs), two filter-gradient chunks
            "3, 4, 6, 66, 64, 3, 1, 2, 1, 2",  // … with padding 2 and groups
            "1, 1, 1, 1, 1, 1, 1, 0, 1, 1"})
    void matchesReference(int n, int cin, int cout, int h, int w, int k, int s, int p, int d, int g) {
        ConvParams cp = new ConvParams(s, s, p, p, d, d, g);
        Random rng = new Random(cin * 31L + h);
        Tensor x = Tensor.randn(rng, 1f, n, cin, h, w), wt = Tensor.randn(rng, 0.3f, cout, cin / g, k, k), b = Tensor.randn(rng, 1f, cout);
        int ho = cp.outH(h, k), wo = cp.outW(w, k);
        Tensor dy = Tensor.randn(rng, 1f, n, cout, ho, wo);
        Backend ref = new RefBackend(), fast = new CpuBackend();
        Tensor y1 = Tensor.zeros(n, cout, ho, wo), y2 = Tensor.zeros(n, cout, ho, wo);
        ref.conv2dForward(x, wt, b, cp, y1);
        fast.conv2dForward(x, wt, b, cp, y2);
        assertClose("forward", y1, y2);
        Tensor dx1 = Tensor.full(7f, n, cin, h, w), dx2 = Tensor.full(7f, n, cin, h, w);
        ref.conv2dBackwardData(dy, wt, cp, dx1);
        fast.conv2dBackwardData(dy, wt, cp, dx2);
        assertClose("backward data", dx1, dx2);
        Tensor dw1 = Tensor.full(7f, wt.shape()), dw2 = Tensor.full(7f, wt.shape());
        ref.conv2dBackwardFilter(x, dy, cp, dw1);
        fast.conv2dBackwardFilter(x, dy, cp, dw2);
        assertClose("backward filter", dw1, dw2);
    }

    @ParameterizedTest(name = "gemm {0}x{1}x{2} ta={3} tb={4}")
    @CsvSource({"1, 1, 1, false, false", "31, 17, 1025, false, true", "5, 33, 7, true, false", "64, 3, 9, true, true"})
    void blasGemmMatchesJava(int m, int n, int k, boolean ta, boolean tb) {
        Random rng = new Random(m * 7L + n);
        Tensor a = ta ? Tensor.randn(rng, 1f, k, m) : Tensor.randn(rng, 1f, m, k);
        Tensor b = tb ? Tensor.randn(rng, 1f, n, k) : Tensor.randn(rng, 1f, k, n);
        Tensor c1 = Tensor.randn(new Random(1), 1f, m, n), c2 = Tensor.randn(new Random(1), 1f, m, n);
        new RefBackend().gemm(ta, tb, 0.5f, a, b, 0.25f, c1);
        new CpuBackend().gemm(ta, tb, 0.5f, a, b, 0.25f, c2);
        float[] r = c1.toFloatArray(), g = c2.toFloatArray();
        for (int i = 0; i < r.length; i++) {
            if (Math.abs(r[i] - g[i]) > 1e-3 + 1e-4 * Math.abs(r[i])) fail("gemm element " + i + ": " + r[i] + " vs " + g[i]);
        }
    }
}
