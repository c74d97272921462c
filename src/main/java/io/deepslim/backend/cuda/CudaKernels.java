package io.deepslim.backend.cuda;

import io.deepslim.backend.ConvParams;
import io.deepslim.backend.Device;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import static io.deepslim.backend.cuda.CudaBackend.addr;
import static io.deepslim.backend.cuda.CudaBackend.contiguous;

/**
 * The compressed-layer kernels of cuda/ (sparse.cu, int8.cu, lowrank.cu) with their launch shapes:
 * CSR sparse Linear and sparse-weight × im2col conv for pruned layers, dp4a int8 linear / conv with
 * the fused dequantize + bias (+ReLU) epilogue, and the fused two-factor low-rank linear. Inputs are
 * tensors on a {@link CudaDevice}; a sparse weight is converted to CSR once ({@link #csr}).
 */
public final class CudaKernels {
    private CudaKernels() {}

    /** A weight (rows, cols) in CSR on the device: rowPtr (rows+1) I32, colIdx (nnz) I32, values (nnz) F32. */
    public record Csr(int rows, int cols, int nnz, Tensor rowPtr, Tensor colIdx, Tensor values) implements AutoCloseable {
        @Override
        public void close() {
            rowPtr.close();
            colIdx.close();
            values.close();
        }
    }

    static CudaContext context(Tensor t) {
        if (!(t.device() instanceof CudaDevice d)) {
            throw new IllegalArgumentException("cuda kernel: tensor is on " + t.device().name() + ", not a CUDA device; move it with to(device)");
        }
        return d.context();
    }

    /** CSR of dense weight w viewed as (rows, numel/rows), zeros dropped; built once per weight version. */
    public static Csr csr(Tensor w) {
        return w.packed("cuda.csr", t -> TensorScope.unscoped(() -> buildCsr(t)));
    }

    static Csr buildCsr(Tensor w) {
        float[] v = w.toFloatArray();
        int rows = w.size(0), cols = v.length / rows, nnz = 0;
        for (float x : v) if (x != 0f) nnz++;
        int[] rp = new int[rows + 1], ci = new int[Math.max(1, nnz)];
        float[] vals = new float[Math.max(1, nnz)];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                float x = v[r * cols + c];
                if (x != 0f) { ci[k] = c; vals[k++] = x; }
            }
            rp[r + 1] = k;
        }
        Device d = w.device();
        return new Csr(rows, cols, nnz, Tensor.ofInts(d, rp, rows + 1), Tensor.ofInts(d, ci, ci.length), Tensor.of(d, vals, vals.length));
    }

    /** Pruned Linear: y (M, rows) = x (M, cols) · Wᵀ + bias (nullable), optional ReLU. */
    public static void csrLinear(Csr w, Tensor x, Tensor bias, Tensor y, boolean relu) {
        contiguous("csrLinear", x, bias, y);
        CudaContext ctx = context(x);
        int m = x.size(0);
        ctx.launch("ds_csr_linear_f32", (w.rows() + 7) / 8, m, 32, 8, 0, addr(w.rowPtr()), addr(w.colIdx()), addr(w.values()),
                addr(x), addr(bias), addr(y), m, w.rows(), w.cols(), relu ? 1 : 0);
    }

    /** Pruned conv (groups 1): per image, im2col then y (Cout, Ho·Wo) = W_csr · cols + bias (+ReLU). */
    public static void csrConv2d(Csr w, Tensor x, Tensor bias, int kh, int kw, ConvParams p, Tensor y, boolean relu) {
        contiguous("csrConv2d", x, bias, y);
        if (p.groups() != 1) throw new IllegalArgumentException("cuda csrConv2d: groups must be 1, got " + p.groups());
        CudaContext ctx = context(x);
        int n = x.size(0), cin = x.size(1), h = x.size(2), wd = x.size(3), ho = y.size(2), wo = y.size(3), plane = ho * wo;
        long kk = (long) cin * kh * kw;
        CudaAllocator.Block cols = ctx.allocator().allocate(4L * kk * plane);
        try {
            for (int i = 0; i < n; i++) {
                long xi = addr(x) + 4L * i * cin * h * wd, yi = addr(y) + 4L * i * w.rows() * plane;
                ctx.launch1d("ds_im2col_f32", kk * plane, xi, cols.address(), cin, h, wd, kh, kw, ho, wo,
                        p.strideH(), p.strideW(), p.padH(), p.padW(), p.dilationH(), p.dilationW());
                ctx.launch("ds_csr_cols_f32", (plane + 255) / 256, w.rows(), 256, 1, 0, addr(w.rowPtr()), addr(w.colIdx()),
                        addr(w.values()), cols.address(), addr(bias), yi, w.rows(), plane, relu ? 1 : 0);
            }
        } finally {
            ctx.allocator().free(cols);
        }
    }

    /** Int8 linear: y (M, N) = xScale · wScale · (xq − xZero) · wqᵀ + bias (+ReLU); see int8.cu. */
    public static void int8Linear(CudaContext ctx, Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias,
                                  Tensor y, int plane, boolean relu) {
        contiguous("int8Gemm", xq, wq, wScale, bias, y);
        int m = xq.size(0), k = xq.size(1), n = wq.size(0);
        if (wq.size(1) != k) throw new IllegalArgumentException("int8Gemm: x has " + k + " columns, w has " + wq.size(1));
        launchInt8(ctx, addr(xq), xScale, xZero, addr(wq), wScale, addr(bias), addr(y), m, n, k, plane, relu);
    }

    private static void launchInt8(CudaContext ctx, long xq, float xScale, int xZero, long wq, Tensor wScale, long bias, long y,
                                   int m, int n, int k, int plane, boolean relu) {
        int perChannel = wScale.numel() > 1 ? 1 : 0;
        ctx.launch("ds_int8_gemm_dp4a", (n + 15) / 16, (m + 15) / 16, 16, 16, 0, xq, xScale, xZero, wq, addr(wScale), perChannel,
                bias, y, m, n, k, plane, relu ? 1 : 0);
    }

    /** Int8 conv: per image and group, int8 im2col (padding = xZero) then the dp4a kernel writing NCHW. */
    public static void int8Conv2d(CudaContext ctx, Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias,
                                  ConvParams p, Tensor y, boolean relu) {
        contiguous("int8Conv2d", xq, wq, wScale, bias, y);
        int n = xq.size(0), cin = xq.size(1), h = xq.size(2), w = xq.size(3);
        int cout = wq.size(0), kh = wq.size(2), kw = wq.size(3), g = p.groups(), cinG = cin / g, coutG = cout / g;
        int ho = y.size(2), wo = y.size(3), plane = ho * wo, kk = cinG * kh * kw;
        if (g > 1 && wScale.numel() > 1) throw new IllegalArgumentException("cuda int8Conv2d: per-channel scales with groups > 1 are not supported");
        CudaAllocator.Block rows = ctx.allocator().allocate((long) plane * kk);
        try {
            for (int i = 0; i < n; i++) {
                for (int gi = 0; gi < g; gi++) {
                    long xi = addr(xq) + ((long) i * cin + (long) gi * cinG) * h * w;
                    ctx.launch1d("ds_im2col_i8", (long) kk * plane, xi, rows.address(), cinG, h, w, kh, kw, ho, wo,
                            p.strideH(), p.strideW(), p.padH(), p.padW(), p.dilationH(), p.dilationW(), xZero);
                    long wg = addr(wq) + (long) gi * coutG * kk;
                    long bg = bias == null ? 0L : addr(bias) + 4L * gi * coutG;
                    long yi = addr(y) + 4L * ((long) i * cout + (long) gi * coutG) * plane;
                    // plane > 0: the kernel scatters its (pixel, channel) results into NCHW for one image
                    launchInt8(ctx, rows.address(), xScale, xZero, wg, wScale, bg, yi, plane, coutG, kk, plane, relu);
                }
            }
        } finally {
            ctx.allocator().free(rows);
        }
    }

    /** SVD-split linear: y (M, N) = (x (M, K) · Vᵀ (K, r)) · Uᵀ (r, N) + bias (+ReLU), both factors in one kernel. */
    public static void lowRankLinear(Tensor x, Tensor v, Tensor u, Tensor bias, Tensor y, boolean relu) {
        contiguous("lowRankLinear", x, v, u, bias, y);
        CudaContext ctx = context(x);
        int m = x.size(0), k = x.size(1), r = v.size(0), n = u.size(0);
        if (v.size(1) != k || u.size(1) != r) throw new IllegalArgumentException("lowRankLinear: factors do not chain: V " + v.size(0) + "x" + v.size(1) + ", U " + n + "x" + u.size(1));
        if (r > 12 * 1024) throw new IllegalArgumentException("lowRankLinear: rank " + r + " exceeds the 48 KiB shared-memory tile");
        ctx.launch("ds_lowrank_linear_f32", m, 1, 256, 1, 4 * r, addr(x), addr(v), addr(u), addr(bias), addr(y), m, k, r, n, relu ? 1 : 0);
    }

    static boolean f32(Tensor t) { return t.dtype() == DType.F32; }
}
