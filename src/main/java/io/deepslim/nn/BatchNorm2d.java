package io.deepslim.nn;

import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;

/** Batch normalization with affine parameters and running statistics, as torch.nn.BatchNorm2d. */
public class BatchNorm2d extends Module {
    private final int channels;
    private final float momentum, eps;
    private final Tensor weight, bias, runningMean, runningVar, batches;

    public BatchNorm2d(int channels) { this(channels, 0.1f, 1e-5f); }

    public BatchNorm2d(int channels, float momentum, float eps) {
        this.channels = channels;
        this.momentum = momentum;
        this.eps = eps;
        this.weight = param("weight", Tensor.full(1f, channels));
        this.bias = param("bias", Tensor.zeros(channels));
        this.runningMean = buffer("running_mean", Tensor.zeros(channels));
        this.runningVar = buffer("running_var", Tensor.full(1f, channels));
        this.batches = buffer("num_batches_tracked", Tensor.zeros(new int[0]));
    }

    public int channels() { return channels; }

    public float momentum() { return momentum; }

    public float eps() { return eps; }

    @Override
    public Tensor forward(Tensor x) {
        if (isTraining()) batches.device().backend().unary(io.deepslim.backend.UnaryOp.ADD_SCALAR, batches, 1f, batches);
        return Ops.batchNorm(x, weight, bias, runningMean, runningVar, isTraining(), momentum, eps);
    }

    @Override
    protected String describe() { return String.valueOf(channels); }
}
