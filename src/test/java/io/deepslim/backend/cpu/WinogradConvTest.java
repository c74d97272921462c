package io.deepslim.backend.cpu;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Winograd F(2×2,3×3) and F(4×4,3×3), called directly (so a silent fallback cannot pass), against
 * a float64 direct convolution. Tolerance |a − r| ≤ tol·rms(r) with tol 1e-5 (F2) and 1e-4 (F4):
 * Winograd's transforms add and subtract scaled inputs, so its error grows with the typical size
 * of the outputs (and, for F4, the transform's ±8 coefficients), not with each output's own size.
 */
class WinogradConvTest {
    /** Direct 3×3 pad-1 convolution in double: (N, K, H, W). */
    static double[] direct(float[] x, float[] w, float[] b, int n, int cin, int cout, int h, int wd) {
        double[] y = new double[n * cout * h * wd];
        for (int s = 0; s < n; s++)
            for (int k = 0; k < cout; k++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < wd; j++) {
                        double acc = b == null ? 0 : b[k];
                        for (int c = 0; c < cin; c++)
                            for (int a = 0; a < 3; a++) {
                                int ih = i - 1 + a;
                                if (ih < 0 || ih >= h) continue;
                                for (int e = 0; e < 3; e++) {
                                    int iw = j - 1 + e;
                                    if (iw < 0 || iw >= wd) continue;
                                    acc += (double) x[((s * cin + c) * h + ih) * wd + iw] * w[((k * cin + c) * 3 + a) * 3 + e];
                                }
                            }
                        y[((s * cout + k) * h + i) * wd + j] = acc;
                    }
        return y;
    }

    /** max |got − ref| / rms(ref). */
    static double relError(double[] ref, float[] got) {
        double ss = 0, worst = 0;
        for (double v : ref) ss += v * v;
        double rms = Math.sqrt(ss / ref.length);
        for (int i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
        return worst / rms;
    }

    @ParameterizedTest(name = "n{0} cin{1} cout{2} {3}x{4}")
    @CsvSource({
            "1, 1, 1, 1, 1",
            "1, 1, 7, 5, 6",
            "3, 7, 1, 7, 7",
            "1, 7, 31, 9, 8",
            "3, 31, 7, 10, 11",
            "2, 31, 31, 31, 30",
            "1, 16, 33, 64, 62"})   // several blocks: the block-parallel path
    void forwardMatchesFloat64Direct(int n, int cin, int cout, int h, int w) {
        Random rng = new Random(cin * 131L + h * 7L + w);
        Tensor x = Tensor.randn(rng, 1f, n, cin, h, w), wt = Tensor.randn(rng, 0.3f, cout, cin, 3, 3), b = Tensor.randn(rng, 1f, cout);
        double[] ref = direct(x.toFloatArray(), wt.toFloatArray(), b.toFloatArray(), n, cin, cout, h, w);
        for (int threads : new int[]{1, 2}) {
            WinogradConv wc = new WinogradConv(new CpuBackend(Gemm.best(), threads));
            for (WinogradTransform tf : new WinogradTransform[]{WinogradTransform.F2, WinogradTransform.F4}) {
                Tensor y = Tensor.full(Float.NaN, n, cout, h, w);
                wc.forward(x, wt, b, false, y, tf, false);
                double err = relError(ref, y.toFloatArray()), tol = tf == WinogradTransform.F2 ? 1e-5 : 1e-4;
                if (!(err <= tol)) fail("F" + tf.m + " threads " + threads + ": max error " + err + " × rms > " + tol);
                // fused ReLU: exactly max(plain, 0)
                Tensor yr = Tensor.full(Float.NaN, n, cout, h, w);
                wc.forward(x, wt, b, true, yr, tf, false);
                float[] plain = y.toFloatArray(), r = yr.toFloatArray();
                for (int i = 0; i < r.length; i++) assertEquals(Math.max(plain[i], 0f), r[i], 0f, "relu element " + i);
            }
        }
    }

    @ParameterizedTest(name = "n{0} cin{1} cout{2} {3}x{4}")
    @CsvSource({"1, 7, 31, 9, 8", "3, 31, 7, 10, 11", "2, 1, 7, 7, 7"})
    void flippedFilterIsBackwardData(int n, int cin, int cout, int h, int w) {
        Random rng = new Random(cin + 17L * h);
        Tensor dy = Tensor.randn(rng, 1f, n, cout, h, w), wt = Tensor.randn(rng, 0.3f, cout, cin, 3, 3);
        Tensor ref = Tensor.zeros(n, cin, h, w);
        CpuBackend.reference().conv2dBackwardData(dy, wt, ConvParams.of(1, 1, 1), ref);
        float[] r = ref.toFloatArray();
        double[] rd = new double[r.length];
        for (int i = 0; i < r.length; i++) rd[i] = r[i];
        WinogradConv wc = new WinogradConv(new CpuBackend());
        for (WinogradTransform tf : new WinogradTransform[]{WinogradTransform.F2, WinogradTransform.F4}) {
            Tensor dx = Tensor.full(Float.NaN, n, cin, h, w);
            wc.forward(dy, wt, null, false, dx, tf, true);
            double err = relError(rd, dx.toFloatArray());
            if (!(err <= 1e-4)) fail("F" + tf.m + " backward data: max error " + err + " × rms");
        }
    }

    @Test
    void cachedFilterFollowsInPlaceWeightUpdates() {
        Random rng = new Random(5);
        int n = 1, cin = 5, cout = 6, h = 9, w = 9;
        Tensor x = Tensor.randn(rng, 1f, n, cin, h, w), wt = Tensor.randn(rng, 0.3f, cout, cin, 3, 3);
        WinogradConv wc = new WinogradConv(new CpuBackend());
        Tensor y = Tensor.zeros(n, cout, h, w);
        wc.forward(x, wt, null, false, y, WinogradTransform.F4, false);
        // change one weight in place: the next call must see it
        wt.buffer().put(wt.offset() + 13, wt.buffer().get(wt.offset() + 13) + 1f);
        wc.forward(x, wt, null, false, y, WinogradTransform.F4, false);
        double[] ref = direct(x.toFloatArray(), wt.toFloatArray(), null, n, cin, cout, h, w);
        double err = relError(ref, y.toFloatArray());
        if (!(err <= 1e-4)) fail("stale filter transform: error " + err);
    }

    @Test
    void ruleTakesOnlyStride1Pad1Ungrouped3x3() {
        ConvParams same = ConvParams.of(1, 1, 1);
        assertNotNull(WinogradConv.choose(1, 64, 64, 56, 56, 3, 3, same));
        assertNull(WinogradConv.choose(1, 3, 64, 224, 224, 3, 3, same), "K = 27 stays on im2col");
        assertNull(WinogradConv.choose(1, 64, 64, 56, 56, 3, 3, ConvParams.of(2, 1, 1)));
        assertNull(WinogradConv.choose(1, 64, 64, 56, 56, 3, 3, ConvParams.of(1, 1, 2)));
        assertNull(WinogradConv.choose(1, 64, 64, 56, 56, 1, 1, ConvParams.of(1, 0, 1)));
        assertNull(WinogradConv.choose(1, 64, 64, 56, 56, 3, 3, new ConvParams(1, 1, 1, 1, 2, 2, 1)));
        assertSame(WinogradTransform.F4, WinogradConv.choose(1, 256, 256, 56, 56, 3, 3, same));
        assertSame(WinogradTransform.F2, WinogradConv.choose(32, 512, 128, 2, 2, 3, 3, same), "2x2 maps: F(2x2)");
    }
}
