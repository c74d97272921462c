package io.deepslim.backend.cpu;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

import java.nio.FloatBuffer;

/**
 * Reference int8 kernels: plain loops, int32 accumulation, float output. They are the spec that
 * native and CUDA int8 kernels are tested against, not the fast path. Products of int8 codes are
 * at most 128·127, so an int32 sum is exact for K ≤ {@link #MAX_K} terms.
 */
final class CpuQuant {
    private CpuQuant() {}

    /** Longest reduction whose int32 sum cannot overflow. */
    static final int MAX_K = Integer.MAX_VALUE / (128 * 127);

    /** Patch bytes materialized at once per conv (bounds the im2col workspace). */
    private static final int COL_BUDGET = 1 << 22;

    static float[] minMax(Tensor x) {
        CpuBackend.requireF32("minMax", x);
        Tensor c = x.contiguousRaw();
        FloatBuffer b = c.buffer();
        float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
        for (int i = c.offset(), end = i + (int) c.numel(); i < end; i++) {
            float v = b.get(i);
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return new float[]{lo, hi};
    }

    static void quantize(Parallel par, Tensor x, float scale, int zeroPoint, Tensor q) {
        CpuBackend.requireF32("quantize", x);
        requireI8("quantize", q);
        if (x.numel() != q.numel()) throw new IllegalArgumentException("quantize: " + x.numel() + " values into " + q.numel() + " codes");
        if (!(scale > 0) || zeroPoint < -128 || zeroPoint > 127) {
            throw new IllegalArgumentException("quantize: needs scale > 0 and zero point in [-128, 127], got " + scale + ", " + zeroPoint);
        }
        Tensor c = x.contiguousRaw();
        FloatBuffer xb = c.buffer();
        var qb = q.byteBuffer();
        int xo = c.offset(), qo = q.offset(), n = (int) c.numel();
        float inv = 1f / scale;
        par.forEach(CpuBackend.blocks(n), ArrayKernels.BLOCK, blk -> {
            for (int i = blk * ArrayKernels.BLOCK, end = Math.min(n, i + ArrayKernels.BLOCK); i < end; i++) {
                // rint: round half to even, as PyTorch's quantize_per_tensor
                float v = (float) Math.rint(xb.get(xo + i) * inv) + zeroPoint;
                qb.put(qo + i, (byte) Math.max(-128, Math.min(127, v)));
            }
        });
    }

    static void int8Gemm(Parallel par, boolean cache, Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias, Tensor y) {
        requireI8("int8Gemm", xq);
        requireI8("int8Gemm", wq);
        if (xq.dim() != 2 || wq.dim() != 2 || xq.size(1) != wq.size(1)) {
            throw new IllegalArgumentException("int8Gemm: x " + Shape.str(xq.shape()) + " and w " + Shape.str(wq.shape()) + " do not multiply");
        }
        int m = xq.size(0), k = xq.size(1), n = wq.size(0);
        checkEpilogue("int8Gemm", k, n, wScale, bias);
        if (y.dim() != 2 || y.size(0) != m || y.size(1) != n) throw new IllegalArgumentException("int8Gemm: output must be (" + m + ", " + n + ")");
        byte[] x = bytes(xq);
        Int8Pack pk = pack(wq, n, k, cache);
        byte[] w = pk.codes();
        int[] wsum = pk.rowSums();
        float[] ws = wScale.contiguousRaw().toFloatArray(), b = bias == null ? null : bias.contiguousRaw().toFloatArray();
        FloatBuffer yb = y.buffer();
        int yo = y.offset();
        par.forEach(m, (long) n * k, i -> {
            for (int j = 0; j < n; j++) {
                int acc = dot(x, i * k, w, j * k, k);
                yb.put(yo + i * n + j, dequant(acc, xZero, wsum[j], xScale, ws, b, j));
            }
        });
    }

    static void int8Conv2d(Parallel par, boolean cache, Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias, ConvParams p, Tensor y) {
        requireI8("int8Conv2d", xq);
        requireI8("int8Conv2d", wq);
        if (xq.dim() != 4 || wq.dim() != 4 || y.dim() != 4 || wq.size(1) * p.groups() != xq.size(1)) {
            throw new IllegalArgumentException("int8Conv2d: x " + Shape.str(xq.shape()) + ", w " + Shape.str(wq.shape())
                    + " inconsistent with groups=" + p.groups());
        }
        RefConv.Geometry g = new RefConv.Geometry(xq.shape(), wq.shape(), y.shape(), p);
        int k = g.cinG * g.kh * g.kw;
        checkEpilogue("int8Conv2d", k, g.cout, wScale, bias);
        byte[] x = bytes(xq);
        Int8Pack pk = pack(wq, g.cout, k, cache);
        byte[] w = pk.codes();
        int[] wsum = pk.rowSums();
        float[] ws = wScale.contiguousRaw().toFloatArray(), b = bias == null ? null : bias.contiguousRaw().toFloatArray();
        FloatBuffer yb = y.buffer();
        int yo = y.offset(), pix = g.ho * g.wo;
        int band = Math.max(1, Math.min(g.ho, COL_BUDGET / Math.max(1, k * g.wo)));
        byte[] col = new byte[band * g.wo * k];
        for (int n = 0; n < g.n; n++) {
            for (int grp = 0; grp < p.groups(); grp++) {
                for (int oh0 = 0; oh0 < g.ho; oh0 += band) {
                    int rows = Math.min(band, g.ho - oh0), np = rows * g.wo;
                    im2col(x, g, p, n, grp, oh0, rows, (byte) xZero, col);
                    final int fn = n, fgrp = grp, fo = oh0;
                    par.forEach(g.coutG, (long) np * k, c -> {
                        int co = fgrp * g.coutG + c, yBase = yo + (fn * g.cout + co) * pix + fo * g.wo;
                        for (int q = 0; q < np; q++) {
                            int acc = dot(col, q * k, w, co * k, k);
                            yb.put(yBase + q, dequant(acc, xZero, wsum[co], xScale, ws, b, co));
                        }
                    });
                }
            }
        }
    }

    /** Patches of output rows [oh0, oh0+rows) of one sample and group: col[pixel][c, ki, kj], padding = zero code. */
    private static void im2col(byte[] x, RefConv.Geometry g, ConvParams p, int n, int grp, int oh0, int rows, byte zero, byte[] col) {
        int k = g.cinG * g.kh * g.kw, q = 0;
        for (int oh = oh0; oh < oh0 + rows; oh++) {
            for (int ow = 0; ow < g.wo; ow++, q++) {
                int at = q * k;
                for (int c = 0; c < g.cinG; c++) {
                    int plane = (n * g.cin + grp * g.cinG + c) * g.h * g.w;
                    for (int ki = 0; ki < g.kh; ki++) {
                        int ih = oh * p.strideH() - p.padH() + ki * p.dilationH();
                        for (int kj = 0; kj < g.kw; kj++) {
                            int iw = ow * p.strideW() - p.padW() + kj * p.dilationW();
                            col[at++] = ih < 0 || ih >= g.h || iw < 0 || iw >= g.w ? zero : x[plane + ih * g.w + iw];
                        }
                    }
                }
            }
        }
    }

    private static int dot(byte[] a, int ao, byte[] b, int bo, int k) {
        int acc = 0;
        for (int i = 0; i < k; i++) acc += a[ao + i] * b[bo + i];
        return acc;
    }

    /** Σ_k (x − xZero)·w = Σ x·w − xZero·Σ w, scaled back to float, plus the bias. */
    private static float dequant(int acc, int xZero, int wsum, float xScale, float[] ws, float[] bias, int j) {
        float v = (acc - xZero * wsum) * xScale * ws[ws.length == 1 ? 0 : j];
        return bias == null ? v : v + bias[j];
    }

    /** Int8 weights as the kernels read them: the codes (N, K) on the Java heap and their row sums. */
    record Int8Pack(byte[] codes, int[] rowSums) {}

    /** The packed weight: cached on wq's storage until it changes when {@code cache}, else built for this call. */
    private static Int8Pack pack(Tensor wq, int n, int k, boolean cache) {
        if (!cache) return packNow(wq, n, k);
        return wq.packed("cpu.int8.codes+rowSums", t -> packNow(t, n, k));
    }

    private static Int8Pack packNow(Tensor wq, int n, int k) {
        byte[] w = bytes(wq);
        return new Int8Pack(w, rowSums(w, n, k));
    }

    private static int[] rowSums(byte[] w, int n, int k) {
        int[] s = new int[n];
        for (int j = 0; j < n; j++) for (int i = 0; i < k; i++) s[j] += w[j * k + i];
        return s;
    }

    private static byte[] bytes(Tensor t) {
        Tensor c = t.contiguousRaw();
        byte[] out = new byte[(int) c.numel()];
        c.byteBuffer().get(c.offset(), out);
        return out;
    }

    private static void checkEpilogue(String op, int k, int n, Tensor wScale, Tensor bias) {
        if (k > MAX_K) throw new IllegalArgumentException(op + ": reduction length " + k + " could overflow int32 (max " + MAX_K + ")");
        CpuBackend.requireF32(op, wScale);
        if (wScale.numel() != 1 && wScale.numel() != n) {
            throw new IllegalArgumentException(op + ": " + wScale.numel() + " weight scales for " + n + " outputs (need 1 or " + n + ")");
        }
        if (bias != null && (bias.dtype() != DType.F32 || bias.numel() != n)) {
            throw new IllegalArgumentException(op + ": bias must be F32 with " + n + " entries");
        }
    }

    private static void requireI8(String op, Tensor t) {
        if (t.dtype() != DType.I8) throw new IllegalArgumentException(op + ": expected I8 codes, got " + t.dtype());
    }
}
