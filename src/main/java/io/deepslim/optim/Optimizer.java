package io.deepslim.optim;

import io.deepslim.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Base of the optimizers: a parameter list, a learning rate the schedules adjust, and
 * {@link #zeroGrad()}. Updates are backend primitives, so they run where the parameters live.
 */
public abstract class Optimizer {
    protected final List<Tensor> params;
    protected float lr;

    protected Optimizer(List<Tensor> params, float lr) {
        if (lr < 0 || Float.isNaN(lr)) throw new IllegalArgumentException("learning rate must be ≥ 0, got " + lr);
        this.params = new ArrayList<>(params);
        this.lr = lr;
    }

    /** Applies one update from the accumulated gradients. */
    public abstract void step();

    /** Drops the accumulated gradients (they are re-created on the next backward). */
    public void zeroGrad() {
        for (Tensor p : params) {
            if (p.grad() != null) p.device().backend().fill(p.grad(), 0f);
        }
    }

    public float lr() { return lr; }

    public void setLr(float lr) { this.lr = lr; }

    /** Optimizer state tensors (momentum, moments) by parameter index, for checkpoints. */
    public abstract List<Tensor> state();

    /** Step counter (Adam's bias correction); 0 for optimizers without one. */
    public long steps() { return 0; }

    /** Restores the step counter after loading a checkpoint. */
    public void setSteps(long steps) {}
}
