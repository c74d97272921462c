package io.deepslim.backend.nativ;

import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static io.deepslim.backend.nativ.NativeKernelsTest.paths;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The native Winograd F(4×4, 3×3) backward-filter ({@code ds_winograd_f4_backward_filter}) against a
 * double-precision direct sum, on every dispatch path this CPU has, 1 and 2 threads, odd shapes: maps
 * 1×1, 5×5, 7×13, 13×7 (partial tiles on both sides), batch 1 and 3, Cin 1, 3, 17, Cout 1, 33. Tolerance:
 * relative Frobenius error ≤ 1e-5 and every element within 1e-4 × the reference's rms (the kernel measures
 * ≈ 1e-6 relative on vgg45m's shapes, about a float32 direct sum's error; native/check/run_bwf_accuracy.sh).
 */
class NativeWinogradBackwardFilterTest {
    @Test
    void matchesTheDoubleReferenceOnEveryPath() {
        int[][] maps = {{1, 1}, {5, 5}, {7, 13}, {13, 7}};
        Set<String> ran = new TreeSet<>();
        for (NativeKernels path : paths()) {
            for (int threads : new int[]{1, 2}) {
                for (int[] m : maps) {
                    for (int n : new int[]{1, 3}) {
                        for (int cin : new int[]{1, 3, 17}) {
                            for (int cout : new int[]{1, 33}) {
                                int h = m[0], w = m[1];
                                Random rng = new Random(977L * cin + 31L * cout + 7L * h + n);
                                Tensor x = Tensor.randn(rng, 1f, n, cin, h, w), dy = Tensor.randn(rng, 1f, n, cout, h, w);
                                double[] want = reference(x.toFloatArray(), dy.toFloatArray(), n, cin, cout, h, w);
                                Tensor dw = Tensor.full(Float.NaN, cout, cin, 3, 3);
                                long before = WinogradKernel.backwardFilterCalls();
                                WinogradKernel.backwardFilter(path.withThreads(threads), x, dy, dw);
                                assertEquals(before + 1, WinogradKernel.backwardFilterCalls(), "the native backward-filter did not run");
                                String what = path.pathName() + " threads " + threads + " n" + n + " cin" + cin + " cout" + cout + " " + h + "x" + w;
                                check(want, dw.toFloatArray(), what);
                                ran.add(path.pathName());
                                x.close();
                                dy.close();
                                dw.close();
                            }
                        }
                    }
                }
            }
        }
        assertEquals(paths().size(), ran.size(), "every dispatch path must have run: " + ran);
    }

    /**
     * A shape above the kernel's 2e6-multiply threshold for one thread (3 × 25 tiles × 36 × 40 × 33 ≈ 3.6e6), so
     * two threads split the transform, GEMM and output phases; and 2 images of 1→1 @256, whose transformed
     * tiles (36 × ≥ 18 padded channels × 4096 tiles each) exceed half the 4 Mi-float image group: one image per
     * group, so dU accumulates over groups.
     */
    @Test
    void matchesTheReferenceWhenThreadsAndImageGroupsSplitTheWork() {
        int[][] shapes = {{3, 40, 33, 20, 20}, {2, 1, 1, 256, 256}};
        for (int[] s : shapes) {
            int n = s[0], cin = s[1], cout = s[2], h = s[3], w = s[4];
            Random rng = new Random(5L * cin + h);
            Tensor x = Tensor.randn(rng, 1f, n, cin, h, w), dy = Tensor.randn(rng, 1f, n, cout, h, w);
            double[] want = reference(x.toFloatArray(), dy.toFloatArray(), n, cin, cout, h, w);
            for (NativeKernels path : paths()) {
                Tensor dw = Tensor.full(Float.NaN, cout, cin, 3, 3);
                WinogradKernel.backwardFilter(path.withThreads(2), x, dy, dw);
                check(want, dw.toFloatArray(), path.pathName() + " 2 threads " + java.util.Arrays.toString(s));
                dw.close();
            }
            x.close();
            dy.close();
        }
    }

    @Test
    void rejectsShapesThatDoNotAgree() {
        NativeKernels k = paths().get(0);
        Tensor x = Tensor.zeros(1, 4, 5, 5), dy = Tensor.zeros(1, 6, 5, 5), dw = Tensor.zeros(6, 3, 3, 3);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> WinogradKernel.backwardFilter(k, x, dy, dw));
        assertTrue(e.getMessage().contains("dw [6, 3, 3, 3]"), e.getMessage());
    }

    /** dw[co][ci][i][j] = Σ_b Σ_(oh,ow) dy[b][co][oh][ow] · x[b][ci][oh − 1 + i][ow − 1 + j], in double. */
    static double[] reference(float[] x, float[] dy, int n, int cin, int cout, int h, int w) {
        double[] dw = new double[cout * cin * 9];
        for (int b = 0; b < n; b++)
            for (int co = 0; co < cout; co++)
                for (int ci = 0; ci < cin; ci++)
                    for (int i = 0; i < 3; i++)
                        for (int j = 0; j < 3; j++) {
                            double acc = 0;
                            for (int oh = 0; oh < h; oh++) {
                                int ih = oh - 1 + i;
                                if (ih < 0 || ih >= h) continue;
                                for (int ow = 0; ow < w; ow++) {
                                    int iw = ow - 1 + j;
                                    if (iw < 0 || iw >= w) continue;
                                    acc += (double) dy[((b * cout + co) * h + oh) * w + ow] * x[((b * cin + ci) * h + ih) * w + iw];
                                }
                            }
                            dw[((co * cin + ci) * 3 + i) * 3 + j] += acc;
                        }
        return dw;
    }

    /** Relative Frobenius error ≤ 1e-5 and max element error ≤ 1e-4 × rms(want); NaN (an unwritten element) fails. */
    static void check(double[] want, float[] got, String what) {
        double num = 0, den = 0, worst = 0;
        for (int i = 0; i < want.length; i++) {
            double d = got[i] - want[i];
            if (Double.isNaN(d)) fail(what + ": element " + i + " not written");
            num += d * d;
            den += want[i] * want[i];
            worst = Math.max(worst, Math.abs(d));
        }
        double rms = Math.sqrt(den / want.length), rel = Math.sqrt(num / Math.max(den, 1e-300));
        if (!(rel <= 1e-5 && worst <= 1e-4 * rms)) fail(what + ": relative error " + rel + ", max error " + worst + " (rms " + rms + ")");
    }
}
