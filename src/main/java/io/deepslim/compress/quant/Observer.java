package io.deepslim.compress.quant;

import io.deepslim.tensor.Tensor;

import java.util.Arrays;

/** Collects the range of one layer's input over calibration batches and turns it into {@link QParams}. */
public interface Observer {
    /** Records one batch of the layer's input. */
    void observe(Tensor x);

    /** The input quantization chosen from what was observed. */
    QParams qparams();

    /** Running min and max over all batches (PyTorch's MinMaxObserver). */
    static Observer minMax() {
        return new Observer() {
            private float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;

            @Override
            public void observe(Tensor x) {
                float[] mm = x.device().backend().minMax(x.contiguousRaw());
                lo = Math.min(lo, mm[0]);
                hi = Math.max(hi, mm[1]);
            }

            @Override
            public QParams qparams() {
                if (lo > hi) throw new IllegalStateException("observer saw no data");
                return QParams.covering(lo, hi);
            }
        };
    }

    /**
     * The {@code 1−p} and {@code p} quantiles (e.g. p = 0.9999) of up to 2^16 evenly strided
     * samples per batch: clips rare outliers so that the bulk of the values gets finer steps.
     */
    static Observer percentile(double p) {
        if (!(p > 0.5 && p <= 1)) throw new IllegalArgumentException("percentile must be in (0.5, 1], got " + p);
        return new Observer() {
            private float[] samples = new float[0];

            @Override
            public void observe(Tensor x) {
                float[] v = x.contiguousRaw().toFloatArray();
                int step = Math.max(1, v.length >> 16), n = (v.length + step - 1) / step, at = samples.length;
                samples = Arrays.copyOf(samples, at + n);
                for (int i = 0; i < n; i++) samples[at + i] = v[i * step];
            }

            @Override
            public QParams qparams() {
                if (samples.length == 0) throw new IllegalStateException("observer saw no data");
                float[] s = samples.clone();
                Arrays.sort(s);
                int hi = (int) Math.min(s.length - 1, Math.ceil(p * (s.length - 1)));
                int lo = (int) Math.max(0, Math.floor((1 - p) * (s.length - 1)));
                return QParams.covering(s[lo], s[hi]);
            }
        };
    }
}
