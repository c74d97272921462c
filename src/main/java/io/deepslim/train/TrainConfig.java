package io.deepslim.train;

import java.util.LinkedHashMap;
import java.util.Map;

/** Hyper-parameters of one training run. */
public record TrainConfig(int epochs, int batchSize, String optimizer, float lr, float momentum, float weightDecay,
                          String schedule, int patience, long seed) {
    public TrainConfig {
        if (epochs <= 0) throw new IllegalArgumentException("--epochs must be > 0, got " + epochs);
        if (batchSize <= 0) throw new IllegalArgumentException("--batch must be > 0, got " + batchSize);
        if (!(lr > 0)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        if (!java.util.List.of("sgd", "adam", "adamw").contains(optimizer)) {
            throw new IllegalArgumentException("--optimizer must be sgd, adam or adamw, got " + optimizer);
        }
        if (!java.util.List.of("constant", "step", "cosine").contains(schedule)) {
            throw new IllegalArgumentException("--schedule must be constant, step or cosine, got " + schedule);
        }
        if (patience < 0) throw new IllegalArgumentException("--patience must be ≥ 0 (0 = never stop early), got " + patience);
        if (!Float.isFinite(lr)) throw new IllegalArgumentException("--lr must be finite, got " + lr);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("--momentum must be in [0, 1), got " + momentum);
        if (!(weightDecay >= 0 && Float.isFinite(weightDecay))) throw new IllegalArgumentException("--weight-decay must be a finite number ≥ 0, got " + weightDecay);
        if (momentum < 0 || weightDecay < 0) throw new IllegalArgumentException("--momentum and --weight-decay must be ≥ 0");
    }

    /**
     * The former signature with a progress flag, kept so callers written before the listener compile;
     * progress now goes to {@link Trainer#withListener}.
     */
    @Deprecated
    public TrainConfig(int epochs, int batchSize, String optimizer, float lr, float momentum, float weightDecay,
                       String schedule, int patience, long seed, boolean progress) {
        this(epochs, batchSize, optimizer, lr, momentum, weightDecay, schedule, patience, seed);
    }

    /** Sensible defaults: Adam 1e-3, cosine schedule, early stopping after 3 epochs without improvement. */
    public static TrainConfig defaults(int epochs, int batchSize, long seed) {
        return new TrainConfig(epochs, batchSize, "adam", 1e-3f, 0.9f, 0f, "cosine", 3, seed);
    }

    /** The settings that must match for {@code --resume} (epochs may grow). */
    public Map<String, Object> fingerprint() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch", batchSize);
        m.put("optimizer", optimizer);
        m.put("lr", lr);
        m.put("momentum", momentum);
        m.put("weight_decay", weightDecay);
        m.put("schedule", schedule);
        m.put("seed", seed);
        return m;
    }
}
