package io.deepslim.train;

import io.deepslim.eval.BinaryMetrics;
import io.deepslim.eval.Metrics;
import io.deepslim.eval.Roc;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/** Per-image outputs of an evaluation: probability of "fake", label, generator, source. */
public record Predictions(float[] scores, int[] labels, String[] generators, String[] sources, double meanLoss) {
    /** Overall metrics at threshold 0.5. */
    public BinaryMetrics metrics() { return Metrics.compute(scores, labels, 0.5); }

    /** Metrics per generator name. */
    public Map<String, BinaryMetrics> perGenerator() { return Metrics.perGroup(scores, labels, generators, 0.5); }

    /** ROC curves: "all" plus one per generator that has both classes. */
    public Map<String, Roc> rocCurves() {
        Map<String, Roc> out = new LinkedHashMap<>();
        out.put("all", Roc.of(scores, labels));
        for (String g : new TreeSet<>(java.util.Arrays.asList(generators))) {
            int n = 0;
            for (String x : generators) if (x.equals(g)) n++;
            float[] s = new float[n];
            int[] l = new int[n];
            int j = 0;
            boolean pos = false, neg = false;
            for (int i = 0; i < scores.length; i++) {
                if (!generators[i].equals(g)) continue;
                s[j] = scores[i];
                l[j++] = labels[i];
                pos |= labels[i] == 1;
                neg |= labels[i] == 0;
            }
            if (pos && neg) out.put(g, Roc.of(s, l));
        }
        return out;
    }
}
