package io.deepslim.compress.quant;

import io.deepslim.backend.Backend;
import io.deepslim.compress.Compressed;
import io.deepslim.compress.ModelStats;
import io.deepslim.compress.Recipes;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Linear layer with int8 weights (PyTorch's dynamic quantized Linear): the input is quantized
 * to int8 on each call — with its own range (dynamic) or with calibrated parameters (static) —
 * multiplied in int8 with int32 accumulation, and returned as float with the float bias added.
 * Inference only: the output records no gradient. Buffers: weight (I8), weight_scale, bias.
 */
public final class Int8Linear extends Module implements Compressed {
    public final int in, out;
    private final Int8Weights w;
    private final Tensor bias;
    private final QParams input;

    public Int8Linear(Int8Weights w, Tensor bias, QParams input) {
        if (w.codes().dim() != 2) throw new IllegalArgumentException("Int8Linear: weight must be (out, in), got " + Shape.str(w.codes().shape()));
        this.out = w.codes().size(0);
        this.in = w.codes().size(1);
        this.w = w;
        this.bias = bias == null ? null : bias.detach();
        this.input = input;
        buffer("weight", w.codes());
        buffer("weight_scale", w.scales());
        if (bias != null) buffer("bias", this.bias);
    }

    /** Dynamic int8 version of {@code l} (the paper's quantize_dynamic). */
    public static Int8Linear fromFloat(Linear l, Granularity g) { return fromFloat(l, g, null); }

    /** Int8 version of {@code l}; {@code input} null quantizes activations per batch. */
    public static Int8Linear fromFloat(Linear l, Granularity g, QParams input) {
        return new Int8Linear(Int8Weights.of(l.weight(), g), l.bias() == null ? null : copy(l.bias()), input);
    }

    static Tensor copy(Tensor t) {
        float[] v = t.contiguousRaw().toFloatArray();
        return io.deepslim.tensor.TensorScope.unscoped(() -> Tensor.of(v, t.shape()));
    }

    /** Rebuilds a layer from {@link #compressedTensors()} and {@link #recipe()}. */
    public static Int8Linear decode(Map<String, Tensor> ts, Map<String, Object> recipe) {
        int[] shape = Recipes.ints(recipe, "shape");
        return new Int8Linear(weightsOf(ts, shape), ts.get("bias"), inputOf(recipe));
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 2 || x.size(1) != in) {
            throw new IllegalArgumentException("Int8Linear: input " + Shape.str(x.shape()) + " does not match " + in + " features");
        }
        Backend be = x.device().backend();
        Tensor xc = x.contiguousRaw();
        Tensor xq = Tensor.empty(x.device(), DType.I8, xc.shape());
        QParams qp = quantizeInput(be, xc, xq);
        Tensor y = Tensor.empty(x.device(), DType.F32, x.size(0), out);
        be.int8Gemm(xq, qp.scale(), qp.zeroPoint(), w.codes(), w.scales(), bias, y);
        return y;
    }

    @Override
    public Map<String, Object> recipe() {
        Map<String, Object> r = new LinkedHashMap<>();
        putQuant(r);
        r.put("layer", "linear");
        r.put("in", in);
        r.put("out", out);
        return r;
    }

    @Override
    protected String describe() { return in + "→" + out + ", int8 " + (input == null ? "dynamic" : "static"); }

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

    private void putQuant(Map<String, Object> r) {
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

    private static QParams inputOf(Map<String, Object> r) {
        return "static".equals(r.get("activation"))
                ? new QParams((float) Recipes.number(r, "input_scale"), Recipes.integer(r, "input_zero_point")) : null;
    }

    private static Int8Weights weightsOf(Map<String, Tensor> ts, int[] shape) {
        Tensor q = Recipes.tensor(ts, "weight"), s = Recipes.tensor(ts, "weight_scale");
        if (q.dtype() != DType.I8 || !java.util.Arrays.equals(q.shape(), shape)) {
            throw new IllegalArgumentException("int8 layer: weight must be I8 " + Shape.str(shape) + ", got " + q);
        }
        if (s.dtype() != DType.F32 || (s.numel() != 1 && s.numel() != shape[0])) {
            throw new IllegalArgumentException("int8 layer: weight_scale must be F32 with 1 or " + shape[0] + " entries, got " + s);
        }
        return new Int8Weights(q, s);
    }

    /** Quantizes x with the fixed input parameters, or with its own range when there are none. */
    private QParams quantizeInput(Backend be, Tensor xc, Tensor xq) {
        QParams qp = input;
        if (qp == null) {
            float[] mm = be.minMax(xc);
            qp = QParams.covering(mm[0], mm[1]);
        }
        be.quantize(xc, qp.scale(), qp.zeroPoint(), xq);
        return qp;
    }
}
