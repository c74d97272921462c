package io.deepslim.optim;

import io.deepslim.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** Adam, or AdamW when {@code decoupled} (weight decay applied to the weights, not the gradient); the update is the backend primitive {@code adamStep}. */
public final class Adam extends Optimizer {
    private final float beta1, beta2, eps, weightDecay;
    private final boolean decoupled;
    private final List<Tensor> m = new ArrayList<>(), v = new ArrayList<>();
    private long t;

    public Adam(List<Tensor> params, float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled) {
        super(params, lr);
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) throw new IllegalArgumentException("Adam: betas must be in [0, 1)");
        if (eps <= 0 || weightDecay < 0) throw new IllegalArgumentException("Adam: eps must be > 0 and weight decay ≥ 0");
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        for (Tensor p : this.params) {
            m.add(Tensor.zeros(p.device(), p.dtype(), p.shape()));
            v.add(Tensor.zeros(p.device(), p.dtype(), p.shape()));
        }
    }

    /** Adam with PyTorch's defaults (betas 0.9/0.999, eps 1e-8, no weight decay). */
    public static Adam of(List<Tensor> params, float lr) { return new Adam(params, lr, 0.9f, 0.999f, 1e-8f, 0f, false); }

    @Override
    public void step() {
        t++;
        for (int k = 0; k < params.size(); k++) {
            Tensor p = params.get(k);
            if (p.grad() == null) continue;
            p.device().backend().adamStep(p, p.grad(), m.get(k), v.get(k), lr, beta1, beta2, eps, weightDecay, decoupled, t);
            p.storage().bumpVersion();
        }
    }

    @Override
    public List<Tensor> state() {
        List<Tensor> s = new ArrayList<>(m);
        s.addAll(v);
        return s;
    }

    @Override
    public long steps() { return t; }

    @Override
    public void setSteps(long steps) { t = steps; }
}
