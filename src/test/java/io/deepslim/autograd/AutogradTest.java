package io.deepslim.autograd;

import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutogradTest {
    @Test
    void sharedSubexpressionsAccumulateAndLeavesAccumulateAcrossCalls() {
        Tensor x = Tensor.of(new float[]{1, 2, 3}, 3).requiresGrad(true);
        Tensor y = Ops.mul(x, x);           // dy/dx = 2x
        Ops.sum(Ops.add(y, x)).backward();  // + 1
        assertArrayEquals(new float[]{3, 5, 7}, x.grad().toFloatArray());
        Ops.sum(x).backward();              // accumulates +1
        assertArrayEquals(new float[]{4, 6, 8}, x.grad().toFloatArray());
    }

    @Test
    void noGradAndDetachStopRecording() {
        Tensor x = Tensor.of(new float[]{1, 2}, 2).requiresGrad(true);
        try (GradMode g = GradMode.off()) {
            assertNull(Ops.mul(x, x).gradFn());
        }
        Tensor d = Ops.mul(x, x).detach();
        assertTrue(d.isLeaf());
        Tensor w = Tensor.of(new float[]{3, 4}, 2).requiresGrad(true);
        Ops.sum(Ops.mul(d, w)).backward();
        assertNull(x.grad());
        assertArrayEquals(new float[]{1, 4}, w.grad().toFloatArray());
    }

    @Test
    void backwardNeedsAScalarThatRequiresGrad() {
        Tensor x = Tensor.of(new float[]{1, 2}, 2).requiresGrad(true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ops.mul(x, x).backward());
        assertTrue(e.getMessage().contains("scalar"));
        assertThrows(IllegalStateException.class, () -> Ops.sum(Tensor.zeros(2)).backward());
    }

    @Test
    void deepChainsDoNotOverflowTheStack() {
        Tensor x = Tensor.of(new float[]{1}, 1).requiresGrad(true);
        Tensor y = x;
        for (int i = 0; i < 20_000; i++) y = Ops.addScalar(y, 1e-4f);
        Ops.sum(y).backward();
        assertEquals(1f, x.grad().item());
    }
}
