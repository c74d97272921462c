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

    /** The per-channel offset β − mean·γ·inv, from the saved (float) mean and inv. */
    private static float shiftOf(Tensor gamma, Tensor beta, int ch, float mean, float inv) {
        return (float) (at(beta, ch, 0f) - mean * (at(gamma, ch, 1f) * (double) inv));
    }

    static void forward(Parallel par, Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar,
                        boolean training, float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        if (training) forwardTraining(par, x, gamma, beta, runMean, runVar, momentum, eps, false, y, saveMean, saveInvStd);
        else forwardEval(par, x, gamma, beta, runMean, runVar, eps, y);
    }

    /** Training forward of batch norm then ReLU: y = max(x·scale + shift, 0). */
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
            // pass 1: Σ(x − k) and Σ(x − k)² in double, k the channel's first value (keeps the
            // one-pass variance well conditioned); four chains of each so the adds overlap
            double k = xb.get(x.offset() + ch * hw);
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
            for (int b = 0; b < n; b++) {
                xb.get(x.offset() + (b * c + ch) * hw, buf, 0, hw);
                int i = 0;
                for (; i + 4 <= hw; i += 4) {
                    double d0 = buf[i] - k, d1 = buf[i + 1] - k, d2 = buf[i + 2] - k, d3 = buf[i + 3] - k;
                    s0 += d0;
                    s1 += d1;
                    s2 += d2;
                    s3 += d3;
                    q0 += d0 * d0;
                    q1 += d1 * d1;
                    q2 += d2 * d2;
                    q3 += d3 * d3;
                }
                for (; i < hw; i++) {
                    double d = buf[i] - k;
                    s0 += d;
                    q0 += d * d;
                }
            }
            double s = (s0 + s1) + (s2 + s3), q = (q0 + q1) + (q2 + q3);
            double mean = k + s / count;
            double ss = Math.max(q - s * (s / count), 0);   // Σ(x − mean)²
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
            float scale = scaleOf(gamma, ch, invF), shift = shiftOf(gamma, beta, ch, meanF, invF);
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * hw;
                xb.get(x.offset() + base, buf, 0, hw);
                if (relu) {
                    for (int i = 0; i < hw; i++) buf[i] = Math.max(buf[i] * scale + shift, 0f);
                } else {
                    for (int i = 0; i < hw; i++) buf[i] = buf[i] * scale + shift;
                }
                yb.put(y.offset() + base, buf, 0, hw);
            }
        });
    }

    static void backward(Parallel par, Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
                         Tensor dx, Tensor dgamma, Tensor dbeta) {
        backward(par, x, dy, gamma, null, false, saveMean, saveInvStd, dx, dgamma, dbeta);
    }

    /** Backward of {@link #forwardRelu}: dy masked where x·scale + shift is not positive, then the batch-norm backward. */
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
            float scale = scaleOf(gamma, ch, inv), shift = shiftOf(gamma, beta, ch, mean, inv);
            float[] xa = ArrayKernels.plane(0, hw), ga = ArrayKernels.plane(1, hw);
            // pass 1: Σg and Σg·(x − mean) in double, four chains each
            double g0 = 0, g1 = 0, g2 = 0, g3 = 0, p0 = 0, p1 = 0, p2 = 0, p3 = 0;
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * hw;
                xb.get(x.offset() + base, xa, 0, hw);
                gb.get(dy.offset() + base, ga, 0, hw);
                if (relu) mask(xa, ga, hw, scale, shift);
                int i = 0;
                for (; i + 4 <= hw; i += 4) {
                    double e0 = ga[i], e1 = ga[i + 1], e2 = ga[i + 2], e3 = ga[i + 3];
                    g0 += e0;
                    g1 += e1;
                    g2 += e2;
                    g3 += e3;
                    p0 += e0 * (xa[i] - (double) mean);
                    p1 += e1 * (xa[i + 1] - (double) mean);
                    p2 += e2 * (xa[i + 2] - (double) mean);
                    p3 += e3 * (xa[i + 3] - (double) mean);
                }
                for (; i < hw; i++) {
                    g0 += ga[i];
                    p0 += ga[i] * (xa[i] - (double) mean);
                }
            }
            double sumG = (g0 + g1) + (g2 + g3), sumGX = ((p0 + p1) + (p2 + p3)) * inv;
            if (dgamma != null) dgamma.buffer().put(dgamma.offset() + ch, (float) sumGX);
            if (dbeta != null) dbeta.buffer().put(dbeta.offset() + ch, (float) sumG);
            // pass 2: dx = a·g + b·(x − mean) + c
            double gi = at(gamma, ch, 1f) * (double) inv;
            float a = (float) gi, bb = (float) (-gi * inv * sumGX / count), cc = (float) (-gi * sumG / count);
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * hw;
                xb.get(x.offset() + base, xa, 0, hw);
                gb.get(dy.offset() + base, ga, 0, hw);
                if (relu) mask(xa, ga, hw, scale, shift);
                for (int i = 0; i < hw; i++) xa[i] = a * ga[i] + bb * (xa[i] - mean) + cc;
                db.put(dx.offset() + base, xa, 0, hw);
            }
        });
    }

    /** g = 0 where the forward's pre-ReLU value x·scale + shift was not positive (the same float expression as the forward). */
    private static void mask(float[] x, float[] g, int n, float scale, float shift) {
        for (int i = 0; i < n; i++) g[i] *= ArrayKernels.positiveIndicator(x[i] * scale + shift);
    }
}
