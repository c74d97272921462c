package io.deepslim.compress.quant;

import io.deepslim.backend.nativ.NativeKernels;
import io.deepslim.backend.Backend;
import io.deepslim.compress.Recipes;
import io.deepslim.nn.Linear;
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
public final class Int8Linear extends Int8Layer {
    public final int in, out;

    public Int8Linear(Int8Weights w, Tensor bias, QParams input) {
        super(w, bias, input);
        if (w.codes().dim() != 2) throw new IllegalArgumentException("Int8Linear: weight must be (out, in), got " + Shape.str(w.codes().shape()));
        this.out = w.codes().size(0);
        this.in = w.codes().size(1);
    }

    /** Dynamic int8 version of {@code l} (the paper's quantize_dynamic). */
    public static Int8Linear fromFloat(Linear l, Granularity g) { return fromFloat(l, g, null); }

    /** Int8 version of {@code l}; {@code input} null quantizes activations per batch. */
    public static Int8Linear fromFloat(Linear l, Granularity g, QParams input) {
        return new Int8Linear(Int8Weights.of(l.weight(), g), copy(l.bias()), input);
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
        NativeKernels k = int8.kernelsFor(xc);
        if (k == null || !int8.linear(k, xq, qp.scale(), qp.zeroPoint(), w.codes(), w.scales(), bias, false, y)) {
            be.int8Gemm(xq, qp.scale(), qp.zeroPoint(), w.codes(), w.scales(), bias, y);
        }
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
    protected String describe() { return in + "→" + out + ", int8 " + (input == null ? "dynamic" : "static") + ", kernel: " + int8.lastChoice(); }
}
