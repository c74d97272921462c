package io.deepslim.api;

/**
 * One image's verdict: the probability that it is fake, the label that probability gives at the
 * threshold used, and that threshold. Immutable.
 *
 * @param pFake     softmax probability of the model's second class ("fake"), in [0, 1]
 * @param label     the model's class name for the verdict: its second class when {@code pFake >= threshold}, else its first
 * @param fake      true when {@code pFake >= threshold}
 * @param threshold the decision threshold this verdict used
 */
public record Prediction(double pFake, String label, boolean fake, double threshold) {
    /** Checks the probability and threshold ranges. */
    public Prediction {
        if (!(pFake >= 0 && pFake <= 1)) throw new IllegalArgumentException("pFake must be in [0,1]: " + pFake);
        if (!(threshold >= 0 && threshold <= 1)) throw new IllegalArgumentException("threshold must be in [0,1]: " + threshold);
        if (label == null) throw new IllegalArgumentException("label is null");
    }
}
