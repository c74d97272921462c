package io.deepslim.backend.cpu;

import io.deepslim.tensor.Tensor;

import java.nio.FloatBuffer;

/**
 * Batch normalization over (N, H, W) per channel of an NCHW (or NC) tensor; one job per channel.
 * Training mode optionally fuses the ReLU that follows: the forward takes two passes over x
 * (statistics, then normalize + ReLU) and the backward two (masked reductions, then dx), the
 * ReLU mask recomputed from x and the saved statistics, so no mask or pre-ReLU map is stored.
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
        if (training) forwardTraining(par, x, gamma, beta, runMean, runVar, momentum, eps, false, y, saveMean, saveInvStd);
        else forwardEval(par, x, gamma, beta, runMean, runVar, eps, y);
    }

    /** Training forward of batch norm then ReLU: y = max((x − mean)·γ·inv + β, 0). */
    static void forwardRelu(Parallel par, Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar,
                            float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        forwardTraining(par, x, gamma, beta, runMean, runVar, momentum, eps, true, y, saveMean, saveInvStd);
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

    private static void forwardTraining(Parallel par, Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar,
                                        float momentum, float eps, boolean relu, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        int n = x.size(0), c = x.size(1), hw = plane(x);
        long count = (long) n * hw;
        FloatBuffer xb = x.buffer(), yb = y.buffer();
        par.forEach(c, count * 2, ch -> {
            float[] buf = ArrayKernels.plane(0, hw);
            // pass 1: Σ(x − k), Σ(x − k)² with k the mean of the first plane; a second, exact
            // pass Σ(x − mean)² only where k lies more than one standard deviation off the mean
            xb.get(x.offset() + ch * hw, buf, 0, hw);
            float k = (float) (fold(buf, hw, false) / hw);
            double[] sq = shiftedSums(xb, x.offset(), n, c, ch, hw, k);
            double dm = sq[0] / count, mean = k + dm;
            double ss = Math.max(sq[1] - sq[0] * dm, 0);   // Σ(x − mean)²
            if (dm * dm * count > ss) {
                double[] e = shiftedSums(xb, x.offset(), n, c, ch, hw, (float) mean);
                ss = Math.max(e[1] - e[0] * (e[0] / count), 0);
            }
            double var = ss / count;
            float meanF = (float) mean, invF = (float) (1.0 / Math.sqrt(var + eps));
            saveMean.buffer().put(saveMean.offset() + ch, meanF);
            saveInvStd.buffer().put(saveInvStd.offset() + ch, invF);
            if (runMean != null) {
                // PyTorch updates the running variance with the unbiased estimate
                double unbiased = count > 1 ? ss / (count - 1) : var;
                FloatBuffer rm = runMean.buffer(), rv = runVar.buffer();
                rm.put(runMean.offset() + ch, (float) ((1 - momentum) * rm.get(runMean.offset() + ch) + momentum * mean));
                rv.put(runVar.offset() + ch, (float) ((1 - momentum) * rv.get(runVar.offset() + ch) + momentum * unbiased));
            }
            // pass 2: normalize (+ ReLU)
            float scale = scaleOf(gamma, ch, invF), shift = at(beta, ch, 0f);
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * hw;
                xb.get(x.offset() + base, buf, 0, hw);
                if (relu) normalizeRelu(buf, hw, meanF, scale, shift);
                else normalize(buf, hw, meanF, scale, shift);
                yb.put(y.offset() + base, buf, 0, hw);
            }
        });
    }

    static void backward(Parallel par, Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
                         Tensor dx, Tensor dgamma, Tensor dbeta) {
        backward(par, x, dy, gamma, null, false, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    /** Backward of {@link #forwardRelu}: dy masked where (x − mean)·scale + shift was not positive, then the batch-norm backward. */
    static void backwardRelu(Parallel par, Tensor x, Tensor dy, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
                             Tensor dx, Tensor dgamma, Tensor dbeta) {
        backward(par, x, dy, gamma, beta, true, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    /**
     * With g the (masked) gradient of the normalized output, x̂ = (x − mean)·inv and M = N·H·W:
     * dβ = Σg, dγ = Σg·x̂ and dx = γ·inv/M · (M·g − Σg − x̂·dγ) = a·g + b·(x − mean) + c.
     */
    private static void backward(Parallel par, Tensor x, Tensor dy, Tensor gamma, Tensor beta, boolean relu,
                                 Tensor saveMean, Tensor saveInvStd, Tensor dx, Tensor dgamma, Tensor dbeta) {
        int n = x.size(0), c = x.size(1), hw = plane(x);
        long count = (long) n * hw;
        FloatBuffer xb = x.buffer(), gb = dy.buffer(), db = dx.buffer();
        par.forEach(c, count * 3, ch -> {
            float mean = saveMean.buffer().get(saveMean.offset() + ch);
            float inv = saveInvStd.buffer().get(saveInvStd.offset() + ch);
            float scale = scaleOf(gamma, ch, inv), shift = at(beta, ch, 0f);
            float[] xa = ArrayKernels.plane(0, hw), ga = ArrayKernels.plane(1, hw);
            // pass 1: Σg and Σg·(x − mean), per position in float over at most FOLD planes, then in double
            float[][] acc = accumulators(hw);
            float[] sg = acc[0], sp = acc[1];
            double sumG = 0, sumGD = 0;
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * hw;
                xb.get(x.offset() + base, xa, 0, hw);
                gb.get(dy.offset() + base, ga, 0, hw);
                if (relu) sumsMasked(xa, ga, hw, mean, scale, shift, sg, sp);
                else sums(xa, ga, hw, mean, sg, sp);
                if (b % FOLD == FOLD - 1 || b == n - 1) {
                    sumG += fold(sg, hw, true);
                    sumGD += fold(sp, hw, true);
                }
            }
            double sumGX = sumGD * inv;
            if (dgamma != null) dgamma.buffer().put(dgamma.offset() + ch, (float) sumGX);
            if (dbeta != null) dbeta.buffer().put(dbeta.offset() + ch, (float) sumG);
            // pass 2: dx = a·g + b·(x − mean) + c
            double gi = at(gamma, ch, 1f) * (double) inv;
            float a = (float) gi, bb = (float) (-gi * inv * sumGX / count), cc = (float) (-gi * sumG / count);
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * hw;
                xb.get(x.offset() + base, xa, 0, hw);
                gb.get(dy.offset() + base, ga, 0, hw);
                if (relu) dxMasked(xa, ga, hw, mean, scale, shift, a, bb, cc);
                else dx(xa, ga, hw, mean, a, bb, cc);
                db.put(dx.offset() + base, xa, 0, hw);
            }
        });
    }

    /** Planes summed per position in float before the sums move to double (bounds the float rounding). */
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

    /** Σ a[0..n) in double over four chains; zeroes a when {@code clear}. */
    private static double fold(float[] a, int n, boolean clear) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < n; i++) s0 += a[i];
        if (clear) java.util.Arrays.fill(a, 0, n, 0f);
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * {Σ(x − k), Σ(x − k)²} over channel ch's N planes: per position in float (a loop the JIT
     * vectorizes) over at most FOLD planes at a time, then in double.
     */
    private static double[] shiftedSums(FloatBuffer xb, int off, int n, int c, int ch, int hw, float k) {
        float[] buf = ArrayKernels.plane(0, hw);
        float[][] acc = accumulators(hw);
        float[] s = acc[0], q = acc[1];
        double sum = 0, sumSq = 0;
        for (int b = 0; b < n; b++) {
            xb.get(off + (b * c + ch) * hw, buf, 0, hw);
            shiftedSquares(buf, hw, k, s, q);
            if (b % FOLD == FOLD - 1 || b == n - 1) {
                sum += fold(s, hw, true);
                sumSq += fold(q, hw, true);
            }
        }
        return new double[]{sum, sumSq};
    }

    // ---- plane loops: small static methods the JIT compiles early, inlines and vectorizes

    /**
     * x = (x − mean)·scale + shift: subtracting the mean first keeps the result accurate when the
     * mean is large against the spread (x·scale + (shift − mean·scale) would cancel).
     */
    private static void normalize(float[] x, int n, float mean, float scale, float shift) {
        for (int i = 0; i < n; i++) x[i] = (x[i] - mean) * scale + shift;
    }

    private static void normalizeRelu(float[] x, int n, float mean, float scale, float shift) {
        for (int i = 0; i < n; i++) x[i] = Math.max((x[i] - mean) * scale + shift, 0f);
    }

    /** s += x − k, q += (x − k)², per position. */
    private static void shiftedSquares(float[] x, int n, float k, float[] s, float[] q) {
        for (int i = 0; i < n; i++) {
            float d = x[i] - k;
            s[i] += d;
            q[i] += d * d;
        }
    }

    /** sg += g, sp += g·(x − mean), per position. */
    private static void sums(float[] x, float[] g, int n, float mean, float[] sg, float[] sp) {
        for (int i = 0; i < n; i++) {
            sg[i] += g[i];
            sp[i] += g[i] * (x[i] - mean);
        }
    }

    /**
     * {@link #sums} of g masked by the ReLU: zero where the forward's pre-ReLU value
     * (x − mean)·scale + shift (the same float expression as {@link #normalizeRelu}) was not positive.
     */
    private static void sumsMasked(float[] x, float[] g, int n, float mean, float scale, float shift, float[] sg, float[] sp) {
        for (int i = 0; i < n; i++) {
            float d = x[i] - mean;
            float gm = g[i] * ArrayKernels.positiveIndicator(d * scale + shift);
            sg[i] += gm;
            sp[i] += gm * d;
        }
    }

    /** x = a·g + b·(x − mean) + c (x becomes dx). */
    private static void dx(float[] x, float[] g, int n, float mean, float a, float b, float c) {
        for (int i = 0; i < n; i++) x[i] = a * g[i] + b * (x[i] - mean) + c;
    }

    /** {@link #dx} with g masked by the ReLU as in {@link #sumsMasked}. */
    private static void dxMasked(float[] x, float[] g, int n, float mean, float scale, float shift, float a, float b, float c) {
        for (int i = 0; i < n; i++) {
            float d = x[i] - mean;
            float gm = g[i] * ArrayKernels.positiveIndicator(d * scale + shift);
            x[i] = a * gm + b * d + c;
        }
    }
}
