package io.deepslim.backend.nativ;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static io.deepslim.backend.nativ.NativeKernelsTest.paths;
import static io.deepslim.backend.nativ.NativeKernelsTest.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The native Winograd F(4×4, 3×3) kernel against a float64 direct convolution (ReLU and the 2×2
 * floor-mode max-pool applied in double), on every dispatch path this CPU has, 1 and 2 threads.
 * Channel counts 1, 3, 16, 17, 31, 64 cover partial 16-channel blocks on both sides; maps 1×1 to
 * 28×28 cover tiles cut by the border, the ragged last tile row/column and the dropped odd
 * row/column of the pool; batch 3 runs on maps up to 13×9. Bound: max |error| ≤ 2e-4 × rms of the unpooled float64 map (F(4×4) in
 * float32 measures 4e-5 to 8e-5 here). Outputs start as NaN, so an element the kernel does not write fails.
 */
class NativeWinogradTest {
    private static final int[] CHANNELS = {1, 3, 16, 17, 31, 64};
    private static final int[][] MAPS = {{1, 1}, {4, 4}, {5, 7}, {13, 9}, {28, 28}};
    static final double TOLERANCE = 2e-4;

    /** conv3x3 pad 1 + bias in double: (n, cout, h, w). */
    static double[] direct(float[] x, float[] wt, float[] b, int n, int cin, int cout, int h, int w) {
        double[] y = new double[n * cout * h * w];
        for (int s = 0; s < n; s++)
            for (int co = 0; co < cout; co++)
                for (int oy = 0; oy < h; oy++)
                    for (int ox = 0; ox < w; ox++) {
                        double acc = b[co];
                        for (int ci = 0; ci < cin; ci++)
                            for (int ky = 0; ky < 3; ky++) {
                                int iy = oy - 1 + ky;
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < 3; kx++) {
                                    int ix = ox - 1 + kx;
                                    if (ix < 0 || ix >= w) continue;
                                    acc += (double) x[((s * cin + ci) * h + iy) * w + ix] * wt[((co * cin + ci) * 3 + ky) * 3 + kx];
                                }
                            }
                        y[((s * cout + co) * h + oy) * w + ox] = acc;
                    }
        return y;
    }

    /** relu?, then a 2×2/2 floor max-pool when pool, of (planes, h, w) in double. */
    static double[] epilogue(double[] y, int planes, int h, int w, boolean relu, boolean pool) {
        int yh = pool ? h / 2 : h, yw = pool ? w / 2 : w;
        double[] out = new double[planes * yh * yw];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < yh; i++)
                for (int j = 0; j < yw; j++) {
                    int b = p * h * w + (pool ? 2 * i : i) * w + (pool ? 2 * j : j);
                    double v = pool ? Math.max(Math.max(y[b], y[b + 1]), Math.max(y[b + w], y[b + w + 1])) : y[b];
                    out[(p * yh + i) * yw + j] = relu ? Math.max(v, 0) : v;
                }
        return out;
    }

    static double rms(double[] a) {
        double ss = 0;
        for (double v : a) ss += v * v;
        return Math.sqrt(ss / Math.max(1, a.length));
    }

    @Test
    void everyPathMatchesFloat64DirectConvolution() {
        SplittableRandom r = new SplittableRandom(12);
        Set<String> ran = new HashSet<>();
        double worst = 0;
        for (int cin : CHANNELS)
            for (int cout : CHANNELS)
                for (int[] m : MAPS)
                    for (int n : new int[]{1, 3}) {
                        int h = m[0], w = m[1];
                        if (n == 3 && h * w > 200) continue;  // batch 3 on the small maps only: the float64 reference dominates the time
                        Tensor x = random(r, n, cin, h, w), wt = random(r, cout, cin, 3, 3), b = random(r, cout);
                        double[] full = direct(x.toFloatArray(), wt.toFloatArray(), b.toFloatArray(), n, cin, cout, h, w);
                        double scale = rms(full);
                        for (NativeKernels path : paths())
                            for (int threads : new int[]{1, 2})
                                for (boolean pool : new boolean[]{false, true})
                                    for (boolean relu : new boolean[]{false, true}) {
                                        if (pool && (h < 2 || w < 2)) continue;
                                        double[] want = epilogue(full, n * cout, h, w, relu, pool);
                                        Tensor y = Tensor.full(Float.NaN, n, cout, pool ? h / 2 : h, pool ? w / 2 : w);
                                        long before = WinogradKernel.calls();
                                        WinogradKernel.forward(path.withThreads(threads), x, wt, b, relu, pool, y);
                                        assertEquals(before + 1, WinogradKernel.calls(), "native Winograd did not run");
                                        float[] got = y.toFloatArray();
                                        double err = 0;
                                        for (int i = 0; i < got.length; i++) {
                                            double d = Math.abs(got[i] - want[i]);
                                            if (!(d <= err)) err = d;  // NaN: an unwritten output
                                        }
                                        err /= scale;
                                        worst = Math.max(worst, err);
                                        if (!(err <= TOLERANCE)) {
                                            fail(path.pathName() + " threads " + threads + " n" + n + " cin" + cin + " cout" + cout + " " + h + "x" + w
                                                    + (pool ? " pool" : "") + (relu ? " relu" : "") + ": max error " + err + " × rms > " + TOLERANCE);
                                        }
                                        ran.add(path.pathName());
                                    }
                    }
        System.out.println("native Winograd F4: worst max|error| / rms = " + worst + " on " + ran);
        assertEquals(paths().size(), ran.size(), "every dispatch path must have run: " + ran);
    }

    /**
     * Small maps with fewer tile blocks than threads split their output channels over the threads (each share
     * transforms the input itself): 256→144 on 8×8 (4 tiles, 9 Cout blocks: shares of 4 and 5) and 256→256 on 5×7, with and without
     * the pool, two threads, every path, against the float64 reference; the split must have run.
     */
    @Test
    void smallMapsSplitTheirOutputChannelsOverThreads() {
        SplittableRandom r = new SplittableRandom(19);
        int[][] shapes = {{256, 144, 8, 8}, {256, 256, 5, 7}};
        for (int[] sh : shapes) {
            int cin = sh[0], cout = sh[1], h = sh[2], w = sh[3];
            Tensor x = random(r, 1, cin, h, w), wt = random(r, cout, cin, 3, 3), b = random(r, cout);
            double[] full = direct(x.toFloatArray(), wt.toFloatArray(), b.toFloatArray(), 1, cin, cout, h, w);
            double scale = rms(full);
            for (NativeKernels path : paths())
                for (boolean pool : new boolean[]{false, true}) {
                    double[] want = epilogue(full, cout, h, w, true, pool);
                    Tensor y = Tensor.full(Float.NaN, 1, cout, pool ? h / 2 : h, pool ? w / 2 : w);
                    long before = NativeLibrary.ds_winograd_f4_split_calls();
                    WinogradKernel.forward(path.withThreads(2), x, wt, b, true, pool, y);
                    assertEquals(before + 1, NativeLibrary.ds_winograd_f4_split_calls(), "the Cout split did not run: " + cin + "->" + cout);
                    float[] got = y.toFloatArray();
                    for (int i = 0; i < got.length; i++) {
                        double d = Math.abs(got[i] - want[i]) / scale;
                        if (!(d <= TOLERANCE)) fail(path.pathName() + " " + cin + "->" + cout + " " + h + "x" + w + (pool ? " pool" : "") + " at " + i + ": " + d);
                    }
                }
        }
    }

    @Test
    void packedFilterIsBuiltOncePerWeightVersion() {
        Tensor w = random(new SplittableRandom(3), 16, 16, 3, 3);
        Tensor u = WinogradKernel.packedFilter(w);
        assertSame(u, WinogradKernel.packedFilter(w));
        assertEquals(NativeLibrary.ds_winograd_f4_packed_floats(16, 16), u.numel());
        w.storage().bumpVersion();
        assertNotSame(u, WinogradKernel.packedFilter(w), "an edited weight must be packed again");
    }

    @Test
    void rulesAndBadShapes() {
        ConvParams same = ConvParams.of(1, 1, 1);
        assertTrue(WinogradKernel.wanted(128, 128, 112, 112, 3, 3, same));
        assertTrue(!WinogradKernel.wanted(3, 64, 224, 224, 3, 3, same), "a 3-channel first layer stays direct");
        assertTrue(!WinogradKernel.wanted(64, 64, 3, 3, 3, 3, same), "a map under 4x4 keeps the Java path");
        assertTrue(!WinogradKernel.wanted(64, 64, 32, 32, 3, 3, ConvParams.of(2, 1, 1)), "stride 2 is not Winograd");
        NativeKernels k = paths().get(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WinogradKernel.forward(k,
                Tensor.zeros(1, 16, 8, 8), Tensor.zeros(16, 16, 3, 3), null, false, true, Tensor.zeros(1, 16, 8, 8)));
        assertTrue(e.getMessage().contains("pooled"), e.getMessage());
    }
}
