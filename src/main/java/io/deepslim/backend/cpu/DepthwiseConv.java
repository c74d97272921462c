package io.deepslim.backend.cpu;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.Tensor;

import java.nio.FloatBuffer;

/**
 * Grouped convolution with one input channel per group (depthwise, channel multiplier m =
 * Cout/Cin): each output plane depends on one input plane and kh·kw weights, far too little work
 * for a GEMM. Planes are copied into Java arrays and convolved with tap-major loops whose inner
 * loop runs along an output row (contiguous and vectorizable for stride 1).
 */
final class DepthwiseConv {
    private DepthwiseConv() {}

    /** Valid output columns [lo, hi) for kernel column offset {@code off} (iw = ow·s + off). */
    private static int lo(int off, int s) { return Math.max(0, -Math.floorDiv(off, s)); }

    private static int hi(int off, int s, int w, int wo) { return Math.min(wo, -Math.floorDiv(-(w - off), s)); }

    static void forward(Parallel par, Tensor x, Tensor w, Tensor bias, ConvParams p, Tensor y) {
        RefConv.Geometry g = new RefConv.Geometry(x.shape(), w.shape(), y.shape(), p);
        FloatBuffer xb = x.buffer(), wb = w.buffer(), yb = y.buffer();
        int hw = g.h * g.w, ohw = g.ho * g.wo, kk = g.kh * g.kw;
        float[] wAll = new float[g.cout * kk];
        wb.get(w.offset(), wAll, 0, wAll.length);
        float[] b = new float[g.cout];
        if (bias != null) bias.buffer().get(bias.offset(), b, 0, g.cout);
        par.forEach(g.n * g.cout, (long) ohw * kk, job -> {
            int n = job / g.cout, co = job % g.cout, ci = co / g.coutG;
            float[] in = ArrayKernels.plane(0, hw), out = ArrayKernels.plane(1, ohw);
            xb.get(x.offset() + (n * g.cin + ci) * hw, in, 0, hw);
            java.util.Arrays.fill(out, 0, ohw, b[co]);
            for (int ki = 0; ki < g.kh; ki++) {
                for (int kj = 0; kj < g.kw; kj++) {
                    float wv = wAll[co * kk + ki * g.kw + kj];
                    int offW = kj * p.dilationW() - p.padW();
                    int owLo = lo(offW, p.strideW()), owHi = hi(offW, p.strideW(), g.w, g.wo);
                    for (int oh = 0; oh < g.ho; oh++) {
                        int ih = oh * p.strideH() - p.padH() + ki * p.dilationH();
                        if (ih < 0 || ih >= g.h) continue;
                        int src = ih * g.w + offW, dst = oh * g.wo;
                        if (p.strideW() == 1) {
                            for (int ow = owLo; ow < owHi; ow++) out[dst + ow] += wv * in[src + ow];
                        } else {
                            for (int ow = owLo; ow < owHi; ow++) out[dst + ow] += wv * in[src + ow * p.strideW()];
                        }
                    }
                }
            }
            yb.put(y.offset() + (n * g.cout + co) * ohw, out, 0, ohw);
        });
    }

    static void backwardData(Parallel par, Tensor dy, Tensor w, ConvParams p, Tensor dx) {
        RefConv.Geometry g = new RefConv.Geometry(dx.shape(), w.shape(), dy.shape(), p);
        FloatBuffer gb = dy.buffer(), xb = dx.buffer();
        int hw = g.h * g.w, ohw = g.ho * g.wo, kk = g.kh * g.kw;
        float[] wAll = new float[g.cout * kk];
        w.buffer().get(w.offset(), wAll, 0, wAll.length);
        // one job per input plane: it gathers from its m output planes
        par.forEach(g.n * g.cin, (long) g.coutG * ohw * kk, job -> {
            int n = job / g.cin, ci = job % g.cin;
            float[] acc = ArrayKernels.plane(0, hw), gr = ArrayKernels.plane(1, ohw);
            java.util.Arrays.fill(acc, 0, hw, 0f);
            for (int m = 0; m < g.coutG; m++) {
                int co = ci * g.coutG + m;
                gb.get(dy.offset() + (n * g.cout + co) * ohw, gr, 0, ohw);
                for (int ki = 0; ki < g.kh; ki++) {
                    for (int kj = 0; kj < g.kw; kj++) {
                        float wv = wAll[co * kk + ki * g.kw + kj];
                        int offW = kj * p.dilationW() - p.padW();
                        int owLo = lo(offW, p.strideW()), owHi = hi(offW, p.strideW(), g.w, g.wo);
                        for (int oh = 0; oh < g.ho; oh++) {
                            int ih = oh * p.strideH() - p.padH() + ki * p.dilationH();
                            if (ih < 0 || ih >= g.h) continue;
                            int dst = ih * g.w + offW, src = oh * g.wo;
                            for (int ow = owLo; ow < owHi; ow++) acc[dst + ow * p.strideW()] += wv * gr[src + ow];
                        }
                    }
                }
            }
            xb.put(dx.offset() + (n * g.cin + ci) * hw, acc, 0, hw);
        });
    }

    static void backwardFilter(Parallel par, Tensor x, Tensor dy, ConvParams p, Tensor dw) {
        RefConv.Geometry g = new RefConv.Geometry(x.shape(), dw.shape(), dy.shape(), p);
        FloatBuffer xb = x.buffer(), gb = dy.buffer(), wb = dw.buffer();
        int hw = g.h * g.w, ohw = g.ho * g.wo, kk = g.kh * g.kw;
        par.forEach(g.cout, (long) g.n * ohw * kk, co -> {
            int ci = co / g.coutG;
            float[] in = ArrayKernels.plane(0, hw), gr = ArrayKernels.plane(1, ohw);
            double[] acc = new double[kk];
            for (int n = 0; n < g.n; n++) {
                xb.get(x.offset() + (n * g.cin + ci) * hw, in, 0, hw);
                gb.get(dy.offset() + (n * g.cout + co) * ohw, gr, 0, ohw);
                for (int ki = 0; ki < g.kh; ki++) {
                    for (int kj = 0; kj < g.kw; kj++) {
                        int offW = kj * p.dilationW() - p.padW();
                        int owLo = lo(offW, p.strideW()), owHi = hi(offW, p.strideW(), g.w, g.wo);
                        float s = 0f;
                        for (int oh = 0; oh < g.ho; oh++) {
                            int ih = oh * p.strideH() - p.padH() + ki * p.dilationH();
                            if (ih < 0 || ih >= g.h) continue;
                            int src = ih * g.w + offW, row = oh * g.wo;
                            for (int ow = owLo; ow < owHi; ow++) s += in[src + ow * p.strideW()] * gr[row + ow];
                        }
                        acc[ki * g.kw + kj] += s;
                    }
                }
            }
            for (int q = 0; q < kk; q++) wb.put(dw.offset() + co * kk + q, (float) acc[q]);
        });
    }
}
