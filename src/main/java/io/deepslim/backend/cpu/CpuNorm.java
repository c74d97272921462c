package io.deepslim.backend.cpu;

import io.deepslim.tensor.Tensor;

import java.nio.FloatBuffer;

/**
 * Batch normalization over (N, H, W) per channel of an NCHW (or NC) tensor. Evaluation runs one
 * job per channel. Training runs one job per group of adjacent channels (one channel for large
 * maps; for small maps enough channels that each image's slice of the group is a contiguous run
 * of a few KiB, which the prefetcher streams, where single small planes at a stride of C·H·W
 * would each wait on memory) and optionally fuses the ReLU that follows: the forward takes two
 * passes over x (statistics, then normalize + ReLU) and the backward two (masked reductions,
 * then dx), the ReLU mask recomputed from x and the saved statistics, so no mask or pre-ReLU
 * map is stored.
 */
final class CpuNorm {
    private CpuNorm() {}

    private static int plane(Tensor x) {
        int hw = 1;
        for (int i = 2; i < x.dim(); i++) hw *= x.size(i);
        return hw;
    }

    private static float at(Tensor t, int i, float absent) { return t == null ? absent : t.buffer().get(t.offset() + i); }

    /** The per-channel multiplier γ·inv of the training forward, from the saved (float) inv; the backward recomputes it bit for bit. */
    private static float scaleOf(Tensor gamma, int ch, float inv) { return (float) (at(gamma, ch, 1f) * (double) inv); }

    static void forward(Parallel par, Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar,
                        boolean training, float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        if (training) forwardTraining(par, x, gamma, beta, runMean, runVar, momentum, eps, false, y, null, saveMean, saveInvStd);
        else forwardEval(par, x, gamma, beta, runMean, runVar, eps, y);
    }

    /** Training forward of batch norm then ReLU: y = max((x − mean)·γ·inv + β, 0). */
    static void forwardRelu(Parallel par, Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar,
                            float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        forwardTraining(par, x, gamma, beta, runMean, runVar, momentum, eps, true, y, null, saveMean, saveInvStd);
    }

    /**
     * Training forward of batch norm, ReLU and a 2×2 stride-2 max-pool: the full-size map only
     * lives in a per-thread buffer; y and argmax (I32, within-plane indices) have the pooled shape.
     */
    static void forwardReluMaxPool2(Parallel par, Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar,
                                    float momentum, float eps, Tensor y, Tensor argmax, Tensor saveMean, Tensor saveInvStd) {
        forwardTraining(par, x, gamma, beta, runMean, runVar, momentum, eps, true, y, argmax, saveMean, saveInvStd);
    }

    private static void forwardEval(Parallel par, Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar, float eps, Tensor y) {
        int n = x.size(0), c = x.size(1), hw = plane(x);
        FloatBuffer xb = x.buffer(), yb = y.buffer();
        par.forEach(c, (long) n * hw, ch -> {
            double mean = runMean.buffer().get(runMean.offset() + ch);
            double var = runVar.buffer().get(runVar.offset() + ch);
            double inv = 1.0 / Math.sqrt(var + eps);
            double g = at(gamma, ch, 1f), bt = at(beta, ch, 0f);
            float scale = (float) (g * inv), shift = (float) (bt - mean * g * inv);
            float[] buf = ArrayKernels.plane(0, hw);
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * hw;
                xb.get(x.offset() + base, buf, 0, hw);
                for (int i = 0; i < hw; i++) buf[i] = buf[i] * scale + shift;
                yb.put(y.offset() + base, buf, 0, hw);
            }
        });
    }

    /** Floats per image in one training job's channel group (about 8 KiB), unless a single plane is larger. */
    private static final int GROUP_FLOATS = 2048;

    /** Channels per training job: a run of about GROUP_FLOATS per image, but at least four jobs per thread where there are channels enough. */
    private static int group(Parallel par, int c, int hw) {
        int byRun = Math.max(1, GROUP_FLOATS / Math.max(1, hw));
        int byJobs = Math.max(1, (c + 4 * par.threads() - 1) / (4 * par.threads()));
        return Math.max(1, Math.min(byRun, byJobs));
    }

    private static void forwardTraining(Parallel par, Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar,
                                        float momentum, float eps, boolean relu, Tensor y, Tensor argmax, Tensor saveMean, Tensor saveInvStd) {
        int n = x.size(0), c = x.size(1), hw = plane(x), group = group(par, c, hw);
        long count = (long) n * hw;
        FloatBuffer xb = x.buffer(), yb = y.buffer();
        boolean pool = argmax != null;
        int w = pool ? x.size(3) : 0, ho = pool ? x.size(2) / 2 : 0, wo = w / 2, ohw = ho * wo;
        java.nio.IntBuffer ab = pool ? argmax.byteBuffer().asIntBuffer() : null;
        par.forEach((c + group - 1) / group, count * 2 * group, job -> {
            int c0 = job * group, cw = Math.min(group, c - c0), len = cw * hw;
            float[] buf = ArrayKernels.plane(0, len);
            // pass 1: Σ(x − k), Σ(x − k)² with k a channel's mean over the first image; a second,
            // exact pass Σ(x − mean)² only for a channel whose k lies over one standard deviation off
            xb.get(x.offset() + c0 * hw, buf, 0, len);
            float[] k = new float[cw];
            for (int j = 0; j < cw; j++) k[j] = (float) (fold(buf, j * hw, hw, false) / hw);
            double[] sq = shiftedSums(xb, x.offset(), n, c, c0, cw, hw, k);
            float[] meanF = new float[cw], scale = new float[cw], shift = new float[cw];
            for (int j = 0; j < cw; j++) {
                int ch = c0 + j;
                double dm = sq[2 * j] / count, mean = k[j] + dm;
                double ss = Math.max(sq[2 * j + 1] - sq[2 * j] * dm, 0);   // Σ(x − mean)²
                if (dm * dm * count > ss) {
                    double[] e = shiftedSums(xb, x.offset(), n, c, ch, 1, hw, new float[]{(float) mean});
                    ss = Math.max(e[1] - e[0] * (e[0] / count), 0);
                }
                double var = ss / count;
                float invF = (float) (1.0 / Math.sqrt(var + eps));
                meanF[j] = (float) mean;
                saveMean.buffer().put(saveMean.offset() + ch, meanF[j]);
                saveInvStd.buffer().put(saveInvStd.offset() + ch, invF);
                if (runMean != null) {
                    // PyTorch updates the running variance with the unbiased estimate
                    double unbiased = count > 1 ? ss / (count - 1) : var;
                    FloatBuffer rm = runMean.buffer(), rv = runVar.buffer();
                    rm.put(runMean.offset() + ch, (float) ((1 - momentum) * rm.get(runMean.offset() + ch) + momentum * mean));
                    rv.put(runVar.offset() + ch, (float) ((1 - momentum) * rv.get(runVar.offset() + ch) + momentum * unbiased));
                }
                scale[j] = scaleOf(gamma, ch, invF);
                shift[j] = at(beta, ch, 0f);
            }
            // pass 2: normalize (+ ReLU) (+ max-pool, from the buffer)
            float[] out = pool ? ArrayKernels.plane(1, cw * ohw) : null;
            int[] arg = pool ? CpuPool.argScratch(cw * ohw) : null;
            for (int b = 0; b < n; b++) {
                int base = (b * c + c0) * hw;
                xb.get(x.offset() + base, buf, 0, len);
                for (int j = 0; j < cw; j++) {
                    if (relu) normalizeRelu(buf, j * hw, hw, meanF[j], scale[j], shift[j]);
                    else normalize(buf, j * hw, hw, meanF[j], scale[j], shift[j]);
                    if (pool) CpuPool.maxPool2x2(buf, j * hw, w, out, arg, j * ohw, ho, wo);
                }
                if (pool) {
                    int pbase = (b * c + c0) * ohw;
                    yb.put(y.offset() + pbase, out, 0, cw * ohw);
                    ab.put(argmax.offset() + pbase, arg, 0, cw * ohw);
                } else {
                    yb.put(y.offset() + base, buf, 0, len);
                }
            }
        });
    }

    static void backward(Parallel par, Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
                         Tensor dx, Tensor dgamma, Tensor dbeta) {
        backward(par, x, dy, gamma, null, false, null, null, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    /** Backward of {@link #forwardRelu}: dy masked where (x − mean)·scale + shift was not positive, then the batch-norm backward. */
    static void backwardRelu(Parallel par, Tensor x, Tensor dy, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                             Tensor dx, Tensor dgamma, Tensor dbeta) {
        backward(par, x, dy, gamma, beta, true, null, null, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    /**
     * Backward of {@link #forwardReluMaxPool2} from the pooled gradient dy: per image, the
     * gradient of the normalized map is rebuilt in a buffer (dy·[y > 0] at each window's argmax,
     * zero elsewhere; y > 0 is the ReLU's mask at the maximum), then the batch-norm backward.
     */
    static void backwardReluMaxPool2(Parallel par, Tensor x, Tensor y, Tensor argmax, Tensor dy, Tensor gamma, Tensor saveMean,
                                     Tensor saveInvStd, Tensor dx, Tensor dgamma, Tensor dbeta) {
        backward(par, x, dy, gamma, null, false, y, argmax, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    /**
     * With g the (masked) gradient of the normalized output, x̂ = (x − mean)·inv and M = N·H·W:
     * dβ = Σg, dγ = Σg·x̂ and dx = γ·inv/M · (M·g − Σg − x̂·dγ) = a·g + b·(x − mean) + c.
     */
    private static void backward(Parallel par, Tensor x, Tensor dy, Tensor gamma, Tensor beta, boolean relu, Tensor pooledY,
                                 Tensor argmax, Tensor saveMean, Tensor saveInvStd, Tensor dx, Tensor dgamma, Tensor dbeta) {
        int n = x.size(0), c = x.size(1), hw = plane(x), group = group(par, c, hw);
        long count = (long) n * hw;
        FloatBuffer xb = x.buffer(), gb = dy.buffer(), db = dx.buffer();
        Pooled pooled = argmax == null ? null : new Pooled(dy, pooledY, argmax, c, hw);
        par.forEach((c + group - 1) / group, count * 3 * group, job -> {
            int c0 = job * group, cw = Math.min(group, c - c0), len = cw * hw;
            float[] mean = new float[cw], inv = new float[cw], scale = new float[cw], shift = new float[cw];
            for (int j = 0; j < cw; j++) {
                mean[j] = saveMean.buffer().get(saveMean.offset() + c0 + j);
                inv[j] = saveInvStd.buffer().get(saveInvStd.offset() + c0 + j);
                scale[j] = scaleOf(gamma, c0 + j, inv[j]);
                shift[j] = at(beta, c0 + j, 0f);
            }
            float[] xa = ArrayKernels.plane(0, len), ga = ArrayKernels.plane(1, len);
            // pass 1: Σg and Σg·(x − mean), per position in float over at most FOLD images, then in double
            float[][] acc = accumulators(len);
            float[] sg = acc[0], sp = acc[1];
            double[] sumG = new double[cw], sumGD = new double[cw];
            for (int b = 0; b < n; b++) {
                int base = (b * c + c0) * hw;
                xb.get(x.offset() + base, xa, 0, len);
                if (pooled != null) pooled.gradient(b, c0, cw, ga);
                else gb.get(dy.offset() + base, ga, 0, len);
                for (int j = 0; j < cw; j++) {
                    if (relu) sumsMasked(xa, ga, j * hw, hw, mean[j], scale[j], shift[j], sg, sp);
                    else sums(xa, ga, j * hw, hw, mean[j], sg, sp);
                }
                if (b % FOLD == FOLD - 1 || b == n - 1) {
                    for (int j = 0; j < cw; j++) {
                        sumG[j] += fold(sg, j * hw, hw, true);
                        sumGD[j] += fold(sp, j * hw, hw, true);
                    }
                }
            }
            float[] a = new float[cw], bb = new float[cw], cc = new float[cw];
            for (int j = 0; j < cw; j++) {
                double sumGX = sumGD[j] * inv[j];
                if (dgamma != null) dgamma.buffer().put(dgamma.offset() + c0 + j, (float) sumGX);
                if (dbeta != null) dbeta.buffer().put(dbeta.offset() + c0 + j, (float) sumG[j]);
                double gi = at(gamma, c0 + j, 1f) * (double) inv[j];
                a[j] = (float) gi;
                bb[j] = (float) (-gi * inv[j] * sumGX / count);
                cc[j] = (float) (-gi * sumG[j] / count);
            }
            // pass 2: dx = a·g + b·(x − mean) + c
            for (int b = 0; b < n; b++) {
                int base = (b * c + c0) * hw;
                xb.get(x.offset() + base, xa, 0, len);
                if (pooled != null) pooled.gradient(b, c0, cw, ga);
                else gb.get(dy.offset() + base, ga, 0, len);
                for (int j = 0; j < cw; j++) {
                    if (relu) dxMasked(xa, ga, j * hw, hw, mean[j], scale[j], shift[j], a[j], bb[j], cc[j]);
                    else dx(xa, ga, j * hw, hw, mean[j], a[j], bb[j], cc[j]);
                }
                db.put(dx.offset() + base, xa, 0, len);
            }
        });
    }

    /** The pooled side of a BN + ReLU + max-pool backward: rebuilds one image's full-size gradient for a channel group. */
    private static final class Pooled {
        private final Tensor dy, y, argmax;
        private final FloatBuffer gb, yb;
        private final java.nio.IntBuffer ab;
        private final int c, hw, ohw;

        Pooled(Tensor dy, Tensor y, Tensor argmax, int c, int hw) {
            this.dy = dy;
            this.y = y;
            this.argmax = argmax;
            this.gb = dy.buffer();
            this.yb = y.buffer();
            this.ab = argmax.byteBuffer().asIntBuffer();
            this.c = c;
            this.hw = hw;
            this.ohw = y.size(2) * y.size(3);
        }

        /** g[0, cw·hw) = the gradient of channels c0.. of image b before the pool: dy·[y > 0] at each argmax, 0 elsewhere. */
        void gradient(int b, int c0, int cw, float[] g) {
            int len = cw * ohw, base = (b * c + c0) * ohw;
            float[][] s = POOLED.get();
            if (s[0].length < len) s[0] = new float[len];
            if (s[1].length < len) s[1] = new float[len];
            float[] gp = s[0], yp = s[1];
            int[] arg = CpuPool.argScratch(len);
            gb.get(dy.offset() + base, gp, 0, len);
            yb.get(y.offset() + base, yp, 0, len);
            ab.get(argmax.offset() + base, arg, 0, len);
            java.util.Arrays.fill(g, 0, cw * hw, 0f);
            for (int j = 0; j < cw; j++) {
                for (int o = j * ohw; o < (j + 1) * ohw; o++) g[j * hw + arg[o]] = gp[o] * ArrayKernels.positiveIndicator(yp[o]);
            }
        }
    }

    private static final ThreadLocal<float[][]> POOLED = ThreadLocal.withInitial(() -> new float[][]{new float[0], new float[0]});

    /** Images summed per position in float before the sums move to double (bounds the float rounding). */
    private static final int FOLD = 16;

    private static final ThreadLocal<float[][]> ACC = ThreadLocal.withInitial(() -> new float[][]{new float[0], new float[0]});

    /** Two zeroed per-thread arrays of at least {@code n} floats (per-position partial sums). */
    private static float[][] accumulators(int n) {
        float[][] a = ACC.get();
        for (int j = 0; j < 2; j++) {
            if (a[j].length < n) a[j] = new float[n];
            java.util.Arrays.fill(a[j], 0, n, 0f);
        }
        return a;
    }

    /** Σ a[o, o + n) in double over four chains; zeroes that range when {@code clear}. */
    private static double fold(float[] a, int o, int n, boolean clear) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = o, end = o + n;
        for (; i + 4 <= end; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < end; i++) s0 += a[i];
        if (clear) java.util.Arrays.fill(a, o, end, 0f);
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * {Σ(x − k_j), Σ(x − k_j)²} for channels c0 + j, j < cw (interleaved), over the N images: per
     * position in float (a loop the JIT vectorizes) over at most FOLD images at a time, then in double.
     */
    private static double[] shiftedSums(FloatBuffer xb, int off, int n, int c, int c0, int cw, int hw, float[] k) {
        int len = cw * hw;
        float[] buf = ArrayKernels.plane(1, len);
        float[][] acc = accumulators(len);
        float[] s = acc[0], q = acc[1];
        double[] out = new double[2 * cw];
        for (int b = 0; b < n; b++) {
            xb.get(off + (b * c + c0) * hw, buf, 0, len);
            for (int j = 0; j < cw; j++) shiftedSquares(buf, j * hw, hw, k[j], s, q);
            if (b % FOLD == FOLD - 1 || b == n - 1) {
                for (int j = 0; j < cw; j++) {
                    out[2 * j] += fold(s, j * hw, hw, true);
                    out[2 * j + 1] += fold(q, j * hw, hw, true);
                }
            }
        }
        return out;
    }

    // ---- plane loops over x[o, o + n): small static methods the JIT compiles early, inlines and vectorizes

    /**
     * x = (x − mean)·scale + shift: subtracting the mean first keeps the result accurate when the
     * mean is large against the spread (x·scale + (shift − mean·scale) would cancel).
     */
    private static void normalize(float[] x, int o, int n, float mean, float scale, float shift) {
        for (int i = o; i < o + n; i++) x[i] = (x[i] - mean) * scale + shift;
    }

    private static void normalizeRelu(float[] x, int o, int n, float mean, float scale, float shift) {
        for (int i = o; i < o + n; i++) x[i] = Math.max((x[i] - mean) * scale + shift, 0f);
    }

    /** s += x − k, q += (x − k)², per position. */
    private static void shiftedSquares(float[] x, int o, int n, float k, float[] s, float[] q) {
        for (int i = o; i < o + n; i++) {
            float d = x[i] - k;
            s[i] += d;
            q[i] += d * d;
        }
    }

    /** sg += g, sp += g·(x − mean), per position. */
    private static void sums(float[] x, float[] g, int o, int n, float mean, float[] sg, float[] sp) {
        for (int i = o; i < o + n; i++) {
            sg[i] += g[i];
            sp[i] += g[i] * (x[i] - mean);
        }
    }

    /**
     * {@link #sums} of g masked by the ReLU: zero where the forward's pre-ReLU value
     * (x − mean)·scale + shift (the same float expression as {@link #normalizeRelu}) was not positive.
     */
    private static void sumsMasked(float[] x, float[] g, int o, int n, float mean, float scale, float shift, float[] sg, float[] sp) {
        for (int i = o; i < o + n; i++) {
            float d = x[i] - mean;
            float gm = g[i] * ArrayKernels.positiveIndicator(d * scale + shift);
            sg[i] += gm;
            sp[i] += gm * d;
        }
    }

    /** x = a·g + b·(x − mean) + c (x becomes dx). */
    private static void dx(float[] x, float[] g, int o, int n, float mean, float a, float b, float c) {
        for (int i = o; i < o + n; i++) x[i] = a * g[i] + b * (x[i] - mean) + c;
    }

    /** {@link #dx} with g masked by the ReLU as in {@link #sumsMasked}. */
    private static void dxMasked(float[] x, float[] g, int o, int n, float mean, float scale, float shift, float a, float b, float c) {
        for (int i = o; i < o + n; i++) {
            float d = x[i] - mean;
            float gm = g[i] * ArrayKernels.positiveIndicator(d * scale + shift);
            x[i] = a * gm + b * d + c;
        }
    }
}
