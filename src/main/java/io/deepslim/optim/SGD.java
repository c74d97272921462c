package io.deepslim.optim;

import io.deepslim.tensor.Tensor;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/** Stochastic gradient descent with momentum, Nesterov and L2 weight decay (PyTorch semantics, dampening 0). */
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
            FloatBuffer w = p.buffer(), g = p.grad().buffer(), v = velocity.get(k).buffer();
            int wo = p.offset(), go = p.grad().offset();
            for (int i = 0, n = (int) p.numel(); i < n; i++) {
                float d = g.get(go + i) + weightDecay * w.get(wo + i);
                if (momentum != 0f) {
                    // PyTorch seeds the buffer with the first gradient
                    float buf = started ? momentum * v.get(i) + d : d;
                    v.put(i, buf);
                    d = nesterov ? d + momentum * buf : buf;
                }
                w.put(wo + i, w.get(wo + i) - lr * d);
            }
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
