package io.deepslim.backend.cpu;

import io.deepslim.backend.PoolParams;
import io.deepslim.tensor.Tensor;

import java.nio.FloatBuffer;

/** Max / average / adaptive-average pooling over NCHW planes; one parallel job per plane. */
final class CpuPool {
    private CpuPool() {}

    /** y = max-pool(x); argmax may be null (inference: no indices kept). */
    static void maxForward(Parallel par, Tensor x, PoolParams p, Tensor y, Tensor argmax) {
        int[] xs = x.shape(), ys = y.shape();
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3], ho = ys[2], wo = ys[3];
        FloatBuffer xb = x.buffer(), yb = y.buffer();
        java.nio.IntBuffer ab = argmax == null ? null : argmax.byteBuffer().asIntBuffer();
        int xo = x.offset(), yo = y.offset(), ao = argmax == null ? 0 : argmax.offset();
        par.forEach(planes, (long) ho * wo * p.kernel() * p.kernel(), pl -> {
            float[] in = ArrayKernels.plane(0, h * w), out = ArrayKernels.plane(1, ho * wo);
            int[] arg = argScratch(ho * wo);
            xb.get(xo + pl * h * w, in, 0, h * w);
            if (p.kernel() == 2 && p.stride() == 2 && p.pad() == 0) {
                maxPool2x2(in, 0, w, out, arg, 0, ho, wo);
            } else {
                maxPoolGeneral(in, h, w, p, out, arg, ho, wo);
            }
            yb.put(yo + pl * ho * wo, out, 0, ho * wo);
            if (ab != null) ab.put(ao + pl * ho * wo, arg, 0, ho * wo); // one bulk copy, not a putInt per element
        });
    }

    private static final ThreadLocal<int[][]> ARG = ThreadLocal.withInitial(() -> new int[1][0]);

    /** A per-thread int scratch of at least n (argmax of one job). */
    static int[] argScratch(int n) {
        int[][] a = ARG.get();
        if (a[0].length < n) a[0] = new int[n];
        return a[0];
    }

    /**
     * The common 2x2/2 window: four candidates, first maximum wins (NaN propagates). The plane
     * starts at in[inOff], its outputs at out[outOff] / arg[outOff]; arg holds indices within the plane.
     */
    static void maxPool2x2(float[] in, int inOff, int w, float[] out, int[] arg, int outOff, int ho, int wo) {
        for (int oh = 0; oh < ho; oh++) {
            int r0 = inOff + 2 * oh * w, r1 = r0 + w;
            for (int ow = 0; ow < wo; ow++) {
                int i0 = r0 + 2 * ow, best = i0;
                float bv = in[i0];
                if (in[i0 + 1] > bv || Float.isNaN(in[i0 + 1]) && !Float.isNaN(bv)) { best = i0 + 1; bv = in[best]; }
                if (in[r1 + 2 * ow] > bv || Float.isNaN(in[r1 + 2 * ow]) && !Float.isNaN(bv)) { best = r1 + 2 * ow; bv = in[best]; }
                if (in[r1 + 2 * ow + 1] > bv || Float.isNaN(in[r1 + 2 * ow + 1]) && !Float.isNaN(bv)) { best = r1 + 2 * ow + 1; bv = in[best]; }
                out[outOff + oh * wo + ow] = bv;
                arg[outOff + oh * wo + ow] = best - inOff;
            }
        }
    }

    private static void maxPoolGeneral(float[] in, int h, int w, PoolParams p, float[] out, int[] arg, int ho, int wo) {
        for (int oh = 0; oh < ho; oh++) {
            for (int ow = 0; ow < wo; ow++) {
                float best = Float.NEGATIVE_INFINITY;
                int bestIdx = -1;
                for (int ki = 0; ki < p.kernel(); ki++) {
                    int ih = oh * p.stride() - p.pad() + ki;
                    if (ih < 0 || ih >= h) continue;
                    for (int kj = 0; kj < p.kernel(); kj++) {
                        int iw = ow * p.stride() - p.pad() + kj;
                        if (iw < 0 || iw >= w) continue;
                        float v = in[ih * w + iw];
                        if (bestIdx < 0 || v > best || Float.isNaN(v) && !Float.isNaN(best)) {
                            best = v;
                            bestIdx = ih * w + iw;
                        }
                    }
                }
                out[oh * wo + ow] = best;
                arg[oh * wo + ow] = bestIdx;
            }
        }
    }

    static void maxBackward(Parallel par, Tensor dy, Tensor argmax, Tensor dx) {
        int[] xs = dx.shape(), ys = dy.shape();
        int planes = xs[0] * xs[1], hw = xs[2] * xs[3], ohw = ys[2] * ys[3];
        FloatBuffer gb = dy.buffer(), xb = dx.buffer();
        java.nio.IntBuffer ab = argmax.byteBuffer().asIntBuffer();
        int go = dy.offset(), xo = dx.offset(), ao = argmax.offset();
        par.forEach(planes, (long) hw + ohw, pl -> {
            float[] plane = ArrayKernels.plane(0, hw), g = ArrayKernels.plane(1, ohw);
            int[] arg = argScratch(ohw);
            java.util.Arrays.fill(plane, 0, hw, 0f);
            gb.get(go + pl * ohw, g, 0, ohw);
            ab.get(ao + pl * ohw, arg, 0, ohw);
            for (int i = 0; i < ohw; i++) plane[arg[i]] += g[i];
            xb.put(xo + pl * hw, plane, 0, hw);
        });
    }

    static void avgForward(Parallel par, Tensor x, PoolParams p, Tensor y) {
        int[] xs = x.shape(), ys = y.shape();
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3], ho = ys[2], wo = ys[3];
        FloatBuffer xb = x.buffer(), yb = y.buffer();
        float inv = 1f / (p.kernel() * p.kernel());
        par.forEach(planes, (long) ho * wo * p.kernel() * p.kernel(), pl -> {
            int xBase = x.offset() + pl * h * w, yBase = y.offset() + pl * ho * wo;
            for (int oh = 0; oh < ho; oh++) {
                for (int ow = 0; ow < wo; ow++) {
                    float acc = 0f;
                    for (int ki = 0; ki < p.kernel(); ki++) {
                        int ih = oh * p.stride() - p.pad() + ki;
                        if (ih < 0 || ih >= h) continue;
                        for (int kj = 0; kj < p.kernel(); kj++) {
                            int iw = ow * p.stride() - p.pad() + kj;
                            if (iw >= 0 && iw < w) acc += xb.get(xBase + ih * w + iw);
                        }
                    }
                    yb.put(yBase + oh * wo + ow, acc * inv);
                }
            }
        });
    }

    static void avgBackward(Parallel par, Tensor dy, PoolParams p, Tensor dx) {
        int[] xs = dx.shape(), ys = dy.shape();
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3], ho = ys[2], wo = ys[3];
        FloatBuffer gb = dy.buffer(), xb = dx.buffer();
        float inv = 1f / (p.kernel() * p.kernel());
        par.forEach(planes, (long) ho * wo * p.kernel() * p.kernel(), pl -> {
            int xBase = dx.offset() + pl * h * w, gBase = dy.offset() + pl * ho * wo;
            for (int i = 0; i < h * w; i++) xb.put(xBase + i, 0f);
            for (int oh = 0; oh < ho; oh++) {
                for (int ow = 0; ow < wo; ow++) {
                    float g = gb.get(gBase + oh * wo + ow) * inv;
                    for (int ki = 0; ki < p.kernel(); ki++) {
                        int ih = oh * p.stride() - p.pad() + ki;
                        if (ih < 0 || ih >= h) continue;
                        for (int kj = 0; kj < p.kernel(); kj++) {
                            int iw = ow * p.stride() - p.pad() + kj;
                            if (iw >= 0 && iw < w) xb.put(xBase + ih * w + iw, xb.get(xBase + ih * w + iw) + g);
                        }
                    }
                }
            }
        });
    }

    /** PyTorch's adaptive window: [floor(i·in/out), ceil((i+1)·in/out)). */
    private static int start(int i, int in, int out) { return (int) Math.floor((double) i * in / out); }

    private static int end(int i, int in, int out) { return (int) Math.ceil((double) (i + 1) * in / out); }

    static void adaptiveForward(Parallel par, Tensor x, Tensor y) {
        int[] xs = x.shape(), ys = y.shape();
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3], ho = ys[2], wo = ys[3];
        FloatBuffer xb = x.buffer(), yb = y.buffer();
        par.forEach(planes, (long) h * w, pl -> {
            int xBase = x.offset() + pl * h * w, yBase = y.offset() + pl * ho * wo;
            for (int oh = 0; oh < ho; oh++) {
                int h0 = start(oh, h, ho), h1 = end(oh, h, ho);
                for (int ow = 0; ow < wo; ow++) {
                    int w0 = start(ow, w, wo), w1 = end(ow, w, wo);
                    double acc = 0;
                    for (int ih = h0; ih < h1; ih++) for (int iw = w0; iw < w1; iw++) acc += xb.get(xBase + ih * w + iw);
                    yb.put(yBase + oh * wo + ow, (float) (acc / ((h1 - h0) * (w1 - w0))));
                }
            }
        });
    }

    static void adaptiveBackward(Parallel par, Tensor dy, Tensor dx) {
        int[] xs = dx.shape(), ys = dy.shape();
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3], ho = ys[2], wo = ys[3];
        FloatBuffer gb = dy.buffer(), xb = dx.buffer();
        par.forEach(planes, (long) h * w, pl -> {
            int xBase = dx.offset() + pl * h * w, gBase = dy.offset() + pl * ho * wo;
            for (int i = 0; i < h * w; i++) xb.put(xBase + i, 0f);
            for (int oh = 0; oh < ho; oh++) {
                int h0 = start(oh, h, ho), h1 = end(oh, h, ho);
                for (int ow = 0; ow < wo; ow++) {
                    int w0 = start(ow, w, wo), w1 = end(ow, w, wo);
                    float g = gb.get(gBase + oh * wo + ow) / ((h1 - h0) * (w1 - w0));
                    for (int ih = h0; ih < h1; ih++) {
                        for (int iw = w0; iw < w1; iw++) xb.put(xBase + ih * w + iw, xb.get(xBase + ih * w + iw) + g);
                    }
                }
            }
        });
    }
}
