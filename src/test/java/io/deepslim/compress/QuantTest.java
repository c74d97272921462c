package io.deepslim.compress;

import io.deepslim.autograd.GradMode;
import io.deepslim.backend.Backend;
import io.deepslim.backend.ConvParams;
import io.deepslim.backend.Device;
import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Int8Conv2d;
import io.deepslim.compress.quant.Int8Linear;
import io.deepslim.compress.quant.Int8Weights;
import io.deepslim.compress.quant.Observer;
import io.deepslim.compress.quant.QParams;
import io.deepslim.compress.quant.Quantizer;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Linear;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantTest {
    private final Backend be = Device.cpu().backend();

    private Tensor quantize(Tensor x, QParams q) {
        Tensor out = Tensor.empty(Device.cpu(), DType.I8, x.shape());
        be.quantize(x, q.scale(), q.zeroPoint(), out);
        return out;
    }

    private static float[] dequantize(Tensor codes, QParams q) {
        float[] c = codes.toFloatArray();
        for (int i = 0; i < c.length; i++) c[i] = q.scale() * (c[i] - q.zeroPoint());
        return c;
    }

    @Test
    void activationRangeAlwaysContainsAnExactZero() {
        QParams q = QParams.covering(0.5f, 3f);
        assertEquals(-128, q.zeroPoint());
        QParams r = QParams.covering(-1f, 3f);
        Tensor codes = quantize(Tensor.of(new float[]{0f, -1f, 3f, 10f}, 4), r);
        float[] back = dequantize(codes, r);
        assertEquals(0f, back[0]);
        assertEquals(-1f, back[1], r.scale() / 2);
        assertEquals(3f, back[2], r.scale() / 2);
        assertEquals(127, (int) codes.toFloatArray()[3]);   // saturates
    }

    @ParameterizedTest
    @EnumSource(Granularity.class)
    void int8GemmMatchesFloatWithinTheQuantizationBound(Granularity g) {
        Random rng = new Random(21);
        int m = 7, k = 131, n = 9;
        Tensor x = Tensor.uniform(rng, -0.5f, 2f, m, k), w = Tensor.randn(rng, 0.3f, n, k), b = Tensor.randn(rng, 1f, n);
        for (int j = 0; j < k; j++) w.buffer().put(3 * k + j, w.buffer().get(3 * k + j) * 0.01f);   // one row far smaller
        float[] mm = be.minMax(x);
        QParams qx = QParams.covering(mm[0], mm[1]);
        Int8Weights qw = Int8Weights.of(w, g);
        Tensor y = Tensor.empty(m, n);
        be.int8Gemm(quantize(x, qx), qx.scale(), qx.zeroPoint(), qw.codes(), qw.scales(), b, y);
        float[] got = y.toFloatArray(), ref = Ops.linear(x, w, b).toFloatArray();
        float[] xf = x.toFloatArray(), wf = w.toFloatArray(), sw = qw.scales().toFloatArray();
        // exact arithmetic on the dequantized operands: y = deq(x)·deq(w)ᵀ + b
        float[] xd = dequantize(quantize(x, qx), qx), wd = qw.dequantized();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double exact = b.toFloatArray()[j], bound = 0;
                float dw = sw[g == Granularity.PER_TENSOR ? 0 : j];
                for (int t = 0; t < k; t++) {
                    exact += (double) xd[i * k + t] * wd[j * k + t];
                    bound += Math.abs(xf[i * k + t]) * dw / 2 + Math.abs(wf[j * k + t]) * qx.scale() / 2 + qx.scale() * dw / 4;
                }
                assertEquals(exact, got[i * n + j], 1e-4 * (1 + Math.abs(exact)), "kernel arithmetic");
                assertEquals(ref[i * n + j], got[i * n + j], bound + 1e-5, "quantization error bound");
            }
        }
    }

    @Test
    void int8ConvEqualsFloatConvOfTheDequantizedOperands() {
        Random rng = new Random(22);
        Tensor x = Tensor.uniform(rng, -1f, 1f, 2, 4, 7, 9), w = Tensor.randn(rng, 0.2f, 6, 2, 3, 3), b = Tensor.randn(rng, 1f, 6);
        ConvParams p = ConvParams.of(2, 1, 2);
        QParams qx = QParams.covering(-1f, 1f);
        Int8Weights qw = Int8Weights.of(w, Granularity.PER_CHANNEL);
        Tensor xq = quantize(x, qx);
        Tensor y = Tensor.empty(2, 6, 4, 5);
        be.int8Conv2d(xq, qx.scale(), qx.zeroPoint(), qw.codes(), qw.scales(), b, p, y);
        float[] ref = Ops.conv2d(Tensor.of(dequantize(xq, qx), x.shape()), Tensor.of(qw.dequantized(), w.shape()), b, p).toFloatArray();
        float[] got = y.toFloatArray();
        for (int i = 0; i < ref.length; i++) assertEquals(ref[i], got[i], 1e-4 * (1 + Math.abs(ref[i])), "element " + i);
    }

    @Test
    void int8LayersStoreInt8AndTrackTheFloatLayers() {
        Random rng = new Random(23);
        Linear lin = new Linear(rng, 40, 10);
        Int8Linear ql = Int8Linear.fromFloat(lin, Granularity.PER_CHANNEL);
        assertEquals(DType.I8, ql.stateDict().get("weight").dtype());
        assertEquals(DType.I8, ql.compressedTensors().get("weight").dtype());
        assertEquals(10, ql.compressedTensors().get("weight_scale").numel());
        assertEquals(1, Int8Linear.fromFloat(lin, Granularity.PER_TENSOR).compressedTensors().get("weight_scale").numel());
        Tensor x = Tensor.randn(rng, 1f, 5, 40);
        assertClose(lin.forward(x).toFloatArray(), ql.forward(x).toFloatArray(), 0.02);

        Conv2d conv = new Conv2d(rng, 3, 8);
        Tensor img = Tensor.uniform(rng, 0f, 1f, 2, 3, 10, 10);
        Int8Conv2d qc = Int8Conv2d.fromFloat(conv, Granularity.PER_CHANNEL, QParams.covering(0f, 1f));
        assertEquals(DType.I8, qc.compressedTensors().get("weight").dtype());
        assertClose(conv.forward(img).toFloatArray(), qc.forward(img).toFloatArray(), 0.02);
    }

    @Test
    void quantizedVggLogitsStayCloseToFloat() {
        ZooNet f = Zoo.create("vgg45m", 32, 2, 24), q = Zoo.create("vgg45m", 32, 2, 24);
        f.eval();
        Random rng = new Random(25);
        List<Tensor> calib = List.of(Tensor.uniform(rng, 0f, 1f, 4, 3, 32, 32), Tensor.uniform(rng, 0f, 1f, 4, 3, 32, 32));
        assertEquals(11, Quantizer.all(q, calib, Granularity.PER_CHANNEL, Observer::minMax));
        q.eval();
        assertTrue(ModuleTree.get(q, "layer7.0") instanceof Int8Conv2d && ModuleTree.get(q, "fc.1") instanceof Int8Linear);
        Tensor x = Tensor.uniform(rng, 0f, 1f, 4, 3, 32, 32);
        try (GradMode g = GradMode.off()) {
            assertClose(f.forward(x).toFloatArray(), q.forward(x).toFloatArray(), 0.02);
        }
        ZooNet d = Zoo.create("vgg45m", 32, 2, 24);
        d.eval();
        assertEquals(3, Quantizer.dynamicLinear(d, Granularity.PER_TENSOR));
        try (GradMode g = GradMode.off()) {
            assertClose(f.forward(x).toFloatArray(), d.forward(x).toFloatArray(), 0.02);
        }
    }

    @Test
    void percentileObserverClipsOutliers() {
        Observer mm = Observer.minMax(), pc = Observer.percentile(0.99);
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) v[i] = i / 1000f;
        v[999] = 100f;
        Tensor t = Tensor.of(v, 1000);
        mm.observe(t);
        pc.observe(t);
        assertTrue(pc.qparams().scale() < mm.qparams().scale() / 50);
    }

    @Test
    void calibrationBatchesOfTheWrongShapeAreRejectedBeforeAnyWork() {
        ZooNet net = Zoo.create("student30", 32, 2, 26);
        Random rng = new Random(27);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantizer.staticConv(net,
                List.of(Tensor.randn(rng, 1f, 2, 3, 32, 32), Tensor.randn(rng, 1f, 2, 3, 64, 64)), Granularity.PER_CHANNEL, Observer::minMax));
        assertTrue(e.getMessage().contains("batch 1") && e.getMessage().contains("64"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Quantizer.staticConv(net, List.of(), Granularity.PER_CHANNEL, Observer::minMax));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.staticConv(net, List.of(Tensor.randn(rng, 1f, 2, 32, 32)),
                Granularity.PER_CHANNEL, Observer::minMax));
        assertTrue(ModuleTree.get(net, "layer1.0").getClass() == Conv2d.class, "model untouched");
    }

    /** Relative L2 error of b against a is below tol. */
    static void assertClose(float[] a, float[] b, double tol) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += a[i] * (double) a[i];
        }
        double rel = Math.sqrt(num / Math.max(den, 1e-30));
        assertTrue(rel < tol, "relative error " + rel + " ≥ " + tol);
    }
}
