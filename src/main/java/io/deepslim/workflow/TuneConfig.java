package io.deepslim.workflow;

/**
 * The training a compression job runs (fine-tuning, distillation): Adam with a cosine schedule.
 *
 * @param batch      batch size
 * @param lr         learning rate, or null for the job's default (1e-3)
 * @param trainLimit train on at most this many images of the training split (0 = all)
 * @param seed       seed of data order, augmentation and initialization
 * @param device     where the training runs: "cpu" (default) or "cuda" (see {@code Devices.forUser}); the
 *                   compressed model is saved, evaluated and timed on the CPU
 */
public record TuneConfig(int batch, Float lr, int trainLimit, long seed, String device) {
    /** Training on the CPU. */
    public TuneConfig(int batch, Float lr, int trainLimit, long seed) {
        this(batch, lr, trainLimit, seed, "cpu");
    }

    public TuneConfig {
        if (device == null || device.isBlank()) device = "cpu";
        if (batch <= 0) throw new IllegalArgumentException("--batch must be > 0, got " + batch);
        if (lr != null && !(lr > 0 && Float.isFinite(lr))) throw new IllegalArgumentException("--lr must be a finite number > 0, got " + lr);
        if (trainLimit < 0) throw new IllegalArgumentException("--train-limit must be ≥ 0, got " + trainLimit);
    }

    /** Batch 32, default learning rate, all images, seed 1. */
    public static TuneConfig defaults() { return new TuneConfig(32, null, 0, 1); }

    /** The learning rate, or {@code fallback} when none was given. */
    public float lr(float fallback) { return lr == null ? fallback : lr; }
}
