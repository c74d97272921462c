package io.deepslim.compress.quant;

import io.deepslim.backend.nativ.Int8Kernel;
import io.deepslim.backend.nativ.NativeKernels;
import io.deepslim.backend.Backend;
import io.deepslim.compress.Compressed;
import io.deepslim.compress.ModelStats;
import io.deepslim.compress.Recipes;
import io.deepslim.nn.Module;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.LinkedHashMap;
import java.util.Map;

/** What {@link Int8Linear} and {@link Int8Conv2d} share: int8 weights, float bias, input quantization, storage. */
abstract class Int8Layer extends Module implements Compressed {
    protected final Int8Weights w;
    protected final Tensor bias;
    protected final QParams input;
    /** Native path with weights packed once; the backend's Java kernels run when it is absent. */
    protected final Int8Kernel int8 = new Int8Kernel();

    Int8Layer(Int8Weights w, Tensor bias, QParams input) {
        if (bias != null && (bias.dtype() != DType.F32 || bias.dim() != 1 || bias.size(0) != w.codes().size(0))) {
            throw new IllegalArgumentException("int8 layer: bias must be F32 (" + w.codes().size(0) + "), got " + bias);
        }
        this.w = w;
        this.bias = bias == null ? null : bias.detach();
        this.input = input;
        buffer("weight", w.codes());
        buffer("weight_scale", w.scales());
        if (bias != null) buffer("bias", this.bias);
    }

    /** A float copy of {@code t} outliving any open scope (null stays null). */
    static Tensor copy(Tensor t) {
        if (t == null) return null;
        float[] v = t.contiguousRaw().toFloatArray();
        return TensorScope.unscoped(() -> Tensor.of(v, t.shape()));
    }

    @Override
    public Map<String, Tensor> compressedTensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("weight", w.codes());
        m.put("weight_scale", w.scales());
        if (bias != null) m.put("bias", bias);
        return m;
    }

    @Override
    public long parameterCount() { return w.codes().numel() + (bias == null ? 0 : bias.numel()); }

    @Override
    public long nonZeroCount() { return ModelStats.nonZero(w.codes()) + ModelStats.nonZero(bias); }

    /** The int8 weight codes and their scales. */
    public Int8Weights weights() { return w; }

    /** Fixed input quantization, or null when activations are quantized per batch. */
    public QParams inputQParams() { return input; }

    void putQuant(Map<String, Object> r) {
        r.put("method", "int8");
        r.put("dtype", "I8");
        r.put("shape", Recipes.list(w.codes().shape()));
        r.put("granularity", w.scales().numel() == 1 && w.codes().size(0) > 1 ? "per_tensor" : "per_channel");
        r.put("activation", input == null ? "dynamic" : "static");
        if (input != null) {
            r.put("input_scale", (double) input.scale());
            r.put("input_zero_point", input.zeroPoint());
        }
    }

    static QParams inputOf(Map<String, Object> r) {
        return "static".equals(r.get("activation"))
                ? new QParams((float) Recipes.number(r, "input_scale"), Recipes.integer(r, "input_zero_point")) : null;
    }

    static Int8Weights weightsOf(Map<String, Tensor> ts, int[] shape) {
        Tensor q = Recipes.tensor(ts, "weight"), s = Recipes.tensor(ts, "weight_scale");
        if (q.dtype() != DType.I8 || !java.util.Arrays.equals(q.shape(), shape)) {
            throw new IllegalArgumentException("int8 layer: weight must be I8 " + Shape.str(shape) + ", got " + q);
        }
        if (s.dtype() != DType.F32 || s.dim() != 1 || (s.numel() != 1 && s.numel() != shape[0])) {
            throw new IllegalArgumentException("int8 layer: weight_scale must be F32 with 1 or " + shape[0] + " entries, got " + s);
        }
        return new Int8Weights(q, s);
    }

    /** Quantizes x with the fixed input parameters, or with its own range when there are none. */
    QParams quantizeInput(Backend be, Tensor xc, Tensor xq) {
        NativeKernels k = int8.kernelsFor(xc);
        QParams qp = input;
        if (qp == null) {
            float[] mm = k != null ? Int8Kernel.minMax(xc) : be.minMax(xc);
            qp = QParams.covering(mm[0], mm[1]);
        }
        if (k != null) Int8Kernel.quantize(k, xc, qp.scale(), qp.zeroPoint(), xq);
        else be.quantize(xc, qp.scale(), qp.zeroPoint(), xq);
        return qp;
    }

    /** This layer's native int8 kernel (packed weights, path, what ran last). */
    public Int8Kernel int8Kernel() { return int8; }
}
