package io.deepslim.backend.cpu;

import io.deepslim.backend.Backend;
import io.deepslim.backend.ConvParams;
import io.deepslim.backend.PoolParams;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Convolution + 2×2/2 max-pool in one call. The Winograd path is called directly (a silent fallback
 * cannot pass) and compared with the float64 direct convolution pooled in double; the backend entry
 * (Winograd and im2col) is compared with the reference backend's conv → ReLU → max-pool. Odd map
 * sizes check the ragged last tile row/column and the dropped odd row/column (floor mode).
 */
class ConvMaxPoolFusionTest {
    /** 2×2/2 floor-mode max-pool of (N, C, H, W) in double, after an optional ReLU. */
    static double[] pool(double[] y, int n, int c, int h, int w, boolean relu) {
        int hp = h / 2, wp = w / 2;
        double[] out = new double[n * c * hp * wp];
        for (int p = 0; p < n * c; p++)
            for (int i = 0; i < hp; i++)
                for (int j = 0; j < wp; j++) {
                    int b = p * h * w + 2 * i * w + 2 * j;
                    double v = Math.max(Math.max(y[b], y[b + 1]), Math.max(y[b + w], y[b + w + 1]));
                    out[(p * hp + i) * wp + j] = relu ? Math.max(v, 0) : v;
                }
        return out;
    }

    @ParameterizedTest(name = "n{0} cin{1} cout{2} {3}x{4}")
    @CsvSource({
            "1, 3, 5, 2, 2",
            "1, 7, 31, 9, 8",      // 9 rows: the last tile row pools one row pair, the odd row is dropped
            "3, 31, 7, 10, 11",    // ragged columns, batch across tile rows
            "2, 17, 19, 13, 14",
            "1, 16, 33, 64, 62"})  // several blocks: the block-parallel path
    void winogradPoolMatchesFloat64DirectPooled(int n, int cin, int cout, int h, int w) {
        Random rng = new Random(cin * 31L + h * 5L + w);
        Tensor x = Tensor.randn(rng, 1f, n, cin, h, w), wt = Tensor.randn(rng, 0.3f, cout, cin, 3, 3), b = Tensor.randn(rng, 1f, cout);
        double[] full = WinogradConvTest.direct(x.toFloatArray(), wt.toFloatArray(), b.toFloatArray(), n, cin, cout, h, w);
        for (boolean relu : new boolean[]{false, true}) {
            double[] ref = pool(full, n, cout, h, w, relu);
            for (int threads : new int[]{1, 2}) {
                WinogradConv wc = new WinogradConv(new CpuBackend(Gemm.best(), threads));
                for (WinogradTransform tf : new WinogradTransform[]{WinogradTransform.F2, WinogradTransform.F4}) {
                    Tensor y = Tensor.full(Float.NaN, n, cout, h / 2, w / 2);
                    wc.forwardMaxPool2(x, wt, b, relu, y, tf);
                    // the pool picks one of four outputs: the error bound is the convolution's (rms of the full map)
                    double err = maxAbs(ref, y.toFloatArray()) / rms(full), tol = tf == WinogradTransform.F2 ? 1e-5 : 1e-4;
                    if (!(err <= tol)) fail("F" + tf.m + " relu " + relu + " threads " + threads + ": max error " + err + " × rms > " + tol);
                }
            }
        }
    }

    @ParameterizedTest(name = "cin{0} cout{1} {2}x{3}")
    @CsvSource({
            "3, 8, 11, 9",     // few channels: im2col + pool without argmax
            "16, 16, 7, 13",   // Winograd F(4x4) through the backend
            "32, 24, 3, 5"})   // a 3-pixel map: F(2x2)
    void backendEntryMatchesReferenceConvReluPool(int cin, int cout, int h, int w) {
        Random rng = new Random(cin + 7L * h);
        int n = 2;
        Tensor x = Tensor.randn(rng, 1f, n, cin, h, w), wt = Tensor.randn(rng, 0.3f, cout, cin, 3, 3), b = Tensor.randn(rng, 1f, cout);
        ConvParams p = ConvParams.of(1, 1, 1);
        Backend ref = new RefBackend();
        Tensor full = Tensor.zeros(n, cout, h, w), want = Tensor.zeros(n, cout, h / 2, w / 2);
        ref.conv2dForwardRelu(x, wt, b, p, full);
        ref.maxPool2dForward(full, new PoolParams(2, 2, 0), want, Tensor.empty(x.device(), DType.I32, n, cout, h / 2, w / 2));
        Tensor got = Tensor.full(Float.NaN, n, cout, h / 2, w / 2);
        new CpuBackend().conv2dForwardMaxPool2(x, wt, b, p, true, got);
        float[] r = want.toFloatArray(), g = got.toFloatArray();
        double scale = rms(toDouble(full.toFloatArray()));
        for (int i = 0; i < r.length; i++) assertEquals(r[i], g[i], 1e-4 * scale, "element " + i);
    }

    @Test
    void wrongOutputShapeIsRejected() {
        Tensor x = Tensor.zeros(1, 16, 8, 8), wt = Tensor.zeros(16, 16, 3, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CpuBackend().conv2dForwardMaxPool2(x, wt, null, ConvParams.of(1, 1, 1), true, Tensor.zeros(1, 16, 8, 8)));
        assertEquals(true, e.getMessage().contains("2x2-pooled"), e.getMessage());
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    private static double rms(double[] a) {
        double ss = 0;
        for (double v : a) ss += v * v;
        return Math.sqrt(ss / a.length);
    }

    private static double maxAbs(double[] ref, float[] got) {
        double worst = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs(got[i] - ref[i]);
            if (!(d <= worst)) worst = d; // NaN (an unwritten output) becomes the worst
        }
        return worst;
    }
}
