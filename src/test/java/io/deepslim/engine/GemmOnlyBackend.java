package io.deepslim.engine;

import io.deepslim.backend.Backend;
import io.deepslim.backend.DelegatingBackend;
import io.deepslim.tensor.Tensor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A test backend that implements exactly one primitive, GEMM, and delegates everything else to
 * the backend below it: the acceptance test of the backend stack (issue 8). Its GEMM is its own
 * (k-outer loops on copies to host arrays, so it shares no code with the other backends) and counts its calls.
 */
public final class GemmOnlyBackend extends DelegatingBackend {
    /** Calls of {@link #gemm} on any instance. */
    public static final AtomicLong CALLS = new AtomicLong();

    public GemmOnlyBackend(Backend next) { super(next); }

    @Override
    public String name() { return "gemm-only"; }

    @Override
    public void gemm(boolean ta, boolean tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        CALLS.incrementAndGet();
        int batch = c.dim() == 3 ? c.size(0) : 1;
        int m = c.size(-2), n = c.size(-1), k = ta ? a.size(-2) : a.size(-1);
        float[] av = a.toFloatArray(), bv = b.toFloatArray(), cv = c.toFloatArray();
        int aStride = a.dim() == 3 ? m * k : 0, bStride = b.dim() == 3 ? k * n : 0;
        for (int t = 0; t < batch; t++) {
            float[] acc = new float[m * n];
            for (int p = 0; p < k; p++) {
                for (int i = 0; i < m; i++) {
                    float x = ta ? av[t * aStride + p * m + i] : av[t * aStride + i * k + p];
                    for (int j = 0; j < n; j++) acc[i * n + j] += x * (tb ? bv[t * bStride + j * k + p] : bv[t * bStride + p * n + j]);
                }
            }
            for (int i = 0; i < m * n; i++) {
                int o = t * m * n + i;
                cv[o] = alpha * acc[i] + (beta == 0f ? 0f : beta * cv[o]);
            }
        }
        c.copyFrom(cv);
    }
}
