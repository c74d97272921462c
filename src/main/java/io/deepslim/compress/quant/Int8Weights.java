package io.deepslim.compress.quant;

import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;


/**
 * Symmetric int8 weights: {@code w ≈ scale[o] · q}, q in [−127, 127] (−128 unused so that the
 * range is symmetric and negation exact), scale = max|w| / 127 per tensor or per output row.
 */
public record Int8Weights(Tensor codes, Tensor scales) {
    /** Quantizes {@code w} (out, ...) with the given granularity; the result outlives any open scope. */
    public static Int8Weights of(Tensor w, Granularity g) {
        float[] v = w.contiguousRaw().toFloatArray();
        int out = w.size(0), groups = g == Granularity.PER_CHANNEL ? out : 1;
        int span = v.length / groups;
        float[] scale = new float[groups];
        for (int s = 0; s < groups; s++) {
            float m = 0;
            for (int i = s * span; i < (s + 1) * span; i++) m = Math.max(m, Math.abs(v[i]));
            scale[s] = m > 0 ? m / 127f : 1f;
        }
        return TensorScope.unscoped(() -> {
            byte[] b = new byte[v.length];
            for (int i = 0; i < v.length; i++) {
                float r = (float) Math.rint(v[i] / scale[i / span]);
                b[i] = (byte) Math.max(-127, Math.min(127, r));
            }
            return new Int8Weights(Tensor.ofBytes(w.device(), b, w.shape()), Tensor.of(w.device(), scale, groups));
        });
    }

    /** The float weights the codes represent (for tests and dequantized export). */
    public float[] dequantized() {
        float[] q = codes.toFloatArray(), s = scales.toFloatArray();
        int span = q.length / s.length;
        for (int i = 0; i < q.length; i++) q[i] *= s[i / span];
        return q;
    }

    public Granularity granularity() { return scales.numel() == 1 && codes.size(0) != 1 ? Granularity.PER_TENSOR : Granularity.PER_CHANNEL; }
}
