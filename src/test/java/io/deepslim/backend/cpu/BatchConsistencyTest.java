package io.deepslim.backend.cpu;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A batch of N samples gives the same output as N batch-1 calls: both Winograd block layouts
 * (tile rows of several samples in one block, and the phase-split path for small maps) and the
 * im2col paths (width-only and classic unfolding), at odd batch sizes. The per-sample arithmetic
 * is the same; only the GEMMs' column blocking differs (a block's tile count depends on the batch),
 * which moves F(4×4) outputs by ≈ 1.5e-5 × rms (its own error against float64 is 3.5e-5 – 6.3e-5).
 * Tolerance: 1e-4 × rms of the output for F(4×4) (as in WinogradConvTest), 1e-5 for F(2×2) and im2col.
 */
class BatchConsistencyTest {
    /** max |a − b| ≤ tol × rms(b), failing on NaN (an output element that was never written). */
    static void assertClose(float[] batched, float[] single, double tol, String what) {
        double ss = 0, worst = 0;
        for (float v : single) ss += (double) v * v;
        double rms = Math.sqrt(ss / single.length);
        for (int i = 0; i < single.length; i++) {
            double d = Math.abs(batched[i] - single[i]);
            if (Double.isNaN(d)) fail(what + ": NaN at " + i);
            worst = Math.max(worst, d);
        }
        if (!(worst <= tol * rms)) fail(what + ": batched vs single max |diff| " + worst + " > " + tol + " × rms " + rms);
    }

    /** Sample s of x (N, C, H, W) as its own (1, C, H, W) tensor. */
    static Tensor sample(Tensor x, int s) {
        int per = (int) (x.numel() / x.size(0));
        return Tensor.of(Arrays.copyOfRange(x.toFloatArray(), s * per, (s + 1) * per), 1, x.size(1), x.size(2), x.size(3));
    }

    @ParameterizedTest(name = "n{0} cin{1} cout{2} {3}x{3}")
    @CsvSource({
            "3, 16, 24, 8",     // one block: phases split across threads
            "9, 16, 24, 32",    // several blocks, blocks spanning sample boundaries
            "9, 32, 16, 15",    // ragged tiles at the right and bottom edges
            "3, 24, 16, 61"})
    void winogradBatchEqualsSingles(int n, int cin, int cout, int hw) {
        Random rng = new Random(n * 31L + hw);
        Tensor x = Tensor.randn(rng, 1f, n, cin, hw, hw), w = Tensor.randn(rng, 0.2f, cout, cin, 3, 3), b = Tensor.randn(rng, 1f, cout);
        WinogradConv wc = new WinogradConv(new CpuBackend(Gemm.best(), 2));
        for (WinogradTransform tf : new WinogradTransform[]{WinogradTransform.F2, WinogradTransform.F4}) {
            Tensor y = Tensor.full(Float.NaN, n, cout, hw, hw);
            wc.forward(x, w, b, true, y, tf, false);
            float[] all = y.toFloatArray();
            int per = cout * hw * hw;
            for (int s = 0; s < n; s++) {
                Tensor ys = Tensor.full(Float.NaN, 1, cout, hw, hw);
                wc.forward(sample(x, s), w, b, true, ys, tf, false);
                assertClose(Arrays.copyOfRange(all, s * per, (s + 1) * per), ys.toFloatArray(), tf == WinogradTransform.F4 ? 1e-4 : 1e-5, "F" + tf.m + " sample " + s + " of " + n);
            }
        }
    }

    @ParameterizedTest(name = "n{0} cin{1} cout{2} {3}x{3} k{4} s{5} p{6} {7}")
    @CsvSource({
            "3, 3, 32, 64, 3, 1, 1, WIDTH_ONLY",   // the RGB first layer (K = 27) at a map of ≥ 4096 pixels
            "9, 3, 16, 70, 3, 1, 1, WIDTH_ONLY",
            "9, 8, 16, 17, 3, 2, 1, IM2COL",       // strided: classic unfolding
            "3, 5, 12, 20, 5, 1, 2, IM2COL",       // small map, 5×5 kernel
            "9, 24, 16, 12, 1, 1, 0, POINTWISE"})
    void im2colBatchEqualsSingles(int n, int cin, int cout, int hw, int k, int stride, int pad, CpuConv.Algo expect) {
        Random rng = new Random(n * 17L + hw + k);
        ConvParams p = ConvParams.of(stride, pad, 1);
        Tensor x = Tensor.randn(rng, 1f, n, cin, hw, hw), w = Tensor.randn(rng, 0.2f, cout, cin, k, k), b = Tensor.randn(rng, 1f, cout);
        int ho = p.outH(hw, k), wo = p.outW(hw, k);
        // the shape really takes the path this case is about (not Winograd, not another unfolding)
        assertEquals(null, WinogradConv.choose(n, cin, cout, hw, hw, k, k, p));
        RefConv.Geometry g = new RefConv.Geometry(x.shape(), w.shape(), new int[]{n, cout, ho, wo}, p);
        assertEquals(expect, CpuConv.plan(g, p));
        CpuBackend be = new CpuBackend(Gemm.best(), 2);
        Tensor y = Tensor.full(Float.NaN, n, cout, ho, wo);
        be.conv2dForwardRelu(x, w, b, p, y);
        float[] all = y.toFloatArray();
        int per = cout * ho * wo;
        for (int s = 0; s < n; s++) {
            Tensor ys = Tensor.full(Float.NaN, 1, cout, ho, wo);
            be.conv2dForwardRelu(sample(x, s), w, b, p, ys);
            assertClose(Arrays.copyOfRange(all, s * per, (s + 1) * per), ys.toFloatArray(), 1e-5, expect + " sample " + s + " of " + n);
        }
    }
}
