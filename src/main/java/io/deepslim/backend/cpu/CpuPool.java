package io.deepslim.backend.cpu;

import io.deepslim.backend.PoolParams;
import io.deepslim.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/** Max / average / adaptive-average pooling over NCHW planes; one parallel job per plane. */
final class CpuPool {
    private CpuPool() {}

    static void maxForward(Parallel par, Tensor x, PoolParams p, Tensor y, Tensor argmax) {
        int[] xs = x.shape(), ys = y.shape();
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3], ho = ys[2], wo = ys[3];
        FloatBuffer xb = x.buffer(), yb = y.buffer();
        ByteBuffer ab = argmax.byteBuffer();
        int xo = x.offset(), yo = y.offset(), ao = argmax.offset();
        par.forEach(planes, (long) ho * wo * p.kernel() * p.kernel(), pl -> {
            int xBase = xo + pl * h * w, oBase = pl * ho * wo;
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
                            float v = xb.get(xBase + ih * w + iw);
                            // NaN propagates, as in PyTorch
                            if (v > best || Float.isNaN(v) || bestIdx < 0) {
                                best = v;
                                bestIdx = ih * w + iw;
                                if (Float.isNaN(v)) break;
                            }
                        }
                    }
                    yb.put(yo + oBase + oh * wo + ow, best);
                    ab.putInt((ao + oBase + oh * wo + ow) * 4, bestIdx);
                }
            }
        });
    }

    static void maxBackward(Parallel par, Tensor dy, Tensor argmax, Tensor dx) {
        int[] xs = dx.shape(), ys = dy.shape();
        int planes = xs[0] * xs[1], hw = xs[2] * xs[3], ohw = ys[2] * ys[3];
        FloatBuffer gb = dy.buffer(), xb = dx.buffer();
        ByteBuffer ab = argmax.byteBuffer();
        int go = dy.offset(), xo = dx.offset(), ao = argmax.offset();
        par.forEach(planes, (long) hw + ohw, pl -> {
            int xBase = xo + pl * hw;
            for (int i = 0; i < hw; i++) xb.put(xBase + i, 0f);
            for (int i = 0; i < ohw; i++) {
                int idx = ab.getInt((ao + pl * ohw + i) * 4);
                xb.put(xBase + idx, xb.get(xBase + idx) + gb.get(go + pl * ohw + i));
            }
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
