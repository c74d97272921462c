package io.deepslim.golden;

import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The comparison itself: a golden test must fail on a perturbed, reshaped, missing or NaN result. */
class GoldenSelfTest {
    private final Golden g = Golden.load("relu").quiet();

    @Test
    void acceptsTheReferenceAndRejectsAPerturbation() {
        float[] out = g.floats("out");
        assertDoesNotThrow(() -> g.assertClose("out", "out", Tensor.of(out.clone(), g.shape("out")), 1e-5, 1e-4));
        float[] bad = out.clone();
        bad[7] += 1e-3f;
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> g.assertClose("out", "out", Tensor.of(bad, g.shape("out")), 1e-5, 1e-4));
        assertTrue(e.getMessage().contains(Golden.index(7, g.shape("out"))) && e.getMessage().contains("1 of 30"), e.getMessage());
    }

    @Test
    void rejectsWrongShapeNaNAndMissingTensor() {
        float[] out = g.floats("out");
        assertThrows(AssertionFailedError.class, () -> g.assertClose("out", "out", Tensor.of(out.clone(), 6, 5), 1e-5, 1e-4));
        float[] nan = out.clone();
        nan[0] = Float.NaN;
        assertThrows(AssertionFailedError.class, () -> g.assertClose("out", "out", Tensor.of(nan, g.shape("out")), 1e-5, 1e-4));
        assertThrows(AssertionFailedError.class, () -> g.assertClose("grad.x", "grad.x", null, 1e-5, 1e-4));
    }
}
