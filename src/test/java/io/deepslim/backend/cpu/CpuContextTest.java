package io.deepslim.backend.cpu;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Thread settings come from the CpuContext a backend is built with, and do not change results beyond rounding. */
class CpuContextTest {
    @Test
    void contextSetsThePoolAndBlasThreads() {
        CpuBackend be = new CpuBackend(new CpuContext(3, 2));
        assertEquals(3, be.par.threads());
        assertEquals(2, be.gemm.blasThreads());
        assertEquals(1, new CpuBackend(new CpuContext(1, 1)).par.threads());
        assertThrows(IllegalArgumentException.class, () -> new CpuContext(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new CpuContext(1, 0));
    }

    @Test
    void convForwardAgreesAcrossContexts() {
        Random rng = new Random(4);
        Tensor x = Tensor.randn(rng, 1f, 2, 16, 20, 20), w = Tensor.randn(rng, 0.2f, 24, 16, 3, 3), b = Tensor.randn(rng, 1f, 24);
        ConvParams p = ConvParams.of(1, 1, 1);
        float[] ref = null;
        for (CpuContext ctx : new CpuContext[]{new CpuContext(1, 1), new CpuContext(4, 1), new CpuContext(2, 2)}) {
            Tensor y = Tensor.zeros(2, 24, 20, 20);
            new CpuBackend(ctx).conv2dForward(x, w, b, p, y);
            float[] got = y.toFloatArray();
            if (ref == null) {
                ref = got;
                continue;
            }
            for (int i = 0; i < ref.length; i++) {
                assertTrue(Math.abs(got[i] - ref[i]) <= 1e-4f * (1 + Math.abs(ref[i])), ctx + " differs at " + i + ": " + got[i] + " vs " + ref[i]);
            }
        }
    }
}
