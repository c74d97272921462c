package io.deepslim.infer;

import io.deepslim.backend.ConvParams;
import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Module;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;


/**
 * Inference-only convolution with an evaluation-mode BatchNorm folded into its weight and bias
 * and, optionally, the following ReLU fused into the convolution's epilogue. Records no gradient.
 */
public final class FusedConv2d extends Module {
    private final ConvParams params;
    private final boolean relu;
    private final Tensor weight, bias;
    private final String description;

    private FusedConv2d(ConvParams params, boolean relu, Tensor weight, Tensor bias, String description) {
        this.params = params;
        this.relu = relu;
        this.weight = buffer("weight", weight);
        this.bias = buffer("bias", bias);
        this.description = description;
    }

    /**
     * Folds {@code bn} (running statistics) into {@code conv}: w' = w·γ/√(σ²+ε) per output
     * channel, b' = (b − μ)·γ/√(σ²+ε) + β.
     */
    public static FusedConv2d fold(Conv2d conv, BatchNorm2d bn, boolean relu) {
        int cout = conv.out;
        java.util.Map<String, Tensor> s = bn.stateDict();
        float[] gamma = s.get("weight").toFloatArray(), beta = s.get("bias").toFloatArray();
        float[] mean = s.get("running_mean").toFloatArray(), var = s.get("running_var").toFloatArray();
        float[] w = conv.weight().toFloatArray();
        float[] b = conv.bias() == null ? new float[cout] : conv.bias().toFloatArray();
        int per = w.length / cout;
        float[] fb = new float[cout];
        for (int co = 0; co < cout; co++) {
            double scale = gamma[co] / Math.sqrt(var[co] + bn.eps());
            for (int i = 0; i < per; i++) w[co * per + i] = (float) (w[co * per + i] * scale);
            fb[co] = (float) ((b[co] - mean[co]) * scale + beta[co]);
        }
        return new FusedConv2d(conv.params, relu, Tensor.of(conv.weight().device(), w, conv.weight().shape()), Tensor.of(conv.weight().device(), fb, cout),
                conv.in + "→" + conv.out + " k" + conv.kernel + " +BN" + (relu ? "+ReLU" : ""));
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] ws = weight.shape();
        if (x.dim() != 4 || x.size(1) != ws[1] * params.groups()) {
            throw new IllegalArgumentException("fused conv2d: input " + java.util.Arrays.toString(x.shape())
                    + " does not match weight " + java.util.Arrays.toString(ws));
        }
        Tensor y = Tensor.empty(x.device(), DType.F32, x.size(0), ws[0], params.outH(x.size(2), ws[2]), params.outW(x.size(3), ws[3]));
        Tensor xc = x.contiguousRaw();
        if (relu) x.device().backend().conv2dForwardRelu(xc, weight, bias, params, y);
        else x.device().backend().conv2dForward(xc, weight, bias, params, y);
        return y;
    }

    @Override
    protected String describe() { return description; }

    /** The folded weight (for tests). */

}
