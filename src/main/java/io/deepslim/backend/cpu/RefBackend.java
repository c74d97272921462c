package io.deepslim.backend.cpu;

import io.deepslim.backend.Backend;
import io.deepslim.backend.BinaryOp;
import io.deepslim.backend.ConvParams;
import io.deepslim.backend.PoolParams;
import io.deepslim.backend.ReduceOp;
import io.deepslim.backend.UnaryOp;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;

import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * The reference backend: every primitive as plain, single-threaded Java loops over host memory.
 * It is the specification: the golden tests check it against PyTorch, and faster backends are
 * tested against it. It is also the bottom of every CPU stack, so a backend that implements only
 * some primitives still runs everything (see {@link io.deepslim.backend.DelegatingBackend}).
 *
 * <p>Elementwise, reductions, GEMM, softmax, dropout and the optimizer steps are written here;
 * convolution uses the direct loops of {@link RefConv}; pooling, batch norm and int8 reuse the
 * plain loops of {@link CpuPool}, {@link CpuNorm} and {@link CpuQuant} on one thread.
 */
public final class RefBackend implements Backend {
    private final Parallel one = new Parallel(1);

    @Override
    public String name() { return "ref"; }

    // ------------------------------------------------------------------ host transfers

    @Override
    public void readFloats(Tensor src, float[] dst) {
        check("readFloats", src, DType.F32, dst.length);
        src.storage().floats().get(src.offset(), dst, 0, dst.length);
    }

    @Override
    public void writeFloats(float[] src, Tensor dst) {
        check("writeFloats", dst, DType.F32, src.length);
        dst.storage().floats().put(dst.offset(), src, 0, src.length);
    }

    @Override
    public void readBytes(Tensor src, byte[] dst) {
        check("readBytes", src, DType.I8, dst.length);
        src.storage().bytes().get(src.offset(), dst, 0, dst.length);
    }

    @Override
    public void writeBytes(byte[] src, Tensor dst) {
        check("writeBytes", dst, DType.I8, src.length);
        dst.storage().bytes().put(dst.offset(), src, 0, src.length);
    }

    @Override
    public void readInts(Tensor src, int[] dst) {
        check("readInts", src, DType.I32, dst.length);
        src.storage().bytes().asIntBuffer().get(src.offset(), dst, 0, dst.length);
    }

    @Override
    public void writeInts(int[] src, Tensor dst) {
        check("writeInts", dst, DType.I32, src.length);
        dst.storage().bytes().asIntBuffer().put(dst.offset(), src, 0, src.length);
    }

    private static void check(String op, Tensor t, DType dtype, int len) {
        if (t.dtype() != dtype) throw new IllegalArgumentException(op + ": expected " + dtype + ", got " + t.dtype());
        if (t.numel() != len) throw new IllegalArgumentException(op + ": " + len + " values for a tensor of " + t.numel());
        CpuBackend.requireContiguous(op, t);
    }

    // ------------------------------------------------------------------ memory, elementwise

    @Override
    public void copy(Tensor src, Tensor dst) {
        int[] shape = dst.shape();
        FloatBuffer s = src.buffer(), d = dst.buffer();
        for (int i = 0, n = (int) dst.numel(); i < n; i++) d.put(at(dst, shape, i), s.get(at(src, shape, i)));
    }

    @Override
    public void fill(Tensor dst, float v) {
        CpuBackend.requireContiguous("fill", dst);
        FloatBuffer d = dst.buffer();
        for (int i = 0, n = (int) dst.numel(); i < n; i++) d.put(dst.offset() + i, v);
    }

    @Override
    public void unary(UnaryOp op, Tensor a, float alpha, Tensor out) {
        CpuBackend.requireContiguous("unary " + op, a, out);
        FloatBuffer x = a.buffer(), y = out.buffer();
        for (int i = 0, n = (int) a.numel(); i < n; i++) y.put(out.offset() + i, CpuBackend.applyUnary(op, x.get(a.offset() + i), alpha));
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int[] shape = out.shape();
        FloatBuffer x = a.buffer(), y = b.buffer(), z = out.buffer();
        for (int i = 0, n = (int) out.numel(); i < n; i++) {
            z.put(at(out, shape, i), CpuBackend.applyBinary(op, x.get(at(a, shape, i)), y.get(at(b, shape, i))));
        }
    }

    /** Storage index of row-major element {@code flat} of {@code shape}, with t broadcast to shape. */
    private static int at(Tensor t, int[] shape, int flat) {
        int[] ts = t.shape(), st = t.strides();
        int shift = shape.length - ts.length, off = t.offset();
        for (int d = shape.length - 1; d >= 0; d--) {
            int idx = flat % shape[d];
            flat /= shape[d];
            int td = d - shift;
            if (td >= 0 && ts[td] != 1) off += idx * st[td];
        }
        return off;
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        CpuBackend.requireContiguous("axpy", x, y);
        FloatBuffer xb = x.buffer(), yb = y.buffer();
        for (int i = 0, n = (int) x.numel(); i < n; i++) yb.put(y.offset() + i, yb.get(y.offset() + i) + alpha * xb.get(x.offset() + i));
    }

    // ------------------------------------------------------------------ reductions, GEMM

    @Override
    public void reduce(ReduceOp op, Tensor a, int dim, Tensor out) {
        CpuBackend.requireContiguous("reduce " + op, a, out);
        int[] s = a.shape();
        int outer = 1, inner = 1, len = s[dim];
        for (int i = 0; i < dim; i++) outer *= s[i];
        for (int i = dim + 1; i < s.length; i++) inner *= s[i];
        FloatBuffer x = a.buffer(), y = out.buffer();
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double acc = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : 0;
                for (int k = 0; k < len; k++) {
                    float v = x.get(a.offset() + (o * len + k) * inner + i);
                    acc = op == ReduceOp.MAX ? Math.max(acc, v) : acc + v;
                }
                y.put(out.offset() + o * inner + i, (float) (op == ReduceOp.MEAN ? acc / len : acc));
            }
        }
    }

    @Override
    public void argmaxLastDim(Tensor a, Tensor out) {
        CpuBackend.requireContiguous("argmax", a, out);
        int n = a.size(-1), m = (int) (a.numel() / Math.max(1, n));
        FloatBuffer x = a.buffer(), y = out.buffer();
        for (int r = 0; r < m; r++) {
            int best = 0;
            for (int j = 1; j < n; j++) if (x.get(a.offset() + r * n + j) > x.get(a.offset() + r * n + best)) best = j;
            y.put(out.offset() + r, best);
        }
    }

    @Override
    public void gemm(boolean ta, boolean tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        CpuBackend.requireContiguous("gemm", a, b, c);
        int batch = c.dim() == 3 ? c.size(0) : 1;
        int m = c.size(-2), n = c.size(-1), k = ta ? a.size(-2) : a.size(-1);
        int lda = a.size(-1), ldb = b.size(-1);
        int aStride = a.dim() == 3 ? m * k : 0, bStride = b.dim() == 3 ? k * n : 0;
        FloatBuffer ab = a.buffer(), bb = b.buffer(), cb = c.buffer();
        for (int t = 0; t < batch; t++) {
            int ao = a.offset() + t * aStride, bo = b.offset() + t * bStride, co = c.offset() + t * m * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) {
                        float av = ta ? ab.get(ao + p * lda + i) : ab.get(ao + i * lda + p);
                        float bv = tb ? bb.get(bo + j * ldb + p) : bb.get(bo + p * ldb + j);
                        acc += (double) av * bv;
                    }
                    float prev = beta == 0f ? 0f : beta * cb.get(co + i * n + j);
                    cb.put(co + i * n + j, prev + alpha * (float) acc);
                }
            }
        }
    }

    // ------------------------------------------------------------------ convolution, pooling, normalization

    @Override
    public void conv2dForward(Tensor x, Tensor w, Tensor bias, ConvParams p, Tensor y) {
        CpuBackend.requireContiguous("conv2d", x, w, bias, y);
        RefConv.forward(one, x, w, bias, p, y);
    }

    @Override
    public void conv2dForwardRelu(Tensor x, Tensor w, Tensor bias, ConvParams p, Tensor y) {
        conv2dForward(x, w, bias, p, y);
        unary(UnaryOp.RELU, y, 0f, y);
    }

    @Override
    public void conv2dBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx) {
        CpuBackend.requireContiguous("conv2d_backward_data", dy, w, dx);
        RefConv.backwardData(one, dy, w, p, dx);
    }

    @Override
    public void conv2dBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw) {
        CpuBackend.requireContiguous("conv2d_backward_filter", x, dy, dw);
        RefConv.backwardFilter(one, x, dy, p, dw);
    }

    @Override
    public void maxPool2dForward(Tensor x, PoolParams p, Tensor y, Tensor argmax) {
        CpuBackend.requireContiguous("max_pool2d", x, y, argmax);
        CpuPool.maxForward(one, x, p, y, argmax);
    }

    @Override
    public void maxPool2dBackward(Tensor dy, Tensor argmax, Tensor dx) { CpuPool.maxBackward(one, dy, argmax, dx); }

    @Override
    public void avgPool2dForward(Tensor x, PoolParams p, Tensor y) {
        CpuBackend.requireContiguous("avg_pool2d", x, y);
        CpuPool.avgForward(one, x, p, y);
    }

    @Override
    public void avgPool2dBackward(Tensor dy, PoolParams p, Tensor dx) { CpuPool.avgBackward(one, dy, p, dx); }

    @Override
    public void adaptiveAvgPool2dForward(Tensor x, Tensor y) { CpuPool.adaptiveForward(one, x, y); }

    @Override
    public void adaptiveAvgPool2dBackward(Tensor dy, Tensor dx) { CpuPool.adaptiveBackward(one, dy, dx); }

    @Override
    public void batchNormForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                                 boolean training, float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        CpuBackend.requireContiguous("batch_norm", x, y);
        CpuNorm.forward(one, x, gamma, beta, runningMean, runningVar, training, momentum, eps, y, saveMean, saveInvStd);
    }

    @Override
    public void batchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
                                  Tensor dx, Tensor dgamma, Tensor dbeta) {
        CpuBackend.requireContiguous("batch_norm_backward", x, dy, dx);
        CpuNorm.backward(one, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    // ------------------------------------------------------------------ softmax, dropout

    @Override
    public void softmax(Tensor x, boolean log, Tensor y) {
        CpuBackend.requireContiguous("softmax", x, y);
        int n = x.size(-1), m = (int) (x.numel() / Math.max(1, n));
        FloatBuffer xb = x.buffer(), yb = y.buffer();
        for (int r = 0; r < m; r++) {
            int xo = x.offset() + r * n, yo = y.offset() + r * n;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < n; j++) max = Math.max(max, xb.get(xo + j));
            for (int j = 0; j < n; j++) sum += Math.exp(xb.get(xo + j) - max);
            for (int j = 0; j < n; j++) {
                double z = xb.get(xo + j) - max;
                yb.put(yo + j, (float) (log ? z - Math.log(sum) : Math.exp(z) / sum));
            }
        }
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, boolean log, Tensor dx) {
        CpuBackend.requireContiguous("softmax_backward", y, dy, dx);
        int n = y.size(-1), m = (int) (y.numel() / Math.max(1, n));
        FloatBuffer yb = y.buffer(), gb = dy.buffer(), db = dx.buffer();
        for (int r = 0; r < m; r++) {
            int yo = y.offset() + r * n, go = dy.offset() + r * n, xo = dx.offset() + r * n;
            // softmax: dx = y·(g − Σ g·y); log-softmax: dx = g − exp(y)·Σ g
            double dot = 0;
            for (int j = 0; j < n; j++) dot += log ? gb.get(go + j) : gb.get(go + j) * yb.get(yo + j);
            for (int j = 0; j < n; j++) {
                double yv = yb.get(yo + j), gv = gb.get(go + j);
                db.put(xo + j, (float) (log ? gv - Math.exp(yv) * dot : yv * (gv - dot)));
            }
        }
    }

    @Override
    public void dropoutMask(Tensor out, float p, long seed) {
        CpuBackend.requireContiguous("dropout", out);
        SplittableRandom rng = new SplittableRandom(seed);
        FloatBuffer o = out.buffer();
        float keep = 1f / (1f - p);
        for (int i = 0, n = (int) out.numel(); i < n; i++) o.put(out.offset() + i, rng.nextDouble() >= p ? keep : 0f);
    }

    // ------------------------------------------------------------------ int8

    @Override
    public float[] minMax(Tensor x) { return CpuQuant.minMax(x); }

    @Override
    public void quantize(Tensor x, float scale, int zeroPoint, Tensor q) { CpuQuant.quantize(one, x, scale, zeroPoint, q); }

    @Override
    public void int8Gemm(Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias, Tensor y) {
        CpuQuant.int8Gemm(one, false, xq, xScale, xZero, wq, wScale, bias, y);
    }

    @Override
    public void int8Conv2d(Tensor xq, float xScale, int xZero, Tensor wq, Tensor wScale, Tensor bias, ConvParams p, Tensor y) {
        CpuQuant.int8Conv2d(one, false, xq, xScale, xZero, wq, wScale, bias, p, y);
    }

    // ------------------------------------------------------------------ optimizer steps

    @Override
    public void sgdStep(Tensor w, Tensor g, Tensor velocity, float lr, float momentum, float weightDecay, boolean nesterov, boolean first) {
        CpuBackend.requireContiguous("sgdStep", w, g, velocity);
        FloatBuffer wb = w.buffer(), gb = g.buffer(), vb = velocity.buffer();
        int wo = w.offset(), go = g.offset(), vo = velocity.offset();
        for (int i = 0, n = (int) w.numel(); i < n; i++) {
            float d = gb.get(go + i) + weightDecay * wb.get(wo + i);
            if (momentum != 0f) {
                // PyTorch seeds the buffer with the first gradient
                float buf = first ? d : momentum * vb.get(vo + i) + d;
                vb.put(vo + i, buf);
                d = nesterov ? d + momentum * buf : buf;
            }
            wb.put(wo + i, wb.get(wo + i) - lr * d);
        }
    }

    @Override
    public void adamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                         float weightDecay, boolean decoupled, long step) {
        CpuBackend.requireContiguous("adamStep", w, g, m, v);
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        float stepSize = (float) (lr / bc1), sqrtBc2 = (float) Math.sqrt(bc2);
        FloatBuffer wb = w.buffer(), gb = g.buffer(), mb = m.buffer(), vb = v.buffer();
        int wo = w.offset(), go = g.offset(), mo = m.offset(), vo = v.offset();
        for (int i = 0, n = (int) w.numel(); i < n; i++) {
            float wi = wb.get(wo + i), gi = gb.get(go + i);
            if (decoupled) wi *= 1f - lr * weightDecay;
            else gi += weightDecay * wi;
            float mi = beta1 * mb.get(mo + i) + (1 - beta1) * gi;
            float vi = beta2 * vb.get(vo + i) + (1 - beta2) * gi * gi;
            mb.put(mo + i, mi);
            vb.put(vo + i, vi);
            wb.put(wo + i, wi - stepSize * mi / ((float) Math.sqrt(vi) / sqrtBc2 + eps));
        }
    }
}
