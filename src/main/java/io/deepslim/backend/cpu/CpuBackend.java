package io.deepslim.backend.cpu;

import io.deepslim.backend.Backend;
import io.deepslim.backend.BinaryOp;
import io.deepslim.backend.DelegatingBackend;
import io.deepslim.backend.ConvParams;
import io.deepslim.backend.PoolParams;
import io.deepslim.backend.ReduceOp;
import io.deepslim.backend.UnaryOp;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * The fast CPU backend: multi-threaded Java loops over off-heap buffers for elementwise work,
 * OpenBLAS sgemm (im2col) for matmul and convolution. It sits on a {@link RefBackend}, which runs
 * the primitives not overridden here (host transfers, optimizer steps).
 */
public class CpuBackend extends DelegatingBackend {
    final Gemm gemm;
    final Parallel par;
    private final CpuConv conv;

    /** OpenBLAS GEMM when available, Java loops on all available cores. */
    public CpuBackend() { this(Gemm.best(), Runtime.getRuntime().availableProcessors()); }

    public CpuBackend(Gemm gemm, int threads) { this(gemm, threads, new RefBackend()); }

    /** A backend with the thread settings of {@code ctx} (its own pool of {@code ctx.threads()}, OpenBLAS at {@code ctx.blasThreads()}). */
    public CpuBackend(CpuContext ctx) { this(Gemm.best(ctx.blasThreads()), ctx.threads(), new RefBackend()); }

    /** A CPU backend over {@code next} (normally a {@link RefBackend}). */
    public CpuBackend(Gemm gemm, int threads, Backend next) {
        super(next);
        this.gemm = gemm;
        this.par = new Parallel(threads);
        this.conv = new CpuConv(this);
    }

    /**
     * The specification backend.
     *
     * @deprecated use {@link RefBackend} (or {@code Devices.reference()}); kept for callers of the old API.
     */
    @Deprecated
    public static Backend reference() { return new RefBackend(); }

    @Override
    public String name() { return gemm.usesBlas() ? "cpu/openblas" : "cpu/java"; }

    // ------------------------------------------------------------------ memory

    @Override
    public void copy(Tensor src, Tensor dst) {
        if (src.isContiguous() && dst.isContiguous() && src.numel() == dst.numel()) {
            FloatBuffer s = src.buffer(), d = dst.buffer();
            d.put(dst.offset(), s, src.offset(), (int) src.numel());
            return;
        }
        Strided.map2(src, src.strides(), dst.shape(), dst, (x, y) -> x);
    }

    @Override
    public void fill(Tensor dst, float v) {
        requireContiguous("fill", dst);
        if (v == 0f && dst.isContiguous()) {
            // a private copy of the pointer: the storage's own may be read by other threads
            org.bytedeco.javacpp.BytePointer p = new org.bytedeco.javacpp.BytePointer(dst.storage().pointer());
            org.bytedeco.javacpp.Pointer.memset(p.position((long) dst.offset() * 4), 0, dst.numel() * 4);
            return;
        }
        FloatBuffer d = dst.buffer();
        int n = (int) dst.numel(), o = dst.offset();
        float[] buf = ArrayKernels.scratch()[0];
        java.util.Arrays.fill(buf, v);
        for (int lo = 0; lo < n; lo += ArrayKernels.BLOCK) d.put(o + lo, buf, 0, Math.min(ArrayKernels.BLOCK, n - lo));
    }

    // ------------------------------------------------------------------ elementwise

    @Override
    public void unary(UnaryOp op, Tensor a, float alpha, Tensor out) {
        requireContiguous("unary " + op, a, out);
        FloatBuffer x = a.buffer(), y = out.buffer();
        int xo = a.offset(), yo = out.offset(), n = (int) a.numel();
        par.forEach(blocks(n), ArrayKernels.BLOCK, blk -> {
            int lo = blk * ArrayKernels.BLOCK, len = Math.min(n - lo, ArrayKernels.BLOCK);
            float[] buf = ArrayKernels.scratch()[0];
            x.get(xo + lo, buf, 0, len);
            ArrayKernels.unary(op, buf, len, alpha);
            y.put(yo + lo, buf, 0, len);
        });
    }

    static int blocks(int n) { return (n + ArrayKernels.BLOCK - 1) / ArrayKernels.BLOCK; }

    static float applyUnary(UnaryOp op, float v, float alpha) {
        switch (op) {
            case NEG: return -v;
            case EXP: return (float) Math.exp(v);
            case LOG: return (float) Math.log(v);
            case SQRT: return (float) Math.sqrt(v);
            case ABS: return Math.abs(v);
            case RELU: return v > 0f ? v : 0f;
            case SIGMOID: return (float) (1.0 / (1.0 + Math.exp(-v)));
            case TANH: return (float) Math.tanh(v);
            case STEP: return v > 0f ? 1f : 0f;
            case SIGN: return Math.signum(v);
            case SCALE: return alpha * v;
            case ADD_SCALAR: return v + alpha;
            case POW: return (float) Math.pow(v, alpha);
            case RECIPROCAL: return 1f / v;
            case CLAMP_MIN: return Math.max(v, alpha);
            case SOFTPLUS: return (float) (Math.max(v, 0.0) + Math.log1p(Math.exp(-Math.abs(v))));
            default: throw new IllegalArgumentException("unary op " + op);
        }
    }

    static float applyBinary(BinaryOp op, float a, float b) {
        switch (op) {
            case ADD: return a + b;
            case SUB: return a - b;
            case MUL: return a * b;
            case DIV: return a / b;
            case MAX: return Math.max(a, b);
            case MIN: return Math.min(a, b);
            case GT: return a > b ? 1f : 0f;
            case EQ: return a == b ? 1f : 0f;
            case MASK_POSITIVE: return b > 0f ? a : 0f;
            default: throw new IllegalArgumentException("binary op " + op);
        }
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int n = (int) out.numel();
        if (a.isContiguous() && b.isContiguous() && a.numel() == n && (b.numel() == n || b.numel() == 1)) {
            FloatBuffer x = a.buffer(), y = b.buffer(), z = out.buffer();
            int xo = a.offset(), yo = b.offset(), zo = out.offset();
            boolean scalarB = b.numel() == 1 && n != 1;
            par.forEach(blocks(n), ArrayKernels.BLOCK, blk -> {
                int lo = blk * ArrayKernels.BLOCK, len = Math.min(n - lo, ArrayKernels.BLOCK);
                float[][] buf = ArrayKernels.scratch();
                x.get(xo + lo, buf[0], 0, len);
                if (scalarB) {
                    ArrayKernels.binaryScalar(op, buf[0], y.get(yo), len);
                } else {
                    y.get(yo + lo, buf[1], 0, len);
                    ArrayKernels.binary(op, buf[0], buf[1], len);
                }
                z.put(zo + lo, buf[0], 0, len);
            });
            return;
        }
        Strided.map3(op, a, b, out);
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        requireContiguous("axpy", x, y);
        FloatBuffer xb = x.buffer(), yb = y.buffer();
        int xo = x.offset(), yo = y.offset(), n = (int) x.numel();
        for (int i = 0; i < n; i++) yb.put(yo + i, yb.get(yo + i) + alpha * xb.get(xo + i));
    }

    // ------------------------------------------------------------------ reductions

    @Override
    public void reduce(ReduceOp op, Tensor a, int dim, Tensor out) {
        requireContiguous("reduce " + op, a, out);
        int[] s = a.shape();
        int outer = 1, inner = 1, len = s[dim];
        for (int i = 0; i < dim; i++) outer *= s[i];
        for (int i = dim + 1; i < s.length; i++) inner *= s[i];
        FloatBuffer x = a.buffer(), y = out.buffer();
        int xo = a.offset(), yo = out.offset();
        final int fi = inner;
        par.forEach(outer, (long) len * inner, o -> {
            // rows of `inner` contiguous values, one per k: accumulate them in double
            if (fi == 1) {
                y.put(yo + o, reduceContiguous(op, x, xo + o * len, len));
                return;
            }
            double[] acc = new double[fi];
            if (op == ReduceOp.MAX) java.util.Arrays.fill(acc, Double.NEGATIVE_INFINITY);
            float[] row = ArrayKernels.plane(0, fi);
            for (int k = 0; k < len; k++) {
                x.get(xo + (o * len + k) * fi, row, 0, fi);
                if (op == ReduceOp.MAX) {
                    for (int i = 0; i < fi; i++) acc[i] = Math.max(acc[i], row[i]);
                } else {
                    for (int i = 0; i < fi; i++) acc[i] += row[i];
                }
            }
            float[] res = ArrayKernels.plane(1, fi);
            for (int i = 0; i < fi; i++) res[i] = (float) (op == ReduceOp.MEAN ? acc[i] / len : acc[i]);
            y.put(yo + o * fi, res, 0, fi);
        });
    }

    /** Reduces {@code len} contiguous values starting at {@code off}. */
    private static float reduceContiguous(ReduceOp op, FloatBuffer x, int off, int len) {
        float[] buf = ArrayKernels.scratch()[1];
        double acc = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : 0;
        for (int lo = 0; lo < len; lo += ArrayKernels.BLOCK) {
            int n = Math.min(ArrayKernels.BLOCK, len - lo);
            x.get(off + lo, buf, 0, n);
            if (op == ReduceOp.MAX) {
                for (int i = 0; i < n; i++) acc = Math.max(acc, buf[i]);
            } else {
                for (int i = 0; i < n; i++) acc += buf[i];
            }
        }
        return (float) (op == ReduceOp.MEAN ? acc / len : acc);
    }

    @Override
    public void argmaxLastDim(Tensor a, Tensor out) {
        requireContiguous("argmax", a, out);
        int n = a.size(-1), m = (int) (a.numel() / Math.max(1, n));
        FloatBuffer x = a.buffer(), y = out.buffer();
        for (int r = 0; r < m; r++) {
            int best = 0;
            float bv = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                float v = x.get(a.offset() + r * n + j);
                if (v > bv) {
                    bv = v;
                    best = j;
                }
            }
            y.put(out.offset() + r, best);
        }
    }

    // ------------------------------------------------------------------ linear algebra

    @Override
    public void gemm(boolean ta, boolean tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        requireContiguous("gemm", a, b, c);
        int batch = c.dim() == 3 ? c.size(0) : 1;
        int m = c.size(-2), n = c.size(-1);
        int k = ta ? a.size(-2) : a.size(-1);
        int lda = a.size(-1), ldb = b.size(-1);
        int aStride = a.dim() == 3 ? m * k : 0, bStride = b.dim() == 3 ? k * n : 0;
        // split the rows of C into blocks so large products use every thread (OpenBLAS runs single-threaded)
        int blocks = (long) m * n * k < 4_000_000L ? 1 : Math.min(m, 4 * par.threads());
        par.forEach(batch * blocks, (long) m * n * k / blocks, job -> {
            int i = job / blocks, blk = job % blocks;
            int r0 = blk * m / blocks, r1 = (blk + 1) * m / blocks;
            if (r1 == r0) return;
            int aOff = a.offset() + i * aStride + (ta ? r0 : r0 * lda);
            gemm.sgemm(ta, tb, r1 - r0, n, k, alpha,
                    a.storage().floatPointer(0), a.buffer(), aOff, lda,
                    b.storage().floatPointer(0), b.buffer(), b.offset() + i * bStride, ldb, beta,
                    c.storage().floatPointer(0), c.buffer(), c.offset() + i * m * n + r0 * n, n);
        });
    }

    // ------------------------------------------------------------------ convolution

    @Override
    public void conv2dForward(Tensor x, Tensor w, Tensor bias, ConvParams p, Tensor y) {
        requireContiguous("conv2d", x, w, bias, y);
        conv.forward(x, w, bias, p, false, y);
    }

    @Override
    public void conv2dForwardRelu(Tensor x, Tensor w, Tensor bias, ConvParams p, Tensor y) {
        requireContiguous("conv2d_relu", x, w, bias, y);
        conv.forward(x, w, bias, p, true, y);
    }

    @Override
    public void conv2dForwardMaxPool2(Tensor x, Tensor w, Tensor bias, ConvParams p, boolean relu, Tensor y) {
        requireContiguous("conv2d_maxpool2", x, w, bias, y);
        conv.forwardMaxPool2(x, w, bias, p, relu, y);
    }

    @Override
    public void conv2dBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx) {
        requireContiguous("conv2d_backward_data", dy, w, dx);
        conv.backwardData(dy, w, p, dx);
    }

    @Override
    public void conv2dBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw) {
        requireContiguous("conv2d_backward_filter", x, dy, dw);
        conv.backwardFilter(x, dy, p, dw);
    }

    // ------------------------------------------------------------------ pooling, normalization

    @Override
    public void maxPool2dForward(Tensor x, PoolParams p, Tensor y, Tensor argmax) {
        requireContiguous("max_pool2d", x, y, argmax);
        CpuPool.maxForward(par, x, p, y, argmax);
    }

    @Override
    public void maxPool2dBackward(Tensor dy, Tensor argmax, Tensor dx) { CpuPool.maxBackward(par, dy, argmax, dx); }

    @Override
    public void avgPool2dForward(Tensor x, PoolParams p, Tensor y) {
        requireContiguous("avg_pool2d", x, y);
        CpuPool.avgForward(par, x, p, y);
    }

    @Override
    public void avgPool2dBackward(Tensor dy, PoolParams p, Tensor dx) { CpuPool.avgBackward(par, dy, p, dx); }

    @Override
    public void adaptiveAvgPool2dForward(Tensor x, Tensor y) { CpuPool.adaptiveForward(par, x, y); }

    @Override
    public void adaptiveAvgPool2dBackward(Tensor dy, Tensor dx) { CpuPool.adaptiveBackward(par, dy, dx); }

    @Override
    public void batchNormForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                 boolean training, float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        requireContiguous("batch_norm", x, y);
        CpuNorm.forward(par, x, gamma, beta, runningMean, runningVar, training, momentum, eps, y, saveMean, saveInvStd);
    }

    @Override
    public void batchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
                                  Tensor dx, Tensor dgamma, Tensor dbeta) {
        requireContiguous("batch_norm_backward", x, dy, dx);
        CpuNorm.backward(par, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    @Override
    public void batchNormReluForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                     float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        requireContiguous("batch_norm_relu", x, y);
        CpuNorm.forwardRelu(par, x, gamma, beta, runningMean, runningVar, momentum, eps, y, saveMean, saveInvStd);
    }

    @Override
    public void batchNormReluBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor beta, Tensor saveMean,
                                      Tensor saveInvStd, Tensor dx, Tensor dgamma, Tensor dbeta) {
        // y is not read: the ReLU mask is recomputed from x and the saved statistics
        requireContiguous("batch_norm_relu_backward", x, dy, dx);
        CpuNorm.backwardRelu(par, x, dy, gamma, beta, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    @Override
    public void batchNormReluMaxPool2Forward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                             float momentum, float eps, Tensor y, Tensor argmax, Tensor saveMean, Tensor saveInvStd) {
        requireContiguous("batch_norm_relu_maxpool2", x, y, argmax);
        CpuNorm.forwardReluMaxPool2(par, x, gamma, beta, runningMean, runningVar, momentum, eps, y, argmax, saveMean, saveInvStd);
    }

    @Override
    public void batchNormReluMaxPool2Backward(Tensor x, Tensor y, Tensor argmax, Tensor dy, Tensor gamma, Tensor beta,
                                              Tensor saveMean, Tensor saveInvStd, Tensor dx, Tensor dgamma, Tensor dbeta) {
        requireContiguous("batch_norm_relu_maxpool2_backward", x, y, argmax, dy, dx);
        CpuNorm.backwardReluMaxPool2(par, x, y, argmax, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    // ------------------------------------------------------------------ softmax, dropout

    @Override
    public void softmax(Tensor x, boolean log, Tensor y) {
        requireContiguous("softmax", x, y);
        int n = x.size(-1), m = (int) (x.numel() / Math.max(1, n));
        FloatBuffer xb = x.buffer(), yb = y.buffer();
        int xo = x.offset(), yo = y.offset();
        par.forEach(m, n * 4L, r -> {
            int b = r * n;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, xb.get(xo + b + j));
            double sum = 0;
            for (int j = 0; j < n; j++) sum += Math.exp(xb.get(xo + b + j) - max);
            double logSum = Math.log(sum);
            for (int j = 0; j < n; j++) {
                double z = xb.get(xo + b + j) - max;
                yb.put(yo + b + j, (float) (log ? z - logSum : Math.exp(z) / sum));
            }
        });
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, boolean log, Tensor dx) {
        requireContiguous("softmax_backward", y, dy, dx);
        int n = y.size(-1), m = (int) (y.numel() / Math.max(1, n));
        FloatBuffer yb = y.buffer(), gb = dy.buffer(), db = dx.buffer();
        int yo = y.offset(), go = dy.offset(), dxo = dx.offset();
        par.forEach(m, n * 4L, r -> {
            int b = r * n;
            double dot = 0;
            // softmax: dx = y·(g − Σ g·y); log-softmax: dx = g − exp(y)·Σ g
            for (int j = 0; j < n; j++) dot += log ? gb.get(go + b + j) : gb.get(go + b + j) * yb.get(yo + b + j);
            for (int j = 0; j < n; j++) {
                float yv = yb.get(yo + b + j), gv = gb.get(go + b + j);
                db.put(dxo + b + j, (float) (log ? gv - Math.exp(yv) * dot : yv * (gv - dot)));
            }
        });
    }

    // dropoutMask and minMax: delegated to the reference backend, whose single pass is the same code

    // ------------------------------------------------------------------ int8

    @Override
    public void quantize(Tensor x, float scale, int zeroPoint, Tensor q) { CpuQuant.quantize(par, x, scale, zeroPoint, q); }

    @Override
    public void int8Gemm(Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias, Tensor y) {
        CpuQuant.int8Gemm(par, true, xq, xScale, xZero, wq, wScale, bias, y);
    }

    @Override
    public void int8Conv2d(Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias, ConvParams p, Tensor y) {
        CpuQuant.int8Conv2d(par, true, xq, xScale, xZero, wq, wScale, bias, p, y);
    }

    /** Refuses strided views where a primitive walks memory linearly (a silent wrong result otherwise). */
    static void requireContiguous(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && !t.isContiguous()) {
                throw new IllegalArgumentException(op + ": needs contiguous tensors, got a strided view of shape "
                        + java.util.Arrays.toString(t.shape()) + " (strides " + java.util.Arrays.toString(t.strides()) + "); call contiguousRaw() first");
            }
        }
    }

    /** Checks a tensor is F32 (the dtype every primitive here computes in). */
    static void requireF32(String op, Tensor t) {
        if (t.dtype() != DType.F32) throw new IllegalArgumentException(op + ": expected F32, got " + t.dtype());
    }
}
