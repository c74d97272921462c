package io.deepslim.optim;

import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Optimizer updates against values worked out by hand from PyTorch's documented update rules. */
class OptimizerTest {
    private static Tensor param(float... v) { return Tensor.of(v, v.length).requiresGrad(true); }

    private static void grad(Tensor p, float... g) {
        p.setGrad(null);
        Ops.sum(Ops.mul(p, Tensor.of(g, g.length))).backward();
    }

    @Test
    void sgdMomentumNesterovWeightDecay() {
        Tensor p = param(1f, -2f);
        SGD opt = new SGD(List.of(p), 0.1f, 0.9f, 0.5f, true);
        grad(p, 1f, 1f);
        opt.step();
        // d = g + wd·p = (1.5, 0); buf = d; nesterov: d + 0.9·buf = (2.85, 0); p −= 0.1·d
        assertArrayEquals(new float[]{1f - 0.285f, -2f}, p.toFloatArray(), 1e-6f);
        grad(p, 1f, 1f);
        opt.step();
        // d = 1 + 0.5·0.715 = 1.3575; buf = 0.9·1.5 + 1.3575 = 2.7075; step = 1.3575 + 0.9·2.7075
        float d0 = 1f + 0.5f * 0.715f, buf0 = 0.9f * 1.5f + d0;
        float d1 = 1f + 0.5f * -2f, buf1 = 0.9f * 0f + d1;
        assertArrayEquals(new float[]{0.715f - 0.1f * (d0 + 0.9f * buf0), -2f - 0.1f * (d1 + 0.9f * buf1)}, p.toFloatArray(), 1e-6f);
    }

    @Test
    void adamFirstStepMovesByLearningRate() {
        Tensor p = param(1f, -1f, 0.5f);
        Adam opt = Adam.of(List.of(p), 0.01f);
        grad(p, 3f, -0.2f, 1e-3f);
        opt.step();
        // bias-corrected first step: m̂/√v̂ = sign(g) (up to eps)
        assertArrayEquals(new float[]{0.99f, -0.99f, 0.49f}, p.toFloatArray(), 1e-4f);
    }

    @Test
    void adamWDecaysWeightsIndependentlyOfGradient() {
        Tensor p = param(2f);
        Adam opt = new Adam(List.of(p), 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f, true);
        grad(p, 0f);
        opt.step();
        // zero gradient: only the decoupled decay acts, p·(1 − lr·wd)
        assertEquals(2f * (1f - 0.05f), p.toFloatArray()[0], 1e-6f);
    }

    @Test
    void schedules() {
        assertEquals(0.1f, LrSchedule.step(0.1f, 2, 0.5f).lr(1), 1e-7f);
        assertEquals(0.05f, LrSchedule.step(0.1f, 2, 0.5f).lr(2), 1e-7f);
        assertEquals(0.1f, LrSchedule.cosine(0.1f, 10, 0f).lr(0), 1e-7f);
        assertEquals(0.05f, LrSchedule.cosine(0.1f, 10, 0f).lr(5), 1e-6f);
        assertEquals(0f, LrSchedule.cosine(0.1f, 10, 0f).lr(10), 1e-7f);
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(param(1f)), 0.1f, 0f, 0f, true));
    }
}
