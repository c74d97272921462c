package io.deepslim.tensor;

import io.deepslim.ops.Ops;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorTest {
    private static Tensor iota(int... shape) {
        float[] v = new float[(int) Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = i;
        return Tensor.of(v, shape);
    }

    @Test
    void viewsShareStorageAndIndexCorrectly() {
        Tensor t = iota(2, 3, 4);
        Tensor tr = Ops.transpose(t, 1, 2);
        assertArrayEquals(new int[]{2, 4, 3}, tr.shape());
        assertFalse(tr.isContiguous());
        assertEquals(t.get(1, 2, 3), tr.get(1, 3, 2));
        assertEquals(4f, tr.get(0, 0, 1));
        Tensor nar = Ops.narrow(t, 0, 1, 1);
        assertEquals(12f, nar.get(0, 0, 0));
        assertTrue(nar.storage() == t.storage());
        Tensor p = Ops.permute(t, 2, 0, 1);
        assertArrayEquals(new float[]{0, 4, 8, 12, 16, 20}, java.util.Arrays.copyOf(p.toFloatArray(), 6));
        assertArrayEquals(new int[]{6, 4}, Ops.reshape(t, -1, 4).shape());
        // reshape of a non-contiguous view copies and keeps logical order
        assertArrayEquals(tr.toFloatArray(), Ops.reshape(tr, 24).toFloatArray());
    }

    @Test
    void broadcastingFollowsNumPy() {
        Tensor a = iota(2, 1, 3), b = iota(4, 1);
        Tensor c = Ops.add(a, b);
        assertArrayEquals(new int[]{2, 4, 3}, c.shape());
        assertEquals(a.get(1, 0, 2) + b.get(3, 0), c.get(1, 3, 2));
        // a strided (transposed) operand is read through its strides
        Tensor m = iota(3, 2), mt = Ops.transpose(m, 0, 1);
        assertArrayEquals(new float[]{0, 2, 4, 1, 3, 5}, Ops.add(mt, Tensor.zeros(2, 3)).toFloatArray());
    }

    @Test
    void badShapesNameTheOpAndBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ops.add(iota(2, 3), iota(4)));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Ops.matmul(iota(2, 3), iota(2, 3)));
        assertTrue(e.getMessage().startsWith("matmul") && e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Ops.conv2d(iota(1, 3, 5, 5), iota(4, 2, 3, 3), null, 1, 1, 1));
        assertTrue(e.getMessage().startsWith("conv2d") && e.getMessage().contains("[1, 3, 5, 5]") && e.getMessage().contains("[4, 2, 3, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Ops.conv2d(iota(3, 5, 5), iota(4, 3, 3, 3), null, 1, 1, 1));
        assertTrue(e.getMessage().contains("4-D"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Ops.maxPool2d(iota(1, 1, 1, 1), 2, 2, 0));
        assertTrue(e.getMessage().startsWith("max_pool2d"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Ops.linear(iota(2, 5), iota(3, 4), null));
        assertTrue(e.getMessage().startsWith("linear") && e.getMessage().contains("[2, 5]") && e.getMessage().contains("[3, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Ops.reshape(iota(2, 3), 4, -1));
        assertTrue(e.getMessage().startsWith("reshape"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Ops.crossEntropy(iota(2, 3), new int[]{0, 3}));
        assertTrue(e.getMessage().startsWith("cross_entropy"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Ops.batchNorm(iota(2, 3, 2, 2), Tensor.zeros(4), null, null, null, true, 0.1f, 1e-5f));
        assertTrue(e.getMessage().startsWith("batch_norm"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
        assertThrows(IllegalArgumentException.class, () -> Ops.narrow(iota(4), 0, 3, 2));
    }

    @Test
    void backendRefusesStridedViewsWhereItNeedsContiguousMemory() {
        io.deepslim.backend.Backend be = io.deepslim.backend.Device.cpu().backend();
        Tensor t = Ops.transpose(iota(3, 4), 0, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> be.unary(io.deepslim.backend.UnaryOp.RELU, t, 0f, Tensor.zeros(4, 3)));
        assertTrue(e.getMessage().startsWith("unary RELU") && e.getMessage().contains("[4, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> be.gemm(false, false, 1f, t, iota(3, 2), 0f, Tensor.zeros(4, 2)));
        assertTrue(e.getMessage().startsWith("gemm"), e.getMessage());
        Tensor x4 = Ops.permute(iota(1, 2, 3, 3), 0, 1, 3, 2);
        e = assertThrows(IllegalArgumentException.class, () -> be.conv2dForward(x4, iota(2, 2, 1, 1), null,
                io.deepslim.backend.ConvParams.of(1, 0, 1), Tensor.zeros(1, 2, 3, 3)));
        assertTrue(e.getMessage().startsWith("conv2d"), e.getMessage());
        // the differentiable ops accept the same views: they copy where needed
        assertArrayEquals(Ops.relu(Ops.contiguous(t)).toFloatArray(), Ops.relu(t).toFloatArray());
    }

    @Test
    void releasedStorageFailsCleanlyInsteadOfCrashing() {
        Tensor t = iota(3);
        Tensor v = Ops.reshape(t, 3, 1);
        t.close();
        assertThrows(IllegalStateException.class, v::toFloatArray);
        assertThrows(IllegalStateException.class, () -> Ops.relu(v));
        t.close(); // idempotent
    }

    @Test
    void scopeReleasesTemporariesAndKeepsWhatIsKept() {
        Tensor outside = iota(4);
        Tensor kept, temp;
        try (TensorScope s = TensorScope.open()) {
            temp = Ops.relu(outside);
            kept = s.keep(Ops.scale(outside, 2f));
        }
        assertTrue(temp.storage().isReleased());
        assertFalse(kept.storage().isReleased());
        assertFalse(outside.storage().isReleased());
        assertArrayEquals(new float[]{0, 2, 4, 6}, kept.toFloatArray());
    }
}
