package io.deepslim.backend.cpu;

import io.deepslim.backend.BinaryOp;
import io.deepslim.backend.UnaryOp;

/**
 * Elementwise loops over plain float[] blocks. Kernels copy a block of an off-heap buffer into a
 * scratch array (a memcpy), run one of these loops — the op switch sits outside the loop, so the
 * JIT compiles each as a tight, auto-vectorizable loop — and copy the result back.
 */
final class ArrayKernels {
    /** Elements per block: 16 KiB, so a block and its scratch stay in L1/L2. */
    static final int BLOCK = 4096;

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][]{new float[BLOCK], new float[BLOCK]});

    private ArrayKernels() {}

    private static final ThreadLocal<float[][]> PLANES = ThreadLocal.withInitial(() -> new float[2][0]);

    /** A per-thread scratch array of at least {@code n} floats (slot 0 or 1). */
    static float[] plane(int slot, int n) {
        float[][] p = PLANES.get();
        if (p[slot].length < n) p[slot] = new float[n];
        return p[slot];
    }

    /** Two scratch blocks owned by the calling thread. */
    static float[][] scratch() { return SCRATCH.get(); }

    static void unary(UnaryOp op, float[] x, int n, float alpha) {
        switch (op) {
            case RELU:
                // Math.max is an intrinsic that vectorizes; a ternary compiles to mispredicted branches
                for (int i = 0; i < n; i++) x[i] = Math.max(x[i], 0f);
                break;
            case STEP:
                for (int i = 0; i < n; i++) x[i] = positiveIndicator(x[i]);
                break;
            case SCALE:
                for (int i = 0; i < n; i++) x[i] *= alpha;
                break;
            case ADD_SCALAR:
                for (int i = 0; i < n; i++) x[i] += alpha;
                break;
            case NEG:
                for (int i = 0; i < n; i++) x[i] = -x[i];
                break;
            case ABS:
                for (int i = 0; i < n; i++) x[i] = Math.abs(x[i]);
                break;
            case CLAMP_MIN:
                for (int i = 0; i < n; i++) x[i] = Math.max(x[i], alpha);
                break;
            default:
                for (int i = 0; i < n; i++) x[i] = CpuBackend.applyUnary(op, x[i], alpha);
        }
    }

    /**
     * 1 for v > 0 and 0 for v ≤ 0, branch-free: v·2^252 saturates every positive float (even the
     * smallest subnormal) to ≥ 1 before the clamp. (NaN gives NaN; a diverged run is caught by the
     * trainer's finite-loss check.)
     */
    static float positiveIndicator(float v) { return Math.min(Math.max(v * 0x1p126f * 0x1p126f, 0f), 1f); }

    /** x = op(x, y) elementwise. */
    static void binary(BinaryOp op, float[] x, float[] y, int n) {
        switch (op) {
            case ADD:
                for (int i = 0; i < n; i++) x[i] += y[i];
                break;
            case SUB:
                for (int i = 0; i < n; i++) x[i] -= y[i];
                break;
            case MUL:
                for (int i = 0; i < n; i++) x[i] *= y[i];
                break;
            case DIV:
                for (int i = 0; i < n; i++) x[i] /= y[i];
                break;
            case MASK_POSITIVE:
                for (int i = 0; i < n; i++) x[i] *= positiveIndicator(y[i]);
                break;
            default:
                for (int i = 0; i < n; i++) x[i] = CpuBackend.applyBinary(op, x[i], y[i]);
        }
    }

    /** x = op(x, s) with a scalar right operand. */
    static void binaryScalar(BinaryOp op, float[] x, float s, int n) {
        switch (op) {
            case ADD:
                for (int i = 0; i < n; i++) x[i] += s;
                break;
            case MUL:
                for (int i = 0; i < n; i++) x[i] *= s;
                break;
            default:
                for (int i = 0; i < n; i++) x[i] = CpuBackend.applyBinary(op, x[i], s);
        }
    }
}
