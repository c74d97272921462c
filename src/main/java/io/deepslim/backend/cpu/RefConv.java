package io.deepslim.backend.cpu;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.Tensor;

import java.nio.FloatBuffer;

/**
 * Direct (loop) convolution: the specification the im2col/GEMM path is tested against, and the
 * path used for depthwise convolutions, where each group is too small for a GEMM to pay.
 * Shapes: x (N,Cin,H,W), w (Cout,Cin/g,kh,kw), y (N,Cout,Ho,Wo).
 */
final class RefConv {
    private RefConv() {}

    static void forward(Parallel par, Tensor x, Tensor w, Tensor bias, ConvParams p, Tensor y) {
        Geometry g = new Geometry(x.shape(), w.shape(), y.shape(), p);
        FloatBuffer xb = x.buffer(), wb = w.buffer(), yb = y.buffer(), bb = bias == null ? null : bias.buffer();
        int xo = x.offset(), wo = w.offset(), yo = y.offset(), bo = bias == null ? 0 : bias.offset();
        par.forEach(g.n * g.cout, (long) g.ho * g.wo * g.cinG * g.kh * g.kw, job -> {
            int n = job / g.cout, co = job % g.cout, grp = co / g.coutG;
            int yBase = yo + (n * g.cout + co) * g.ho * g.wo;
            for (int oh = 0; oh < g.ho; oh++) {
                for (int ow = 0; ow < g.wo; ow++) {
                    double acc = bb == null ? 0 : bb.get(bo + co);
                    for (int c = 0; c < g.cinG; c++) {
                        int ci = grp * g.cinG + c;
                        int xBase = xo + (n * g.cin + ci) * g.h * g.w;
                        int wBase = wo + (co * g.cinG + c) * g.kh * g.kw;
                        for (int ki = 0; ki < g.kh; ki++) {
                            int ih = oh * p.strideH() - p.padH() + ki * p.dilationH();
                            if (ih < 0 || ih >= g.h) continue;
                            for (int kj = 0; kj < g.kw; kj++) {
                                int iw = ow * p.strideW() - p.padW() + kj * p.dilationW();
                                if (iw < 0 || iw >= g.w) continue;
                                acc += xb.get(xBase + ih * g.w + iw) * wb.get(wBase + ki * g.kw + kj);
                            }
                        }
                    }
                    yb.put(yBase + oh * g.wo + ow, (float) acc);
                }
            }
        });
    }

    static void backwardData(Parallel par, Tensor dy, Tensor w, ConvParams p, Tensor dx) {
        Geometry g = new Geometry(dx.shape(), w.shape(), dy.shape(), p);
        FloatBuffer gb = dy.buffer(), wb = w.buffer(), xb = dx.buffer();
        int go = dy.offset(), wo = w.offset(), xo = dx.offset();
        // one job per (sample, group): a group's output channels only touch that group's input channels
        par.forEach(g.n * p.groups(), (long) g.coutG * g.ho * g.wo * g.cinG * g.kh * g.kw, job -> {
            int n = job / p.groups(), grp = job % p.groups();
            for (int c = 0; c < g.cinG; c++) {
                int xBase = xo + (n * g.cin + grp * g.cinG + c) * g.h * g.w;
                for (int i = 0; i < g.h * g.w; i++) xb.put(xBase + i, 0f);
            }
            for (int cog = 0; cog < g.coutG; cog++) {
                int co = grp * g.coutG + cog;
                int gBase = go + (n * g.cout + co) * g.ho * g.wo;
                for (int c = 0; c < g.cinG; c++) {
                    int xBase = xo + (n * g.cin + grp * g.cinG + c) * g.h * g.w;
                    int wBase = wo + (co * g.cinG + c) * g.kh * g.kw;
                    for (int ki = 0; ki < g.kh; ki++) {
                        for (int kj = 0; kj < g.kw; kj++) {
                            float wv = wb.get(wBase + ki * g.kw + kj);
                            for (int oh = 0; oh < g.ho; oh++) {
                                int ih = oh * p.strideH() - p.padH() + ki * p.dilationH();
                                if (ih < 0 || ih >= g.h) continue;
                                for (int ow = 0; ow < g.wo; ow++) {
                                    int iw = ow * p.strideW() - p.padW() + kj * p.dilationW();
                                    if (iw < 0 || iw >= g.w) continue;
                                    int xi = xBase + ih * g.w + iw;
                                    xb.put(xi, xb.get(xi) + wv * gb.get(gBase + oh * g.wo + ow));
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    static void backwardFilter(Parallel par, Tensor x, Tensor dy, ConvParams p, Tensor dw) {
        Geometry g = new Geometry(x.shape(), dw.shape(), dy.shape(), p);
        FloatBuffer xb = x.buffer(), gb = dy.buffer(), wb = dw.buffer();
        int xo = x.offset(), go = dy.offset(), wo = dw.offset();
        par.forEach(g.cout, (long) g.n * g.ho * g.wo * g.cinG * g.kh * g.kw, co -> {
            int grp = co / g.coutG;
            for (int c = 0; c < g.cinG; c++) {
                for (int ki = 0; ki < g.kh; ki++) {
                    for (int kj = 0; kj < g.kw; kj++) {
                        double acc = 0;
                        for (int n = 0; n < g.n; n++) {
                            int xBase = xo + (n * g.cin + grp * g.cinG + c) * g.h * g.w;
                            int gBase = go + (n * g.cout + co) * g.ho * g.wo;
                            for (int oh = 0; oh < g.ho; oh++) {
                                int ih = oh * p.strideH() - p.padH() + ki * p.dilationH();
                                if (ih < 0 || ih >= g.h) continue;
                                for (int ow = 0; ow < g.wo; ow++) {
                                    int iw = ow * p.strideW() - p.padW() + kj * p.dilationW();
                                    if (iw < 0 || iw >= g.w) continue;
                                    acc += xb.get(xBase + ih * g.w + iw) * gb.get(gBase + oh * g.wo + ow);
                                }
                            }
                        }
                        wb.put(wo + ((co * g.cinG + c) * g.kh + ki) * g.kw + kj, (float) acc);
                    }
                }
            }
        });
    }

    /** Sizes of one convolution, unpacked once. */
    static final class Geometry {
        final int n, cin, h, w, cout, cinG, coutG, kh, kw, ho, wo;

        Geometry(int[] xs, int[] ws, int[] ys, ConvParams p) {
            n = xs[0];
            cin = xs[1];
            h = xs[2];
            w = xs[3];
            cout = ws[0];
            cinG = ws[1];
            kh = ws[2];
            kw = ws[3];
            coutG = cout / p.groups();
            ho = ys[2];
            wo = ys[3];
        }
    }
}
