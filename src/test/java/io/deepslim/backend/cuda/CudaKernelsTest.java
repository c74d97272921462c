package io.deepslim.backend.cuda;

import io.deepslim.backend.Backend;
import io.deepslim.backend.ConvParams;
import io.deepslim.backend.Device;
import io.deepslim.engine.Devices;
import io.deepslim.engine.TestDevices;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every custom kernel of cuda/ against the reference backend, odd sizes (not multiples of the tiles).
 * Skips with the reason when no CUDA device is available. Tolerance 1e-4 relative for float sums
 * (different summation order); int8 products are exact integers, so 1e-5 there.
 */
class CudaKernelsTest {
    static final Backend REF = Devices.reference().backend();
    final Random rng = new Random(7);

    static void close(float[] want, float[] got, float tol) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= tol * (1 + Math.abs(want[i])), "element " + i + ": want " + want[i] + " got " + got[i]);
        }
    }

    float[] sparse(int n, float keep) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = rng.nextFloat() < keep ? (float) rng.nextGaussian() : 0f;
        return v;
    }

    @Test
    void csrLinearMatchesDenseGemm() {
        Device gpu = TestDevices.require("cuda");
        int m = 5, k = 37, n = 19;
        float[] w = sparse(n * k, 0.1f), x = sparse(m * k, 1f), b = sparse(n, 1f);
        Tensor want = Tensor.zeros(Devices.reference(), DType.F32, m, n);
        REF.gemm(false, true, 1f, Tensor.of(Devices.reference(), x, m, k), Tensor.of(Devices.reference(), w, n, k), 0f, want);
        float[] ref = want.toFloatArray();
        for (int i = 0; i < ref.length; i++) ref[i] = Math.max(0f, ref[i] + b[i % n]);
        Tensor y = Tensor.zeros(gpu, DType.F32, m, n);
        CudaKernels.csrLinear(CudaKernels.csr(Tensor.of(gpu, w, n, k)), Tensor.of(gpu, x, m, k), Tensor.of(gpu, b, n), y, true);
        close(ref, y.toFloatArray(), 1e-4f);
    }

    @Test
    void csrConvMatchesReferenceConv() {
        Device gpu = TestDevices.require("cuda");
        int cout = 7, cin = 3, k = 3;
        ConvParams p = new ConvParams(2, 1, 1, 2, 1, 1, 1);
        float[] w = sparse(cout * cin * k * k, 0.2f), x = sparse(2 * cin * 11 * 9, 1f), b = sparse(cout, 1f);
        int ho = p.outH(11, k), wo = p.outW(9, k);
        Tensor want = Tensor.zeros(Devices.reference(), DType.F32, 2, cout, ho, wo);
        REF.conv2dForward(Tensor.of(Devices.reference(), x, 2, cin, 11, 9), Tensor.of(Devices.reference(), w, cout, cin, k, k),
                Tensor.of(Devices.reference(), b, cout), p, want);
        Tensor y = Tensor.zeros(gpu, DType.F32, 2, cout, ho, wo);
        CudaKernels.csrConv2d(CudaKernels.csr(Tensor.of(gpu, w, cout, cin, k, k)), Tensor.of(gpu, x, 2, cin, 11, 9), Tensor.of(gpu, b, cout),
                k, k, p, y, false);
        close(want.toFloatArray(), y.toFloatArray(), 1e-4f);
    }

    @Test
    void int8GemmAndConvMatchReference() {
        Device gpu = TestDevices.require("cuda");
        Device ref = Devices.reference();
        int m = 9, kk = 70, n = 21;
        byte[] xq = new byte[m * kk], wq = new byte[n * kk];
        for (int i = 0; i < xq.length; i++) xq[i] = (byte) (rng.nextInt(256) - 128);
        for (int i = 0; i < wq.length; i++) wq[i] = (byte) (rng.nextInt(255) - 127);
        float[] ws = sparse(n, 1f), b = sparse(n, 1f);
        for (int i = 0; i < n; i++) ws[i] = 0.01f + Math.abs(ws[i]) * 0.01f;
        Tensor want = Tensor.zeros(ref, DType.F32, m, n), got = Tensor.zeros(gpu, DType.F32, m, n);
        REF.int8Gemm(Tensor.ofBytes(ref, xq, m, kk), 0.05f, 3, Tensor.ofBytes(ref, wq, n, kk), Tensor.of(ref, ws, n), Tensor.of(ref, b, n), want);
        gpu.backend().int8Gemm(Tensor.ofBytes(gpu, xq, m, kk), 0.05f, 3, Tensor.ofBytes(gpu, wq, n, kk), Tensor.of(gpu, ws, n), Tensor.of(gpu, b, n), got);
        close(want.toFloatArray(), got.toFloatArray(), 1e-5f);

        ConvParams p = ConvParams.of(1, 1, 1);
        byte[] cx = new byte[2 * 5 * 7 * 6], cw = new byte[6 * 5 * 9];
        for (int i = 0; i < cx.length; i++) cx[i] = (byte) (rng.nextInt(256) - 128);
        for (int i = 0; i < cw.length; i++) cw[i] = (byte) (rng.nextInt(255) - 127);
        Tensor cwant = Tensor.zeros(ref, DType.F32, 2, 6, 7, 6), cgot = Tensor.zeros(gpu, DType.F32, 2, 6, 7, 6);
        float[] cs = {0.02f, 0.03f, 0.01f, 0.05f, 0.02f, 0.04f};
        REF.int8Conv2d(Tensor.ofBytes(ref, cx, 2, 5, 7, 6), 0.1f, -4, Tensor.ofBytes(ref, cw, 6, 5, 3, 3), Tensor.of(ref, cs, 6), null, p, cwant);
        gpu.backend().int8Conv2d(Tensor.ofBytes(gpu, cx, 2, 5, 7, 6), 0.1f, -4, Tensor.ofBytes(gpu, cw, 6, 5, 3, 3), Tensor.of(gpu, cs, 6), null, p, cgot);
        close(cwant.toFloatArray(), cgot.toFloatArray(), 1e-5f);
    }

    @Test
    void lowRankLinearMatchesTwoGemms() {
        Device gpu = TestDevices.require("cuda");
        Device ref = Devices.reference();
        int m = 6, k = 45, r = 13, n = 29;
        float[] x = sparse(m * k, 1f), v = sparse(r * k, 1f), u = sparse(n * r, 1f), b = sparse(n, 1f);
        Tensor t = Tensor.zeros(ref, DType.F32, m, r), want = Tensor.zeros(ref, DType.F32, m, n);
        REF.gemm(false, true, 1f, Tensor.of(ref, x, m, k), Tensor.of(ref, v, r, k), 0f, t);
        REF.gemm(false, true, 1f, t, Tensor.of(ref, u, n, r), 0f, want);
        float[] w = want.toFloatArray();
        for (int i = 0; i < w.length; i++) w[i] += b[i % n];
        Tensor y = Tensor.zeros(gpu, DType.F32, m, n);
        CudaKernels.lowRankLinear(Tensor.of(gpu, x, m, k), Tensor.of(gpu, v, r, k), Tensor.of(gpu, u, n, r), Tensor.of(gpu, b, n), y, false);
        close(w, y.toFloatArray(), 1e-4f);
    }

    @Test
    void minMaxQuantizeAndDropoutOnDevice() {
        Device gpu = TestDevices.require("cuda");
        float[] x = sparse(100_003, 1f);
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (float v : x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        assertArrayEquals(new float[]{lo, hi}, gpu.backend().minMax(Tensor.of(gpu, x, x.length)), 0f);
        Tensor q = Tensor.empty(gpu, DType.I8, x.length), qr = Tensor.empty(Devices.reference(), DType.I8, x.length);
        gpu.backend().quantize(Tensor.of(gpu, x, x.length), 0.02f, 5, q);
        REF.quantize(Tensor.of(Devices.reference(), x, x.length), 0.02f, 5, qr);
        assertArrayEquals(qr.toByteArray(), q.toByteArray());
        Tensor mask = Tensor.empty(gpu, DType.F32, 200_000);
        gpu.backend().dropoutMask(mask, 0.3f, 42);
        int kept = 0;
        for (float v : mask.toFloatArray()) if (v != 0f) { assertEquals(1f / 0.7f, v, 1e-6f); kept++; }
        assertEquals(0.7, kept / 200_000.0, 0.01);
    }

    @Test
    void allocatorMemoryStaysFlatOverManySteps() {
        Device gpu = TestDevices.require("cuda");
        CudaAllocator a = ((CudaDevice) gpu).context().allocator();
        for (int i = 0; i < 3000; i++) {
            try (var s = io.deepslim.tensor.TensorScope.open()) {
                Tensor x = Tensor.full(gpu, 1f, 64, 1000);
                x.add(x).mul(0.5f).sum();
            }
            if (i == 10) assertTrue(a.mallocCount() > 0);
        }
        long after = a.mallocCount();
        for (int i = 0; i < 1000; i++) {
            try (var s = io.deepslim.tensor.TensorScope.open()) {
                Tensor.full(gpu, 1f, 64, 1000).add(Tensor.full(gpu, 2f, 64, 1000)).sum();
            }
        }
        assertEquals(after, a.mallocCount(), "the cache should serve a steady loop without new cudaMalloc calls");
    }
}
