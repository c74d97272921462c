package io.deepslim.backend.cpu;

import io.deepslim.backend.ConvParams;
import io.deepslim.engine.Devices;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The packing contract on the CPU backend: packed once per weight version, rebuilt after a write, one algorithm plan per shape. */
class PackedWeightTest {
    private final CpuBackend cpu = new CpuBackend();
    private final RefBackend ref = new RefBackend();

    @Test
    void widthOnlyConvPacksItsWeightOnceAndRepacksAfterAWrite() {
        Random rng = new Random(3);
        ConvParams p = ConvParams.of(1, 1, 1);
        Tensor x = Tensor.randn(rng, 1f, 1, 3, 64, 64), w = Tensor.randn(rng, 0.3f, 4, 3, 3, 3);
        assertEquals(CpuConv.Algo.WIDTH_ONLY, CpuConv.plan(new RefConv.Geometry(x.shape(), w.shape(), new int[]{1, 4, 64, 64}, p), p));
        Tensor y = Tensor.zeros(1, 4, 64, 64), dx = Tensor.zeros(x.shape());
        cpu.conv2dForward(x, w, null, p, y);
        cpu.conv2dForward(x, w, null, p, y);
        cpu.conv2dBackwardData(y, w, p, dx);
        assertEquals(1, w.storage().packsBuilt(), "forward, forward, backward-data share one packed weight");

        w.copyFrom(Tensor.randn(rng, 0.3f, 4, 3, 3, 3));   // a write: the packed form must not be reused
        cpu.conv2dForward(x, w, null, p, y);
        assertEquals(2, w.storage().packsBuilt());
        Tensor want = Tensor.zeros(1, 4, 64, 64);
        ref.conv2dForward(x, w, null, p, want);
        assertClose(want.toFloatArray(), y.toFloatArray());
    }

    @Test
    void smallMapsUseIm2colInEveryPass() {
        ConvParams p = ConvParams.of(1, 1, 1);
        RefConv.Geometry small = new RefConv.Geometry(new int[]{1, 3, 32, 32}, new int[]{4, 3, 3, 3}, new int[]{1, 4, 32, 32}, p);
        assertEquals(CpuConv.Algo.IM2COL, CpuConv.plan(small, p));
        Tensor x = Tensor.randn(new Random(1), 1f, 1, 3, 32, 32), w = Tensor.randn(new Random(2), 1f, 4, 3, 3, 3);
        cpu.conv2dBackwardData(Tensor.randn(new Random(3), 1f, 1, 4, 32, 32), w, p, Tensor.zeros(x.shape()));
        assertEquals(0, w.storage().packsBuilt(), "backward-data follows the same plan as forward (no width-only below the threshold)");
        assertEquals(CpuConv.Algo.POINTWISE, CpuConv.plan(new RefConv.Geometry(new int[]{1, 3, 8, 8}, new int[]{4, 3, 1, 1}, new int[]{1, 4, 8, 8}, ConvParams.of(1, 0, 1)), ConvParams.of(1, 0, 1)));
        assertEquals(CpuConv.Algo.DEPTHWISE, CpuConv.plan(new RefConv.Geometry(new int[]{1, 3, 8, 8}, new int[]{3, 1, 3, 3}, new int[]{1, 3, 8, 8}, ConvParams.of(1, 1, 3)), ConvParams.of(1, 1, 3)));
    }

    @Test
    void int8CodesAndRowSumsArePackedOnceAndRepackedAfterAWrite() {
        byte[] codes = {1, -2, 3, 4, 5, -6};
        Tensor wq = Tensor.ofBytes(Devices.cpu(), codes, 2, 3), xq = Tensor.ofBytes(Devices.cpu(), new byte[]{7, 8, -9}, 1, 3);
        Tensor scale = Tensor.of(new float[]{0.5f}, 1), y = Tensor.zeros(1, 2), want = Tensor.zeros(1, 2);
        cpu.int8Gemm(xq, 0.1f, 2, wq, scale, null, y);
        cpu.int8Gemm(xq, 0.1f, 2, wq, scale, null, y);
        assertEquals(1, wq.storage().packsBuilt());
        wq.copyFrom(Tensor.ofBytes(Devices.cpu(), new byte[]{-1, 2, 0, 9, 9, 9}, 2, 3));
        cpu.int8Gemm(xq, 0.1f, 2, wq, scale, null, y);
        ref.int8Gemm(xq, 0.1f, 2, wq, scale, null, want);
        assertEquals(2, wq.storage().packsBuilt());
        assertArrayEquals(want.toFloatArray(), y.toFloatArray(), 1e-6f);
        // (7−2)·(−1) + (8−2)·2 + (−9−2)·0 = 7 → 7·0.1·0.5
        assertEquals(0.35f, y.get(0, 0), 1e-6f);
    }

    @Test
    void closingTheWeightReleasesItsPackedForms() {
        Tensor w = Tensor.zeros(2, 2);
        Tensor[] packed = new Tensor[1];
        w.packed("test", t -> packed[0] = Tensor.empty(Devices.cpu(), DType.F32, 4));
        w.close();
        assertTrue(packed[0].storage().isReleased());
    }

    private static void assertClose(float[] r, float[] g) {
        for (int i = 0; i < r.length; i++) {
            if (Math.abs(r[i] - g[i]) > 1e-4 * (1 + Math.abs(r[i]))) fail("element " + i + ": reference " + r[i] + " got " + g[i]);
        }
    }
}
