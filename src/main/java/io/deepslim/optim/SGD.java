package io.deepslim.optim;

import io.deepslim.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Stochastic gradient descent with momentum, Nesterov and L2 weight decay (PyTorch semantics,
 * dampening 0). The update is the backend primitive {@code sgdStep}, so it runs where the
 * parameters live.
 */
public final class SGD extends Optimizer {
    private final float momentum, weightDecay;
    private final boolean nesterov;
    private final List<Tensor> velocity = new ArrayList<>();
    private boolean started;

    public SGD(List<Tensor> params, float lr, float momentum, float weightDecay, boolean nesterov) {
        super(params, lr);
        if (momentum < 0 || weightDecay < 0) throw new IllegalArgumentException("SGD: momentum and weight decay must be ≥ 0");
        if (nesterov && momentum == 0) throw new IllegalArgumentException("SGD: Nesterov needs momentum > 0");
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        for (Tensor p : this.params) velocity.add(Tensor.zeros(p.device(), p.dtype(), p.shape()));
    }

    @Override
    public void step() {
        for (int k = 0; k < params.size(); k++) {
            Tensor p = params.get(k);
            if (p.grad() == null) continue;
            p.device().backend().sgdStep(p, p.grad(), velocity.get(k), lr, momentum, weightDecay, nesterov, !started);
            p.storage().bumpVersion();
        }
        started = true;
    }

    @Override
    public List<Tensor> state() { return velocity; }

    @Override
    public long steps() { return started ? 1 : 0; }

    @Override
    public void setSteps(long steps) { started = steps > 0; }
}
