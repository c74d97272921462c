package io.deepslim.backend.cpu;

import io.deepslim.tensor.Tensor;

import java.nio.FloatBuffer;

/** Batch normalization over (N, H, W) per channel of an NCHW (or NC) tensor; one job per channel. */
final class CpuNorm {
    private CpuNorm() {}

    private static int plane(Tensor x) {
        int hw = 1;
        for (int i = 2; i < x.dim(); i++) hw *= x.size(i);
        return hw;
    }

    static void forward(Parallel par, Tensor x, Tensor gamma, Tensor beta, Tensor runMean, Tensor runVar,
                        boolean training, float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        int n = x.size(0), c = x.size(1), hw = plane(x);
        long count = (long) n * hw;
        FloatBuffer xb = x.buffer(), yb = y.buffer();
        par.forEach(c, count * 3, ch -> {
            double mean, var;
            float[] buf = ArrayKernels.plane(0, hw);
            if (training) {
                double s = 0;
                for (int b = 0; b < n; b++) {
                    xb.get(x.offset() + (b * c + ch) * hw, buf, 0, hw);
                    for (int i = 0; i < hw; i++) s += buf[i];
                }
                mean = s / count;
                double ss = 0;
                for (int b = 0; b < n; b++) {
                    xb.get(x.offset() + (b * c + ch) * hw, buf, 0, hw);
                    for (int i = 0; i < hw; i++) {
                        double d = buf[i] - mean;
                        ss += d * d;
                    }
                }
                var = ss / count;
                saveMean.buffer().put(saveMean.offset() + ch, (float) mean);
                saveInvStd.buffer().put(saveInvStd.offset() + ch, (float) (1.0 / Math.sqrt(var + eps)));
                if (runMean != null) {
                    // PyTorch updates the running variance with the unbiased estimate
                    double unbiased = count > 1 ? ss / (count - 1) : var;
                    FloatBuffer rm = runMean.buffer(), rv = runVar.buffer();
                    rm.put(runMean.offset() + ch, (float) ((1 - momentum) * rm.get(runMean.offset() + ch) + momentum * mean));
                    rv.put(runVar.offset() + ch, (float) ((1 - momentum) * rv.get(runVar.offset() + ch) + momentum * unbiased));
                }
            } else {
                mean = runMean.buffer().get(runMean.offset() + ch);
                var = runVar.buffer().get(runVar.offset() + ch);
            }
            double inv = 1.0 / Math.sqrt(var + eps);
            double g = gamma == null ? 1 : gamma.buffer().get(gamma.offset() + ch);
            double bt = beta == null ? 0 : beta.buffer().get(beta.offset() + ch);
            float scale = (float) (g * inv), shift = (float) (bt - mean * g * inv);
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * hw;
                xb.get(x.offset() + base, buf, 0, hw);
                for (int i = 0; i < hw; i++) buf[i] = buf[i] * scale + shift;
                yb.put(y.offset() + base, buf, 0, hw);
            }
        });
    }

    static void backward(Parallel par, Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
                         Tensor dx, Tensor dgamma, Tensor dbeta) {
        int n = x.size(0), c = x.size(1), hw = plane(x);
        long count = (long) n * hw;
        FloatBuffer xb = x.buffer(), gb = dy.buffer(), db = dx.buffer();
        par.forEach(c, count * 3, ch -> {
            double mean = saveMean.buffer().get(saveMean.offset() + ch);
            double inv = saveInvStd.buffer().get(saveInvStd.offset() + ch);
            float[] xa = ArrayKernels.plane(0, hw), ga = ArrayKernels.plane(1, hw);
            double sumG = 0, sumGX = 0;
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * hw;
                xb.get(x.offset() + base, xa, 0, hw);
                gb.get(dy.offset() + base, ga, 0, hw);
                for (int i = 0; i < hw; i++) {
                    sumG += ga[i];
                    sumGX += ga[i] * (xa[i] - mean);
                }
            }
            sumGX *= inv;
            double gam = gamma == null ? 1 : gamma.buffer().get(gamma.offset() + ch);
            if (dgamma != null) dgamma.buffer().put(dgamma.offset() + ch, (float) sumGX);
            if (dbeta != null) dbeta.buffer().put(dbeta.offset() + ch, (float) sumG);
            // dx = γ·inv/M · (M·g − Σg − x̂·Σ(g·x̂))
            double k = gam * inv / count;
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * hw;
                xb.get(x.offset() + base, xa, 0, hw);
                gb.get(dy.offset() + base, ga, 0, hw);
                for (int i = 0; i < hw; i++) {
                    double xh = (xa[i] - mean) * inv;
                    xa[i] = (float) (k * (count * ga[i] - sumG - xh * sumGX));
                }
                db.put(dx.offset() + base, xa, 0, hw);
            }
        });
    }
}
