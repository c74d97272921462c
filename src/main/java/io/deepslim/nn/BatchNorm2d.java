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
        if (isTraining()) countBatch();
        return Ops.batchNorm(x, weight, bias, runningMean, runningVar, isTraining(), momentum, eps);
    }

    /**
     * {@code relu(forward(x))}: in training mode one fused op (statistics, normalize and ReLU in
     * one forward, the ReLU mask and the batch-norm gradients in one backward), otherwise the two
     * steps. Same result and running-stat update as the two modules, up to float rounding.
     */
    public Tensor forwardRelu(Tensor x) {
        if (!isTraining()) return Ops.relu(forward(x));
        countBatch();
        return Ops.batchNormRelu(x, weight, bias, runningMean, runningVar, momentum, eps);
    }

    /** {@code maxPool2d(forwardRelu(x), 2, 2, 0)}: in training mode one fused op, otherwise the three steps. */
    public Tensor forwardReluMaxPool2(Tensor x) {
        if (!isTraining()) return Ops.maxPool2d(forwardRelu(x), 2, 2, 0);
        countBatch();
        return Ops.batchNormReluMaxPool2(x, weight, bias, runningMean, runningVar, momentum, eps);
    }

    /**
     * True when a Sequential should run this layer and {@code next} (its successor) as
     * {@link #forwardRelu}: a plain BatchNorm2d in training mode with gradients recorded, followed by
     * a plain ReLU, unless {@code -Ddeepslim.fuse.bnrelu=off} (read on every call, so it can be
     * switched between steps).
     */
    public boolean fusesWithRelu(Module next) {
        return getClass() == BatchNorm2d.class && next != null && next.getClass() == Layers.ReLU.class && isTraining()
                && io.deepslim.autograd.GradMode.isEnabled() && !"off".equals(System.getProperty(FUSE_PROPERTY));
    }

    /**
     * True when, besides {@link #fusesWithRelu}(relu), {@code pool} is a plain 2×2 stride-2 unpadded
     * MaxPool2d and x a 4-D input of at least 2×2, so the three run as {@link #forwardReluMaxPool2};
     * {@code -Ddeepslim.fuse.bnrelu=nopool} keeps only the BN + ReLU fusion.
     */
    public boolean fusesWithReluMaxPool2(Module relu, Module pool, Tensor x) {
        return fusesWithRelu(relu) && pool instanceof Layers.MaxPool2d mp && mp.kernel() == 2 && mp.stride() == 2 && mp.padding() == 0
                && x.dim() == 4 && x.size(2) >= 2 && x.size(3) >= 2 && !"nopool".equals(System.getProperty(FUSE_PROPERTY));
    }

    /**
     * The system property that turns the training-mode fusions off: "off" runs BatchNorm2d, ReLU
     * and MaxPool2d as separate ops, "nopool" fuses BN + ReLU but not the pool.
     */
    public static final String FUSE_PROPERTY = "deepslim.fuse.bnrelu";

    private void countBatch() {
        batches.device().backend().unary(io.deepslim.backend.UnaryOp.ADD_SCALAR, batches, 1f, batches);
    }

    @Override
    protected String describe() { return String.valueOf(channels); }
}
