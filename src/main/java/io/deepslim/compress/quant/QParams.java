package io.deepslim.compress.quant;

/**
 * Affine int8 quantization of activations: {@code real = scale · (code − zeroPoint)}, codes in
 * [−128, 127]. Activations are asymmetric (a zero point) because after ReLU they are all ≥ 0 and a
 * symmetric range would waste half the codes; this is PyTorch's quint8 shifted by 128 (same
 * resolution, one signed type for the kernels). The range always contains 0 so that padding and
 * ReLU zeros are exact.
 */
public record QParams(float scale, int zeroPoint) {
    public QParams {
        if (!(scale > 0) || Float.isInfinite(scale)) throw new IllegalArgumentException("quantization scale must be finite and > 0, got " + scale);
        if (zeroPoint < -128 || zeroPoint > 127) throw new IllegalArgumentException("zero point must be in [-128, 127], got " + zeroPoint);
    }

    /** Parameters covering [min, max] ∪ {0} with 256 codes (PyTorch's choose_qparams). */
    public static QParams covering(float min, float max) {
        if (Float.isNaN(min) || Float.isNaN(max) || Float.isInfinite(min) || Float.isInfinite(max)) {
            throw new IllegalArgumentException("cannot quantize a range containing NaN or infinity: [" + min + ", " + max + "]");
        }
        double lo = Math.min(min, 0.0), hi = Math.max(max, 0.0);
        if (hi - lo < 1e-30) return new QParams(1f, 0);   // all zeros: any scale represents them
        float scale = (float) ((hi - lo) / 255.0);
        int zp = (int) Math.max(-128, Math.min(127, Math.rint(-128 - lo / scale)));
        return new QParams(scale, zp);
    }
}
