package io.deepslim.infer;

import io.deepslim.backend.nativ.LinearKernel;
import io.deepslim.backend.nativ.NativeKernels;
import io.deepslim.nn.Module;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;

/**
 * Inference-only fully connected layer with its ReLU: y = relu?(x · Wᵀ + b). Small batches (at most
 * {@link LinearKernel#MAX_ROWS} rows) on the CPU run as one native call that streams W once
 * ({@link LinearKernel}: bias and ReLU in the same pass, one output allocation); larger batches, other
 * devices and machines without the native library take the backend's linear and ReLU.
 */
public final class FusedLinear extends Module {
    private final Tensor weight, bias;
    private final boolean relu;

    /** weight (out, in), bias (out) or null; the tensors are shared, not copied. */
    FusedLinear(Tensor weight, Tensor bias, boolean relu) {
        if (weight.dim() != 2 || (bias != null && (bias.dim() != 1 || bias.size(0) != weight.size(0)))) {
            throw new IllegalArgumentException("fused linear: weight must be (out, in) and bias (out), got "
                    + java.util.Arrays.toString(weight.shape()) + (bias == null ? "" : " and " + java.util.Arrays.toString(bias.shape())));
        }
        this.weight = buffer("weight", weight);
        this.bias = bias == null ? null : buffer("bias", bias);
        this.relu = relu;
    }

    /** True when the ReLU is part of this layer. */
    public boolean relu() { return relu; }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 2 || x.size(1) != weight.size(1)) {
            throw new IllegalArgumentException("fused linear: input " + java.util.Arrays.toString(x.shape()) + " does not match weight "
                    + java.util.Arrays.toString(weight.shape()) + " (expects " + weight.size(1) + " features)");
        }
        NativeKernels k = LinearKernel.kernelsFor(x);
        if (k != null && x.dtype() == DType.F32) {
            Tensor y = Tensor.empty(x.device(), DType.F32, x.size(0), weight.size(0));
            LinearKernel.forward(k, x.contiguousRaw(), weight, bias, relu, y);
            return y;
        }
        Tensor y = Ops.linear(x, weight, bias);
        return relu ? Ops.relu(y) : y;
    }

    @Override
    protected String describe() { return weight.size(1) + "→" + weight.size(0) + (relu ? " +ReLU" : ""); }
}
