package io.deepslim.backend.cpu;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Storage;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.nio.FloatBuffer;

/**
 * Convolution as im2col + sgemm. Per sample and group, the unfolded input is built for a band
 * of output rows at a time (at most {@link #COL_BUDGET} floats), so the workspace stays in cache
 * and bounded at any image size. 1x1/stride-1/no-padding convolutions skip im2col (the input is
 * already the GEMM operand). Depthwise convolutions (one input channel per group) use
 * {@link DepthwiseConv}.
 */
final class CpuConv {
    /** Workspace cap in floats (8 MiB). */
    static final int COL_BUDGET = 1 << 21;

    private final CpuBackend be;
    private final ThreadLocal<Storage> workspace = new ThreadLocal<>();

    private final WinogradConv winograd;

    CpuConv(CpuBackend be) {
        this.be = be;
        this.winograd = new WinogradConv(be);
    }

    private static boolean isPointwise(RefConv.Geometry g, ConvParams p) {
        return g.kh == 1 && g.kw == 1 && p.strideH() == 1 && p.strideW() == 1 && p.padH() == 0 && p.padW() == 0;
    }

    private static boolean isDepthwise(RefConv.Geometry g) { return g.cinG == 1 && g.cout > 1; }

    /**
     * Below this output size the width-only unfolding does not pay (its kh GEMMs per band are too
     * small); the classic im2col is used instead.
     */
    static final int SHARE_ROWS_MIN_PIXELS = 4096;

    /** The convolution algorithms of this backend. */
    enum Algo { DEPTHWISE, POINTWISE, WIDTH_ONLY, IM2COL }

    /**
     * The one place that chooses the algorithm for a shape; forward, backward-data and
     * backward-filter all follow it. WIDTH_ONLY needs stride-1, undilated rows, kh > 1 and at
     * least {@link #SHARE_ROWS_MIN_PIXELS} outputs per plane.
     */
    static Algo plan(RefConv.Geometry g, ConvParams p) {
        if (isDepthwise(g)) return Algo.DEPTHWISE;
        if (isPointwise(g, p)) return Algo.POINTWISE;
        if (g.kh > 1 && p.strideH() == 1 && p.dilationH() == 1 && g.ho * g.wo >= SHARE_ROWS_MIN_PIXELS) return Algo.WIDTH_ONLY;
        return Algo.IM2COL;
    }

    /** w re-laid out for the width-only path, packed once per weight version (see Storage#packed). */
    private static Tensor kernelRows(Tensor w, RefConv.Geometry g, int groups) {
        return w.packed("cpu.conv.kernelRows/g" + groups, t -> TensorScope.unscoped(() -> splitKernelRows(t, g, groups)));
    }

    /** Columns a band should have at least, so that its GEMMs stay efficient. */
    private static final int MIN_BAND_COLUMNS = 512;

    /**
     * Output rows per band: K × rows × Wo ≤ budget; small enough that there are two jobs per
     * thread when the batch alone cannot keep every thread busy, but not below
     * {@link #MIN_BAND_COLUMNS} columns (small maps split the output channels instead).
     */
    private int bandRows(RefConv.Geometry g, int groups) {
        int k = g.cinG * g.kh * g.kw;
        int budgetRows = Math.max(1, Math.min(g.ho, COL_BUDGET / Math.max(1, k * g.wo)));
        int rows = budgetRows;
        int perSample = g.n * groups, want = 2 * be.par.threads();
        if (perSample < want) rows = Math.min(rows, Math.max(1, (g.ho * perSample + want - 1) / want));
        int minRows = Math.min(g.ho, (MIN_BAND_COLUMNS + g.wo - 1) / g.wo);
        return Math.min(budgetRows, Math.max(rows, minRows));
    }

    private Storage col(long floats) {
        Storage s = workspace.get();
        if (s == null || s.isReleased() || s.length() < floats) {
            if (s != null) s.close();
            s = TensorScope.unscoped(() -> Storage.uninitialized(DType.F32, floats));
            workspace.set(s);
        }
        return s;
    }

    /**
     * The native kernels (at this backend's thread count) when the native Winograd F(4×4) kernel takes a conv
     * of cin → cout channels on an h×w map with this geometry (WinogradKernel.wanted), else null.
     */
    private io.deepslim.backend.nativ.NativeKernels nativeWinograd(Tensor in, int cin, int cout, int h, int w, int kh, int kw, ConvParams p) {
        if (!io.deepslim.backend.nativ.WinogradKernel.wanted(cin, cout, h, w, kh, kw, p)) return null;
        io.deepslim.backend.nativ.NativeKernels k = io.deepslim.backend.nativ.SeparableKernel.kernelsFor(in);
        return k == null ? null : k.withThreads(be.par.threads());
    }

    /**
     * forward(…) followed by a 2×2/2 max-pool into y (N, Cout, ⌊Ho/2⌋, ⌊Wo/2⌋), no argmax: on the
     * Winograd path the pool runs in the output transform (the full-size map is never written);
     * otherwise the convolution writes a temporary map that is pooled and freed.
     */
    void forwardMaxPool2(Tensor x, Tensor w, Tensor bias, ConvParams p, boolean relu, Tensor y) {
        int ho = p.outH(x.size(2), w.size(2)), wo = p.outW(x.size(3), w.size(3));
        if (y.size(0) != x.size(0) || y.size(1) != w.size(0) || y.size(2) != ho / 2 || y.size(3) != wo / 2 || ho < 2 || wo < 2) {
            throw new IllegalArgumentException("conv2d_maxpool2: output " + java.util.Arrays.toString(y.shape()) + " is not the 2x2-pooled "
                    + ho + "x" + wo + " map of input " + java.util.Arrays.toString(x.shape()));
        }
        WinogradTransform tf = WinogradConv.choose(x.size(0), x.size(1), w.size(0), x.size(2), x.size(3), w.size(2), w.size(3), p);
        if (tf != null) {
            winograd.forwardMaxPool2(x, w, bias, relu, y, tf);
            return;
        }
        Tensor full = Tensor.empty(y.device(), io.deepslim.tensor.DType.F32, y.size(0), y.size(1), ho, wo);
        try {
            forward(x, w, bias, p, relu, full);
            CpuPool.maxForward(be.par, full, new io.deepslim.backend.PoolParams(2, 2, 0), y, null);
        } finally {
            full.close();
        }
    }

    /**
     * y = conv(x, w) + bias, then max(·, 0) when {@code relu}. Jobs are (sample, group, band of
     * output rows), run in parallel; each job unfolds its band into its thread's workspace, runs
     * one single-threaded sgemm and applies the epilogue while the band is in cache.
     */
    void forward(Tensor x, Tensor w, Tensor bias, ConvParams p, boolean relu, Tensor y) {
        RefConv.Geometry g = new RefConv.Geometry(x.shape(), w.shape(), y.shape(), p);
        Algo algo = plan(g, p);
        if (algo == Algo.DEPTHWISE) {
            // 3x3 pad-1 (the students' blocks): the native kernel with bias and ReLU fused, training forward included
            io.deepslim.backend.nativ.NativeKernels k = io.deepslim.backend.nativ.SeparableKernel.supports(g.kh, g.kw, p)
                    ? io.deepslim.backend.nativ.SeparableKernel.kernelsFor(x) : null;
            if (k != null) {
                io.deepslim.backend.nativ.SeparableKernel.forward(k.withThreads(be.par.threads()), x, w, bias, p.groups(), p.strideH(),
                        null, null, relu, false, y);
                return;
            }
            DepthwiseConv.forward(be.par, x, w, bias, p, y);
            if (relu) be.unary(io.deepslim.backend.UnaryOp.RELU, y, 0f, y);
            return;
        }
        io.deepslim.backend.nativ.NativeKernels nk = nativeWinograd(x, g.cin, g.cout, g.h, g.w, g.kh, g.kw, p);
        if (nk != null) {  // training forward and unfused inference: the native Winograd F(4×4) kernel
            io.deepslim.backend.nativ.WinogradKernel.forward(nk, x, w, bias, relu, false, y);
            return;
        }
        WinogradTransform tf = WinogradConv.choose(g.n, g.cin, g.cout, g.h, g.w, g.kh, g.kw, p);
        if (tf != null) {
            winograd.forward(x, w, bias, relu, y, tf, false);
            return;
        }
        int k = g.cinG * g.kh * g.kw, pix = g.ho * g.wo, rows = bandRows(g, p.groups());
        int bands = (g.ho + rows - 1) / rows, groups = p.groups();
        float[] b = bias == null ? null : new float[g.cout];
        if (b != null) bias.buffer().get(bias.offset(), b, 0, g.cout);
        Band band = new Band(x, w, y, g, p, b, relu, algo);
        int jobs = g.n * groups * bands;
        int mBlocks = jobs >= 2 * be.par.threads() ? 1
                : Math.max(1, Math.min((2 * be.par.threads() + jobs - 1) / jobs, g.coutG / 16));
        if (mBlocks == 1) {
            be.par.forEach(jobs, (long) g.coutG * rows * g.wo * k, job -> {
                int n = job / (groups * bands), grp = (job / bands) % groups, oh0 = (job % bands) * rows;
                int oh1 = Math.min(g.ho, oh0 + rows);
                band.multiply(n, grp, oh0, oh1, 0, g.coutG, band.unfold(n, grp, oh0, oh1));
            });
            return;
        }
        // few, small jobs (small maps, batch 1): unfold each band once, split its output channels across threads
        for (int job = 0; job < jobs; job++) {
            int n = job / (groups * bands), grp = (job / bands) % groups, oh0 = (job % bands) * rows;
            int oh1 = Math.min(g.ho, oh0 + rows);
            Storage col = band.unfold(n, grp, oh0, oh1);
            be.par.forEach(mBlocks, 1L << 40, m -> band.multiply(n, grp, oh0, oh1, m * g.coutG / mBlocks, (m + 1) * g.coutG / mBlocks, col));
        }
    }

    /** One forward convolution's operands, and the two halves of a band's work. */
    private final class Band {
        final Tensor x, w, y, wRows;
        final RefConv.Geometry g;
        final ConvParams p;
        final float[] bias;
        final boolean relu, pointwise, shareRows;
        final int k, pix;

        Band(Tensor x, Tensor w, Tensor y, RefConv.Geometry g, ConvParams p, float[] bias, boolean relu, Algo algo) {
            this.x = x;
            this.w = w;
            this.y = y;
            this.g = g;
            this.p = p;
            this.bias = bias;
            this.relu = relu;
            this.k = g.cinG * g.kh * g.kw;
            this.pix = g.ho * g.wo;
            this.pointwise = algo == Algo.POINTWISE;
            // stride-1 rows: unfold only along the width; kernel row ki is the same matrix shifted by
            // ki output rows, so kh GEMMs with K = Cin_g·kw read one unfolding (a third of im2col's traffic)
            this.shareRows = algo == Algo.WIDTH_ONLY;
            this.wRows = shareRows ? kernelRows(w, g, p.groups()) : null;
        }

        /** The band's GEMM operand in the calling thread's workspace (null for pointwise convs). */
        Storage unfold(int n, int grp, int oh0, int oh1) {
            int xOff = x.offset() + (n * g.cin + grp * g.cinG) * g.h * g.w;
            if (pointwise) return null;
            if (shareRows) {
                int kwc = g.cinG * g.kw, span = (oh1 - oh0 + g.kh - 1) * g.wo;
                Storage col = col((long) kwc * span);
                unfoldRows(x.buffer(), xOff, g, p, oh0, oh1 + g.kh - 1, col.floats());
                return col;
            }
            Storage col = col((long) k * (oh1 - oh0) * g.wo);
            im2col(x.buffer(), xOff, g, p, oh0, oh1, col.floats());
            return col;
        }

        /** Output channels [m0, m1) of the band: GEMM(s) from the unfolding, then the epilogue. */
        void multiply(int n, int grp, int oh0, int oh1, int m0, int m1, Storage col) {
            if (m1 <= m0) return;
            int pc = (oh1 - oh0) * g.wo, rows = m1 - m0;
            int yOff = y.offset() + (n * g.cout + grp * g.coutG + m0) * pix + oh0 * g.wo;
            if (pointwise) {
                // the input rows of this band are already the GEMM operand (ldb = H·W)
                int xOff = x.offset() + (n * g.cin + grp * g.cinG) * g.h * g.w;
                be.gemm.sgemm(false, false, rows, pc, k, 1f, w.storage().floatPointer(0), w.buffer(), w.offset() + (grp * g.coutG + m0) * k, k,
                        x.storage().floatPointer(0), x.buffer(), xOff + oh0 * g.wo, pix, 0f, y.storage().floatPointer(0), y.buffer(), yOff, pix);
            } else if (shareRows) {
                int kwc = g.cinG * g.kw, span = (oh1 - oh0 + g.kh - 1) * g.wo;
                for (int ki = 0; ki < g.kh; ki++) {
                    be.gemm.sgemm(false, false, rows, pc, kwc, 1f, wRows.storage().floatPointer(0), wRows.buffer(),
                            ((grp * g.kh + ki) * g.coutG + m0) * kwc, kwc, col.floatPointer(0), col.floats(), ki * g.wo, span,
                            ki == 0 ? 0f : 1f, y.storage().floatPointer(0), y.buffer(), yOff, pix);
                }
            } else {
                be.gemm.sgemm(false, false, rows, pc, k, 1f, w.storage().floatPointer(0), w.buffer(), w.offset() + (grp * g.coutG + m0) * k, k,
                        col.floatPointer(0), col.floats(), 0, pc, 0f, y.storage().floatPointer(0), y.buffer(), yOff, pix);
            }
            if (bias != null || relu) epilogue(y.buffer(), yOff, pix, pc, rows, bias, grp * g.coutG + m0, relu);
        }
    }

    /** w (Cout, Cin_g, kh, kw) → (groups, kh, Cout_g, Cin_g·kw): one row-major matrix per group and kernel row. */
    private static Tensor splitKernelRows(Tensor w, RefConv.Geometry g, int groups) {
        float[] src = new float[(int) w.numel()], dst = new float[src.length];
        w.buffer().get(w.offset(), src, 0, src.length);
        int kw = g.cinG * g.kw;
        for (int grp = 0; grp < groups; grp++) {
            for (int ki = 0; ki < g.kh; ki++) {
                for (int co = 0; co < g.coutG; co++) {
                    int d = ((grp * g.kh + ki) * g.coutG + co) * kw;
                    int sBase = (grp * g.coutG + co) * g.cinG * g.kh * g.kw + ki * g.kw;
                    for (int c = 0; c < g.cinG; c++) System.arraycopy(src, sBase + c * g.kh * g.kw, dst, d + c * g.kw, g.kw);
                }
            }
        }
        return Tensor.of(dst, groups, g.kh, g.coutG, kw);
    }

    /**
     * The width-only unfolding for stride-1 rows: col (Cin_g·kw, (r1−r0)·Wo) with
     * col[c·kw + kj, (r−r0)·Wo + ow] = x[c, r − padH, ow·sw − padW + kj·dw] (0 outside the image),
     * for "virtual" output rows r in [r0, r1) whose kernel row 0 reads input row r − padH.
     */
    private void unfoldRows(FloatBuffer x, int xOff, RefConv.Geometry g, ConvParams p, int r0, int r1, FloatBuffer col) {
        int span = (r1 - r0) * g.wo, hw = g.h * g.w;
        be.par.forEach(g.cinG, (long) g.kw * span, c -> {
            float[] in = ArrayKernels.plane(0, hw), row = ArrayKernels.plane(1, span);
            x.get(xOff + c * hw, in, 0, hw);
            for (int kj = 0; kj < g.kw; kj++) {
                for (int r = r0; r < r1; r++) unfoldRow(in, g, p, r - p.padH(), kj, row, (r - r0) * g.wo);
                col.put((c * g.kw + kj) * span, row, 0, span);
            }
        });
    }

    /** Adds the bias (and applies ReLU) to a band: Cout_g rows of pc values, row stride pix. */
    private static void epilogue(FloatBuffer y, int off, int pix, int pc, int rowsOut, float[] bias, int biasOff, boolean relu) {
        float[] row = ArrayKernels.plane(0, pc);
        for (int r = 0; r < rowsOut; r++) {
            y.get(off + r * pix, row, 0, pc);
            float bv = bias == null ? 0f : bias[biasOff + r];
            if (relu) {
                for (int i = 0; i < pc; i++) row[i] = Math.max(row[i] + bv, 0f);
            } else {
                for (int i = 0; i < pc; i++) row[i] += bv;
            }
            y.put(off + r * pix, row, 0, pc);
        }
    }

    /**
     * dx = convᵀ(dy, w). Jobs are (sample, group): bands of one sample overlap in dx (the kernel
     * window spans band edges), so a sample's bands run in order inside its job.
     */
    void backwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx) {
        RefConv.Geometry g = new RefConv.Geometry(dx.shape(), w.shape(), dy.shape(), p);
        Algo algo = plan(g, p);
        if (algo == Algo.DEPTHWISE) {
            DepthwiseConv.backwardData(be.par, dy, w, p, dx);
            return;
        }
        // the transposed 3×3 same-padding convolution is a convolution with the rotated filter
        io.deepslim.backend.nativ.NativeKernels nk = nativeWinograd(dy, g.cout, g.cin, g.h, g.w, g.kh, g.kw, p);
        if (nk != null) {
            io.deepslim.backend.nativ.WinogradKernel.backwardData(nk, dy, w, dx);
            return;
        }
        WinogradTransform tf = WinogradConv.choose(g.n, g.cout, g.cin, g.h, g.w, g.kh, g.kw, p);
        if (tf != null) {
            winograd.forward(dy, w, null, false, dx, tf, true);
            return;
        }
        int k = g.cinG * g.kh * g.kw, pix = g.ho * g.wo, groups = p.groups();
        int rows = Math.max(1, Math.min(g.ho, COL_BUDGET / Math.max(1, k * g.wo)));
        boolean pointwise = algo == Algo.POINTWISE;
        boolean shareRows = algo == Algo.WIDTH_ONLY;
        Tensor wRows = shareRows ? kernelRows(w, g, groups) : null;
        be.par.forEach(g.n * groups, (long) g.coutG * pix * k, job -> {
            int n = job / groups, grp = job % groups;
            int xOff = dx.offset() + (n * g.cin + grp * g.cinG) * g.h * g.w;
            int wOff = w.offset() + grp * g.coutG * k;
            int gOff = dy.offset() + (n * g.cout + grp * g.coutG) * pix;
            if (pointwise) {
                be.gemm.sgemm(true, false, k, pix, g.coutG, 1f, w.storage().floatPointer(0), w.buffer(), wOff, k,
                        dy.storage().floatPointer(0), dy.buffer(), gOff, pix, 0f, dx.storage().floatPointer(0), dx.buffer(), xOff, pix);
                return;
            }
            zero(dx.buffer(), xOff, g.cinG * g.h * g.w);
            if (shareRows) {
                backwardDataRows(dy, wRows, g, p, grp, gOff, rows, dx.buffer(), xOff);
                return;
            }
            for (int oh0 = 0; oh0 < g.ho; oh0 += rows) {
                int oh1 = Math.min(g.ho, oh0 + rows), pc = (oh1 - oh0) * g.wo;
                Storage col = col((long) k * pc);
                // dcol (K, pc) = W_gᵀ (K, Cout_g) · dy (Cout_g, pc)
                be.gemm.sgemm(true, false, k, pc, g.coutG, 1f, w.storage().floatPointer(0), w.buffer(), wOff, k,
                        dy.storage().floatPointer(0), dy.buffer(), gOff + oh0 * g.wo, pix, 0f, col.floatPointer(0), col.floats(), 0, pc);
                col2im(col.floats(), g, p, oh0, oh1, dx.buffer(), xOff);
            }
        });
    }

    /**
     * The adjoint of the width-only forward: per band, dcol (Cin_g·kw, span) = Σ_ki W_kiᵀ · dy
     * placed ki output rows down (kh GEMMs accumulating into one buffer), then folded back into dx
     * along the width only. A third of the unfold traffic of col2im for 3x3 kernels.
     */
    private void backwardDataRows(Tensor dy, Tensor wRows, RefConv.Geometry g, ConvParams p, int grp, int gOff, int rows,
                                  FloatBuffer dx, int xOff) {
        int kwc = g.cinG * g.kw, pix = g.ho * g.wo;
        for (int oh0 = 0; oh0 < g.ho; oh0 += rows) {
            int oh1 = Math.min(g.ho, oh0 + rows), pc = (oh1 - oh0) * g.wo, span = (oh1 - oh0 + g.kh - 1) * g.wo;
            Storage col = col((long) kwc * span);
            FloatBuffer cb = col.floats();
            // the first GEMM writes columns [0, pc) of every row; the rest starts at zero
            float[] z = ArrayKernels.scratch()[0];
            java.util.Arrays.fill(z, 0f);
            for (int r = 0; r < kwc; r++) {
                for (int lo = pc; lo < span; lo += z.length) cb.put(r * span + lo, z, 0, Math.min(z.length, span - lo));
            }
            for (int ki = 0; ki < g.kh; ki++) {
                be.gemm.sgemm(true, false, kwc, pc, g.coutG, 1f, wRows.storage().floatPointer(0), wRows.buffer(),
                        ((grp * g.kh + ki) * g.coutG) * kwc, kwc, dy.storage().floatPointer(0), dy.buffer(), gOff + oh0 * g.wo, pix,
                        ki == 0 ? 0f : 1f, col.floatPointer(0), cb, ki * g.wo, span);
            }
            foldWidth(cb, g, p, oh0, oh0 + (oh1 - oh0) + g.kh - 1, dx, xOff);
        }
    }

    /** Adds a width-only unfolding (Cin_g·kw, (r1−r0)·Wo) of virtual rows [r0, r1) back into dx. */
    private void foldWidth(FloatBuffer col, RefConv.Geometry g, ConvParams p, int r0, int r1, FloatBuffer dx, int xOff) {
        int span = (r1 - r0) * g.wo, hw = g.h * g.w;
        be.par.forEach(g.cinG, (long) g.kw * span, c -> {
            float[] plane = ArrayKernels.plane(0, hw), row = ArrayKernels.plane(1, span);
            dx.get(xOff + c * hw, plane, 0, hw);
            for (int kj = 0; kj < g.kw; kj++) {
                col.get((c * g.kw + kj) * span, row, 0, span);
                for (int r = r0; r < r1; r++) addRow(plane, row, g, p, r - p.padH(), kj, (r - r0) * g.wo);
            }
            dx.put(xOff + c * hw, plane, 0, hw);
        });
    }

    /** The adjoint of {@link #unfoldRow}: plane[ih, ow·sw − padW + kj·dw] += row[src + ow]. */
    private static void addRow(float[] plane, float[] row, RefConv.Geometry g, ConvParams p, int ih, int kj, int src) {
        if (ih < 0 || ih >= g.h) return;
        int colOffW = kj * p.dilationW() - p.padW();
        int owLo = Math.max(0, ceilDiv(-colOffW, p.strideW()));
        int owHi = Math.min(g.wo, ceilDiv(g.w - colOffW, p.strideW()));
        int dstRow = ih * g.w + colOffW;
        if (p.strideW() == 1) {
            for (int ow = owLo; ow < owHi; ow++) plane[dstRow + ow] += row[src + ow];
        } else {
            for (int ow = owLo; ow < owHi; ow++) plane[dstRow + ow * p.strideW()] += row[src + ow];
        }
    }

    private static void zero(FloatBuffer b, int off, int n) {
        float[] z = ArrayKernels.scratch()[0];
        java.util.Arrays.fill(z, 0f);
        for (int lo = 0; lo < n; lo += z.length) b.put(off + lo, z, 0, Math.min(z.length, n - lo));
    }

    /**
     * dw = Σ_samples dy · im2col(x)ᵀ. Samples are split into one contiguous chunk per thread;
     * each chunk accumulates into its own buffer (the first into dw itself), then the partial
     * sums are added in chunk order, so the result does not depend on timing.
     */
    void backwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw) {
        RefConv.Geometry g = new RefConv.Geometry(x.shape(), dw.shape(), dy.shape(), p);
        Algo algo = plan(g, p);
        if (algo == Algo.DEPTHWISE) {
            DepthwiseConv.backwardFilter(be.par, x, dy, p, dw);
            return;
        }
        if (io.deepslim.backend.nativ.WinogradKernel.wantedBackwardFilter(g.cin, g.cout, g.h, g.w, g.kh, g.kw, p)) {
            io.deepslim.backend.nativ.NativeKernels nk = io.deepslim.backend.nativ.SeparableKernel.kernelsFor(x);
            if (nk != null) {  // the native Winograd F(4×4) backward-filter: 36 tile GEMMs over (images × tiles)
                io.deepslim.backend.nativ.WinogradKernel.backwardFilter(nk.withThreads(be.par.threads()), x, dy, dw);
                return;
            }
        }
        int k = g.cinG * g.kh * g.kw, pix = g.ho * g.wo, groups = p.groups();
        int rows = Math.max(1, Math.min(g.ho, COL_BUDGET / Math.max(1, k * g.wo)));
        int chunks = Math.max(1, Math.min(be.par.threads(), g.n));
        boolean pointwise = algo == Algo.POINTWISE;
        if (algo == Algo.WIDTH_ONLY) {
            backwardFilterRows(x, dy, p, dw, g, rows, chunks);
            return;
        }
        Tensor[] partial = new Tensor[chunks];
        partial[0] = dw;
        for (int c = 1; c < chunks; c++) partial[c] = Tensor.empty(dw.device(), DType.F32, dw.shape());
        be.par.forEach(chunks, 1L << 40, c -> {
            Tensor acc = partial[c];
            int n0 = c * g.n / chunks, n1 = (c + 1) * g.n / chunks;
            for (int n = n0; n < n1; n++) {
                float beta = n == n0 ? 0f : 1f;
                for (int grp = 0; grp < groups; grp++) {
                    int xOff = x.offset() + (n * g.cin + grp * g.cinG) * g.h * g.w;
                    int wOff = acc.offset() + grp * g.coutG * k;
                    int gOff = dy.offset() + (n * g.cout + grp * g.coutG) * pix;
                    if (pointwise) {
                        be.gemm.sgemm(false, true, g.coutG, k, pix, 1f, dy.storage().floatPointer(0), dy.buffer(), gOff, pix,
                                x.storage().floatPointer(0), x.buffer(), xOff, pix, beta, acc.storage().floatPointer(0), acc.buffer(), wOff, k);
                        continue;
                    }
                    for (int oh0 = 0; oh0 < g.ho; oh0 += rows) {
                        int oh1 = Math.min(g.ho, oh0 + rows), pc = (oh1 - oh0) * g.wo;
                        Storage col = col((long) k * pc);
                        im2col(x.buffer(), xOff, g, p, oh0, oh1, col.floats());
                        // dW_g (Cout_g, K) += dy (Cout_g, pc) · colᵀ (pc, K)
                        be.gemm.sgemm(false, true, g.coutG, k, pc, 1f, dy.storage().floatPointer(0), dy.buffer(), gOff + oh0 * g.wo, pix,
                                col.floatPointer(0), col.floats(), 0, pc, oh0 == 0 ? beta : 1f, acc.storage().floatPointer(0), acc.buffer(), wOff, k);
                    }
                }
            }
        });
        for (int c = 1; c < chunks; c++) {
            be.axpy(1f, partial[c], dw);
            partial[c].close();
        }
    }

    /**
     * The filter gradient from the width-only unfolding: per band and kernel row ki,
     * dW_ki (Cout_g, Cin_g·kw) += dy (Cout_g, pc) · colᵀ shifted by ki rows. Chunks accumulate in the
     * split layout (groups, kh, Cout_g, Cin_g·kw), are summed in chunk order, then laid back out as
     * (Cout, Cin_g, kh, kw).
     */
    private void backwardFilterRows(Tensor x, Tensor dy, ConvParams p, Tensor dw, RefConv.Geometry g, int rows, int chunks) {
        int pix = g.ho * g.wo, groups = p.groups(), kwc = g.cinG * g.kw;
        Tensor[] partial = new Tensor[chunks];
        for (int c = 0; c < chunks; c++) partial[c] = Tensor.empty(dw.device(), DType.F32, groups, g.kh, g.coutG, kwc);
        be.par.forEach(chunks, 1L << 40, c -> {
            Tensor acc = partial[c];
            int n0 = c * g.n / chunks, n1 = (c + 1) * g.n / chunks;
            for (int n = n0; n < n1; n++) {
                for (int grp = 0; grp < groups; grp++) {
                    int xOff = x.offset() + (n * g.cin + grp * g.cinG) * g.h * g.w;
                    int gOff = dy.offset() + (n * g.cout + grp * g.coutG) * pix;
                    for (int oh0 = 0; oh0 < g.ho; oh0 += rows) {
                        int oh1 = Math.min(g.ho, oh0 + rows), pc = (oh1 - oh0) * g.wo, span = (oh1 - oh0 + g.kh - 1) * g.wo;
                        Storage col = col((long) kwc * span);
                        unfoldRows(x.buffer(), xOff, g, p, oh0, oh1 + g.kh - 1, col.floats());
                        float beta = n == n0 && oh0 == 0 ? 0f : 1f;
                        for (int ki = 0; ki < g.kh; ki++) {
                            be.gemm.sgemm(false, true, g.coutG, kwc, pc, 1f, dy.storage().floatPointer(0), dy.buffer(), gOff + oh0 * g.wo, pix,
                                    col.floatPointer(0), col.floats(), ki * g.wo, span, beta, acc.storage().floatPointer(0), acc.buffer(),
                                    acc.offset() + (grp * g.kh + ki) * g.coutG * kwc, kwc);
                        }
                    }
                }
            }
        });
        for (int c = 1; c < chunks; c++) be.axpy(1f, partial[c], partial[0]);
        float[] split = partial[0].toFloatArray(), out = new float[split.length];
        for (int grp = 0; grp < groups; grp++) {
            for (int ki = 0; ki < g.kh; ki++) {
                for (int co = 0; co < g.coutG; co++) {
                    int src = ((grp * g.kh + ki) * g.coutG + co) * kwc, dBase = (grp * g.coutG + co) * g.cinG * g.kh * g.kw + ki * g.kw;
                    for (int c = 0; c < g.cinG; c++) System.arraycopy(split, src + c * g.kw, out, dBase + c * g.kh * g.kw, g.kw);
                }
            }
        }
        dw.buffer().put(dw.offset(), out, 0, out.length);
        for (Tensor t : partial) t.close();
    }

    /**
     * Unfolds output rows [oh0, oh1) of one group's input (Cin_g, H, W at xOff) into col
     * (K, pc) with K = Cin_g·kh·kw rows; zeros where the window falls in the padding. One job per
     * input channel: its plane is copied once into a Java array, each of its kh·kw col rows is
     * assembled there with array copies and written back with one bulk put.
     */
    private void im2col(FloatBuffer x, int xOff, RefConv.Geometry g, ConvParams p, int oh0, int oh1, FloatBuffer col) {
        int kk = g.kh * g.kw, pc = (oh1 - oh0) * g.wo, hw = g.h * g.w;
        be.par.forEach(g.cinG, (long) kk * pc, c -> {
            float[] in = ArrayKernels.plane(0, hw), row = ArrayKernels.plane(1, pc);
            x.get(xOff + c * hw, in, 0, hw);
            for (int q = 0; q < kk; q++) {
                int ki = q / g.kw, kj = q % g.kw;
                for (int oh = oh0; oh < oh1; oh++) {
                    unfoldRow(in, g, p, oh * p.strideH() - p.padH() + ki * p.dilationH(), kj, row, (oh - oh0) * g.wo);
                }
                col.put((c * kk + q) * pc, row, 0, pc);
            }
        });
    }

    /**
     * One output row of an unfolding: row[dst + ow] = in[ih, ow·sw − padW + kj·dw] for the Wo
     * output columns, 0 where the window falls outside the plane (rows outside give all zeros).
     */
    private static void unfoldRow(float[] in, RefConv.Geometry g, ConvParams p, int ih, int kj, float[] row, int dst) {
        if (ih < 0 || ih >= g.h) {
            java.util.Arrays.fill(row, dst, dst + g.wo, 0f);
            return;
        }
        int colOffW = kj * p.dilationW() - p.padW();
        // valid ow: 0 ≤ ow·sw + colOffW < W
        int owLo = Math.min(g.wo, Math.max(0, ceilDiv(-colOffW, p.strideW())));
        int owHi = Math.max(owLo, Math.min(g.wo, ceilDiv(g.w - colOffW, p.strideW())));
        // the padding margins are a column or two: plain loops beat Arrays.fill's call overhead
        for (int ow = 0; ow < owLo; ow++) row[dst + ow] = 0f;
        int src = ih * g.w + colOffW;
        if (p.strideW() == 1) {
            System.arraycopy(in, src + owLo, row, dst + owLo, owHi - owLo);
        } else {
            for (int ow = owLo; ow < owHi; ow++) row[dst + ow] = in[src + ow * p.strideW()];
        }
        for (int ow = owHi; ow < g.wo; ow++) row[dst + ow] = 0f;
    }

    /** Adds col (K, pc) for output rows [oh0, oh1) back into dx (Cin_g, H, W at xOff), one job per input channel. */
    private void col2im(FloatBuffer col, RefConv.Geometry g, ConvParams p, int oh0, int oh1, FloatBuffer dx, int xOff) {
        int kk = g.kh * g.kw, pc = (oh1 - oh0) * g.wo, hw = g.h * g.w;
        be.par.forEach(g.cinG, (long) kk * pc, c -> {
            float[] plane = ArrayKernels.plane(0, hw), row = ArrayKernels.plane(1, pc);
            dx.get(xOff + c * hw, plane, 0, hw);
            for (int q = 0; q < kk; q++) {
                int ki = q / g.kw, kj = q % g.kw;
                col.get((c * kk + q) * pc, row, 0, pc);
                for (int oh = oh0; oh < oh1; oh++) {
                    addRow(plane, row, g, p, oh * p.strideH() - p.padH() + ki * p.dilationH(), kj, (oh - oh0) * g.wo);
                }
            }
            dx.put(xOff + c * hw, plane, 0, hw);
        });
    }

    private static int ceilDiv(int a, int b) { return -Math.floorDiv(-a, b); }
}
