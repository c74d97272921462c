package io.deepslim.optim;

/** Learning rate as a function of the epoch, applied with {@link #apply(Optimizer, int)}. */
public interface LrSchedule {
    /** Learning rate for {@code epoch} (0-based). */
    float lr(int epoch);

    default void apply(Optimizer opt, int epoch) { opt.setLr(lr(epoch)); }

    /** Constant rate. */
    static LrSchedule constant(float base) { return e -> base; }

    /** Multiply by gamma every {@code stepSize} epochs (PyTorch StepLR). */
    static LrSchedule step(float base, int stepSize, float gamma) {
        if (stepSize <= 0) throw new IllegalArgumentException("step schedule: step size must be > 0");
        return e -> (float) (base * Math.pow(gamma, e / stepSize));
    }

    /** Cosine annealing from base to etaMin over tMax epochs (PyTorch CosineAnnealingLR, closed form). */
    static LrSchedule cosine(float base, int tMax, float etaMin) {
        if (tMax <= 0) throw new IllegalArgumentException("cosine schedule: T_max must be > 0");
        return e -> (float) (etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * Math.min(e, tMax) / tMax)) / 2);
    }
}
