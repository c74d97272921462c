package io.deepslim.compress.quant;

import io.deepslim.backend.nativ.NativeKernels;
import io.deepslim.backend.Backend;
import io.deepslim.backend.ConvParams;
import io.deepslim.compress.Recipes;
import io.deepslim.nn.Conv2d;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Conv2d with int8 weights and int8 input: usually static, the input parameters fixed by
 * calibration ({@link Quantizer#staticConv}), dynamic when they are null. int8 × int8 products
 * accumulate in int32 and come back as float with the float bias. Inference only.
 * Buffers: weight (I8, (out, in/groups, k, k)), weight_scale, bias.
 * <p>For inference fusion the layer can also end in a 2x2 max-pool ({@link #pooled}) and hand its
 * output on as the int8 codes of the next static layer's input ({@link #withOutput}): no float map,
 * no separate pool or quantize pass; an int8 input is taken as already quantized with {@link #input}.
 */
public final class Int8Conv2d extends Int8Layer {
    public final int in, out, kernel;
    public final ConvParams params;
    /** Whether ReLU is applied to the output (in the kernel's epilogue): set by {@link #foldBatchNorm}. */
    public final boolean relu;
    /** Whether a 2x2 stride-2 max-pool follows in the kernel (after ReLU). */
    public final boolean pool;
    /** The next layer's input quantization the output is stored in (I8), or null: float output. */
    public final QParams output;

    public Int8Conv2d(int in, ConvParams params, Int8Weights w, Tensor bias, QParams input) {
        this(in, params, w, bias, input, false);
    }

    public Int8Conv2d(int in, ConvParams params, Int8Weights w, Tensor bias, QParams input, boolean relu) {
        this(in, params, w, bias, input, relu, false, null);
    }

    public Int8Conv2d(int in, ConvParams params, Int8Weights w, Tensor bias, QParams input, boolean relu, boolean pool, QParams output) {
        super(w, bias, input);
        int[] s = w.codes().shape();
        if (s.length != 4 || s[2] != s[3] || s[1] * params.groups() != in) {
            throw new IllegalArgumentException("Int8Conv2d: weight " + Shape.str(s) + " does not fit in=" + in + ", groups=" + params.groups());
        }
        this.in = in;
        this.out = s[0];
        this.kernel = s[2];
        this.params = params;
        this.relu = relu;
        this.pool = pool;
        this.output = output;
    }

    /** This layer with a 2x2 stride-2 max-pool after it (weights shared). */
    public Int8Conv2d pooled() { return new Int8Conv2d(in, params, w, bias, input, relu, true, output); }

    /** This layer storing its output as int8 codes with {@code next} (the next static layer's input parameters). */
    public Int8Conv2d withOutput(QParams next) { return new Int8Conv2d(in, params, w, bias, input, relu, pool, next); }

    /**
     * This layer followed by {@code bn} (eval statistics) [and ReLU] as one int8 layer: BN's per-channel
     * factor g = γ/√(var+ε) goes into the weight scales (codes negated where g < 0: they are symmetric,
     * so exactly), the bias becomes (b − mean)·g + β (in double, as {@code FusedConv2d}), ReLU runs in the
     * epilogue. Saves two full passes over the output map; equals the unfused chain up to float rounding.
     */
    public static Int8Conv2d foldBatchNorm(Int8Conv2d q, io.deepslim.nn.BatchNorm2d bn, boolean relu) {
        int cout = q.out;
        Map<String, Tensor> st = bn.stateDict();
        float[] gamma = st.get("weight").toFloatArray(), beta = st.get("bias").toFloatArray();
        float[] mean = st.get("running_mean").toFloatArray(), var = st.get("running_var").toFloatArray();
        if (gamma.length != cout) throw new IllegalArgumentException("foldBatchNorm: BN has " + gamma.length + " channels, conv " + cout);
        float[] sc = q.w.scales().toFloatArray();
        byte[] codes = q.w.codes().toByteArray();
        float[] b = q.bias == null ? new float[cout] : q.bias.toFloatArray();
        float[] scales = new float[cout], fb = new float[cout];
        int per = codes.length / cout;
        for (int o = 0; o < cout; o++) {
            double g = gamma[o] / Math.sqrt(var[o] + bn.eps());
            if (g < 0) for (int i = 0; i < per; i++) codes[o * per + i] = (byte) -codes[o * per + i];
            scales[o] = (float) (sc[sc.length == 1 ? 0 : o] * Math.abs(g));
            fb[o] = (float) ((b[o] - mean[o]) * g + beta[o]);
        }
        Tensor w = q.w.codes();
        Int8Weights folded = TensorScope.unscoped(() -> new Int8Weights(Tensor.ofBytes(w.device(), codes, w.shape()), Tensor.of(w.device(), scales, cout)));
        return new Int8Conv2d(q.in, q.params, folded, TensorScope.unscoped(() -> Tensor.of(w.device(), fb, cout)), q.input, relu, q.pool, q.output);
    }

    /** Int8 version of {@code c} with calibrated input parameters ({@code input} null: per batch). */
    public static Int8Conv2d fromFloat(Conv2d c, Granularity g, QParams input) {
        return new Int8Conv2d(c.in, c.params, Int8Weights.of(c.weight(), g), copy(c.bias()), input);
    }

    /** Rebuilds a layer from {@link #compressedTensors()} and {@link #recipe()}. */
    public static Int8Conv2d decode(Map<String, Tensor> ts, Map<String, Object> recipe) {
        return new Int8Conv2d(Recipes.integer(recipe, "in"), Recipes.convParams(recipe),
                weightsOf(ts, Recipes.ints(recipe, "shape")), ts.get("bias"), inputOf(recipe), Boolean.TRUE.equals(recipe.get("relu")),
                Boolean.TRUE.equals(recipe.get("pool")), recipe.containsKey("output_scale")
                        ? new QParams((float) Recipes.number(recipe, "output_scale"), Recipes.integer(recipe, "output_zero_point")) : null);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 4 || x.size(1) != in) {
            throw new IllegalArgumentException("Int8Conv2d: input " + Shape.str(x.shape()) + " does not have " + in + " channels");
        }
        int ho = params.outH(x.size(2), kernel), wo = params.outW(x.size(3), kernel);
        if (ho <= 0 || wo <= 0 || pool && (ho < 2 || wo < 2)) {
            throw new IllegalArgumentException("Int8Conv2d: input " + Shape.str(x.shape()) + " gives an empty output");
        }
        Backend be = x.device().backend();
        Tensor xq;
        QParams qp;
        if (x.dtype() == DType.I8) {  // codes from a previous layer's fused output
            if (input == null) throw new IllegalArgumentException("Int8Conv2d: an int8 input needs static (calibrated) input parameters");
            xq = x.contiguousRaw();
            qp = input;
        } else {
            Tensor xc = x.contiguousRaw();
            xq = Tensor.empty(x.device(), DType.I8, xc.shape());
            qp = quantizeInput(be, xc, xq);
        }
        int n = x.size(0), yh = pool ? ho / 2 : ho, yw = pool ? wo / 2 : wo;
        NativeKernels k = int8.kernelsFor(xq);
        Tensor y = k == null && output == null ? null : Tensor.empty(x.device(), output != null ? DType.I8 : DType.F32, n, out, yh, yw);
        if (k != null && int8.conv(k, xq, qp.scale(), qp.zeroPoint(), w.codes(), w.scales(), bias, params, relu, pool,
                output != null ? output.scale() : 0f, output != null ? output.zeroPoint() : 0, y)) {
            return y;
        }
        // the plain-Java path, which the native kernel equals bit for bit: conv, ReLU, pool, quantize
        Tensor f = Tensor.empty(x.device(), DType.F32, n, out, ho, wo);
        be.int8Conv2d(xq, qp.scale(), qp.zeroPoint(), w.codes(), w.scales(), bias, params, f);
        if (relu) f = io.deepslim.ops.Ops.relu(f);
        if (pool) f = io.deepslim.ops.Ops.maxPool2d(f, 2, 2, 0);  // (no argmax on host backends: f records no gradient)
        if (output == null) return f;
        be.quantize(f, output.scale(), output.zeroPoint(), y);
        return y;
    }

    @Override
    public Map<String, Object> recipe() {
        Map<String, Object> r = new LinkedHashMap<>();
        putQuant(r);
        r.put("layer", "conv2d");
        r.put("in", in);
        r.put("out", out);
        r.put("kernel", kernel);
        r.put("stride", Recipes.list(new int[]{params.strideH(), params.strideW()}));
        r.put("padding", Recipes.list(new int[]{params.padH(), params.padW()}));
        r.put("dilation", Recipes.list(new int[]{params.dilationH(), params.dilationW()}));
        r.put("groups", params.groups());
        if (relu) r.put("relu", true);
        if (pool) r.put("pool", true);
        if (output != null) {
            r.put("output_scale", (double) output.scale());
            r.put("output_zero_point", output.zeroPoint());
        }
        return r;
    }

    @Override
    protected String describe() { return in + "→" + out + ", k" + kernel + ", int8 " + (input == null ? "dynamic" : "static") + (relu ? " +ReLU" : "") + (pool ? " +maxpool2" : "")
            + (output != null ? " →int8" : "") + ", kernel: " + int8.lastChoice(); }
}
