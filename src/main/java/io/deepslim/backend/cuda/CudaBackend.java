package io.deepslim.backend.cuda;

import io.deepslim.backend.Backend;
import io.deepslim.backend.BinaryOp;
import io.deepslim.backend.ConvParams;
import io.deepslim.backend.PoolParams;
import io.deepslim.backend.ReduceOp;
import io.deepslim.backend.UnaryOp;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * The GPU backend: cuBLAS GEMM, cuDNN convolution / batch norm / softmax ({@link CudaDnn}), and the
 * kernels of cuda/*.cu for everything else. It implements every primitive itself and delegates
 * nothing: there is no silent host fallback. A primitive the GPU cannot run (today: strided views
 * where a kernel needs contiguous memory) throws, and the caller copies explicitly with
 * {@code Tensor.toHost()} / {@code to(device)}.
 */
public final class CudaBackend implements Backend {
    private final CudaContext ctx;
    private final CudaDnn dnn;

    CudaBackend(CudaContext ctx) {
        this.ctx = ctx;
        this.dnn = new CudaDnn(ctx);
    }

    @Override
    public String name() { return "cuda:" + ctx.deviceIndex() + (ctx.tf32() ? "/tf32" : ""); }

    /** Device address of a tensor's first element. */
    static long addr(Tensor t) {
        if (t == null) return 0L;
        return t.storage().deviceAddress() + (long) t.offset() * t.dtype().bytes();
    }

    static void contiguous(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && !t.isContiguous()) {
                throw new IllegalArgumentException("cuda " + op + ": needs contiguous tensors, got strides of shape " + Shape.str(t.shape()));
            }
        }
    }

    // ------------------------------------------------------------------ host transfers

    @Override
    public void readFloats(Tensor src, float[] dst) {
        FloatPointer h = new FloatPointer(Math.max(1, dst.length));
        ctx.download(addr(src), h, 4L * dst.length);
        h.get(dst);
        h.deallocate();
    }

    @Override
    public void writeFloats(float[] src, Tensor dst) {
        contiguous("writeFloats", dst);
        FloatPointer h = new FloatPointer(src);
        ctx.upload(h, addr(dst), 4L * src.length);
        h.deallocate();
    }

    @Override
    public void readBytes(Tensor src, byte[] dst) {
        BytePointer h = new BytePointer(Math.max(1, dst.length));
        ctx.download(addr(src), h, dst.length);
        h.get(dst);
        h.deallocate();
    }

    @Override
    public void writeBytes(byte[] src, Tensor dst) {
        BytePointer h = new BytePointer(src);
        ctx.upload(h, addr(dst), src.length);
        h.deallocate();
    }

    @Override
    public void readInts(Tensor src, int[] dst) {
        IntPointer h = new IntPointer(Math.max(1, dst.length));
        ctx.download(addr(src), h, 4L * dst.length);
        h.get(dst);
        h.deallocate();
    }

    @Override
    public void writeInts(int[] src, Tensor dst) {
        IntPointer h = new IntPointer(src);
        ctx.upload(h, addr(dst), 4L * src.length);
        h.deallocate();
    }

    // ------------------------------------------------------------------ elementwise

    /** ds_index: ndim, shape[6], aStride[6], bStride[6]; a/b broadcast to out's shape (stride 0). */
    static int[] index(int[] out, Tensor a, Tensor b) {
        if (out.length > 6) throw new IllegalArgumentException("cuda: at most 6 dimensions, got " + out.length);
        int[] ix = new int[19];
        ix[0] = Math.max(1, out.length);
        if (out.length == 0) ix[1] = 1;
        for (int d = 0; d < out.length; d++) {
            ix[1 + d] = out[d];
            ix[7 + d] = bstride(a, out, d);
            ix[13 + d] = b == null ? 0 : bstride(b, out, d);
        }
        return ix;
    }

    private static int bstride(Tensor t, int[] out, int d) {
        int k = d - (out.length - t.dim());
        if (k < 0 || t.size(k) == 1) return 0;
        return t.strides()[k];
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        if (src.isContiguous() && dst.isContiguous()) {
            ctx.copyOnDevice(addr(src), addr(dst), dst.numel() * dst.dtype().bytes());
            return;
        }
        if (dst.dtype() != DType.F32 || src.dtype() != DType.F32) {
            throw new IllegalArgumentException("cuda copy: strided copies are float32 only, got " + src.dtype() + " -> " + dst.dtype());
        }
        // source strides in the index's "a" slots, destination strides in its "b" slots (both may be views)
        ctx.launch1d("ds_copy_strided_f32", dst.numel(), addr(src), addr(dst), index(dst.shape(), src, dst), dst.numel());
    }

    @Override
    public void fill(Tensor dst, float v) {
        contiguous("fill", dst);
        ctx.launch1d("ds_fill_f32", dst.numel(), addr(dst), v, dst.numel());
    }

    @Override
    public void unary(UnaryOp op, Tensor a, float alpha, Tensor out) {
        contiguous("unary", a, out);
        ctx.launch1d("ds_unary_f32", out.numel(), op.ordinal(), addr(a), alpha, addr(out), out.numel());
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        contiguous("binary", out);
        ctx.launch1d("ds_binary_f32", out.numel(), op.ordinal(), addr(a), addr(b), addr(out), index(out.shape(), a, b), out.numel());
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        contiguous("axpy", x, y);
        ctx.launch1d("ds_axpy_f32", y.numel(), alpha, addr(x), addr(y), y.numel());
    }

    @Override
    public void reduce(ReduceOp op, Tensor a, int dim, Tensor out) {
        contiguous("reduce", a, out);
        int[] s = a.shape();
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= s[i];
        for (int i = dim + 1; i < s.length; i++) inner *= s[i];
        ctx.launch1d("ds_reduce_f32", (long) outer * inner, op.ordinal(), addr(a), addr(out), outer, s[dim], inner);
    }

    @Override
    public void argmaxLastDim(Tensor a, Tensor out) {
        contiguous("argmax", a, out);
        ctx.launch1d("ds_argmax_lastdim_f32", a.size(0), addr(a), addr(out), a.size(0), a.size(1));
    }

    // ------------------------------------------------------------------ GEMM (cuBLAS, column-major trick: Cᵀ = Bᵀ·Aᵀ)

    @Override
    public void gemm(boolean ta, boolean tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        contiguous("gemm", a, b, c);
        int batch = c.dim() == 3 ? c.size(0) : 1;
        int m = c.size(-2), n = c.size(-1), k = ta ? a.size(-2) : a.size(-1);
        int lda = a.size(-1), ldb = b.size(-1);
        long sa = a.dim() == 3 ? (long) m * k : 0, sb = b.dim() == 3 ? (long) k * n : 0;
        synchronized (ctx) {
            ctx.makeCurrent();
            // host scalars, read by cuBLAS before the call returns: one pair per context, reused
            FloatPointer al = ctx.alpha.put(alpha), be = ctx.beta.put(beta);
            CudaContext.checkBlas(cublas.cublasSgemmStridedBatched(ctx.blas(),
                    tb ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N, ta ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N,
                    n, m, k, al, CudaContext.ptr(addr(b)), ldb, sb, CudaContext.ptr(addr(a)), lda, sa,
                    be, CudaContext.ptr(addr(c)), n, (long) m * n, batch), "cublasSgemmStridedBatched");
        }
    }

    // ------------------------------------------------------------------ convolution, batch norm, softmax (cuDNN)

    @Override
    public void conv2dForward(Tensor x, Tensor w, Tensor bias, ConvParams p, Tensor y) { dnn.convForward(x, w, bias, p, y); }

    @Override
    public void conv2dBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx) { dnn.convBackwardData(dy, w, p, dx); }

    @Override
    public void conv2dBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw) { dnn.convBackwardFilter(x, dy, p, dw); }

    @Override
    public void batchNormForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, boolean training,
                                 float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        dnn.batchNormForward(x, gamma, beta, runningMean, runningVar, training, momentum, eps, y, saveMean, saveInvStd);
    }

    @Override
    public void batchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd, Tensor dx, Tensor dgamma, Tensor dbeta) {
        dnn.batchNormBackward(x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    @Override
    public void softmax(Tensor x, boolean log, Tensor y) { dnn.softmax(x, log, y); }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, boolean log, Tensor dx) { dnn.softmaxBackward(y, dy, log, dx); }

    // ------------------------------------------------------------------ pooling (kernels: the argmax layout is ours)

    @Override
    public void maxPool2dForward(Tensor x, PoolParams p, Tensor y, Tensor argmax) {
        contiguous("maxPool2d", x, y, argmax);
        int[] s = x.shape();
        int planes = s[0] * s[1], ho = y.size(2), wo = y.size(3);
        ctx.launch1d("ds_maxpool_forward_f32", (long) planes * ho * wo, addr(x), addr(y), addr(argmax), planes, s[2], s[3],
                ho, wo, p.kernel(), p.stride(), p.pad());
    }

    @Override
    public void maxPool2dBackward(Tensor dy, Tensor argmax, Tensor dx) {
        contiguous("maxPool2dBackward", dy, argmax, dx);
        int planes = dx.size(0) * dx.size(1), hw = dx.size(2) * dx.size(3), howo = dy.size(2) * dy.size(3);
        ctx.zero(addr(dx), dx.numel() * 4);
        ctx.launch1d("ds_maxpool_backward_f32", (long) planes * howo, addr(dy), addr(argmax), addr(dx), planes, hw, howo);
    }

    @Override
    public void avgPool2dForward(Tensor x, PoolParams p, Tensor y) {
        contiguous("avgPool2d", x, y);
        int[] s = x.shape();
        ctx.launch1d("ds_avgpool_forward_f32", y.numel(), addr(x), addr(y), s[0] * s[1], s[2], s[3], y.size(2), y.size(3),
                p.kernel(), p.stride(), p.pad());
    }

    @Override
    public void avgPool2dBackward(Tensor dy, PoolParams p, Tensor dx) {
        contiguous("avgPool2dBackward", dy, dx);
        int[] s = dx.shape();
        ctx.launch1d("ds_avgpool_backward_f32", dx.numel(), addr(dy), addr(dx), s[0] * s[1], s[2], s[3], dy.size(2), dy.size(3),
                p.kernel(), p.stride(), p.pad());
    }

    @Override
    public void adaptiveAvgPool2dForward(Tensor x, Tensor y) {
        contiguous("adaptiveAvgPool2d", x, y);
        int[] s = x.shape();
        ctx.launch1d("ds_adaptive_avgpool_forward_f32", y.numel(), addr(x), addr(y), s[0] * s[1], s[2], s[3], y.size(2), y.size(3));
    }

    @Override
    public void adaptiveAvgPool2dBackward(Tensor dy, Tensor dx) {
        contiguous("adaptiveAvgPool2dBackward", dy, dx);
        int[] s = dx.shape();
        ctx.launch1d("ds_adaptive_avgpool_backward_f32", dx.numel(), addr(dy), addr(dx), s[0] * s[1], s[2], s[3], dy.size(2), dy.size(3));
    }

    @Override
    public void dropoutMask(Tensor out, float p, long seed) {
        contiguous("dropout", out);
        ctx.launch1d("ds_dropout_mask_f32", out.numel(), addr(out), p, seed, out.numel());
    }

    // ------------------------------------------------------------------ int8

    @Override
    public float[] minMax(Tensor x) {
        contiguous("minMax", x);
        int blocks = (int) Math.max(1, Math.min((x.numel() + 255) / 256, 1024));
        CudaAllocator.Block part = ctx.allocator().allocate(8L * blocks + 8);
        try {
            ctx.launch("ds_minmax_partial_f32", blocks, 1, 256, 1, 0, addr(x), x.numel(), 0, part.address());
            long out = part.address() + 8L * blocks;
            ctx.launch("ds_minmax_partial_f32", 1, 1, 256, 1, 0, part.address(), (long) blocks, 1, out);
            FloatPointer h = new FloatPointer(2);
            ctx.download(out, h, 8);
            float[] r = {h.get(0), h.get(1)};
            h.deallocate();
            return r;
        } finally {
            ctx.allocator().free(part);
        }
    }

    @Override
    public void quantize(Tensor x, float scale, int zeroPoint, Tensor q) {
        contiguous("quantize", x, q);
        if (!(scale > 0) || zeroPoint < -128 || zeroPoint > 127) {
            throw new IllegalArgumentException("quantize: needs scale > 0 and zero point in [-128, 127], got " + scale + ", " + zeroPoint);
        }
        ctx.launch1d("ds_quantize_f32", x.numel(), addr(x), 1f / scale, zeroPoint, addr(q), x.numel());
    }

    @Override
    public void int8Gemm(Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias, Tensor y) {
        CudaKernels.int8Linear(ctx, xq, xScale, xZero, wq, wScale, bias, y, 0, false);
    }

    @Override
    public void int8Conv2d(Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias, ConvParams p, Tensor y) {
        CudaKernels.int8Conv2d(ctx, xq, xScale, xZero, wq, wScale, bias, p, y, false);
    }

    // ------------------------------------------------------------------ optimizers

    @Override
    public void sgdStep(Tensor w, Tensor g, Tensor velocity, float lr, float momentum, float weightDecay, boolean nesterov, boolean first) {
        contiguous("sgdStep", w, g, velocity);
        ctx.launch1d("ds_sgd_step_f32", w.numel(), addr(w), addr(g), addr(velocity), lr, momentum, weightDecay,
                nesterov ? 1 : 0, first ? 1 : 0, w.numel());
    }

    @Override
    public void adamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                         float weightDecay, boolean decoupled, long step) {
        contiguous("adamStep", w, g, m, v);
        float bc1 = (float) (1 - Math.pow(beta1, step)), bc2 = (float) (1 - Math.pow(beta2, step));
        ctx.launch1d("ds_adam_step_f32", w.numel(), addr(w), addr(g), addr(m), addr(v), lr, beta1, beta2, eps, weightDecay,
                decoupled ? 1 : 0, bc1, bc2, w.numel());
    }

    static boolean isF32(Tensor t) { return t.dtype() == DType.F32; }
}
