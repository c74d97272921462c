package io.deepslim.eval;

import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Computes {@link BinaryMetrics} from fake-probabilities and labels, overall or per group. */
public final class Metrics {
    private Metrics() {}

    static void checkInputs(float[] scores, int[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException("metrics: " + scores.length + " scores for " + labels.length + " labels");
        }
        for (int l : labels) if (l != 0 && l != 1) throw new IllegalArgumentException("metrics: labels must be 0 or 1, got " + l);
    }

    /**
     * Metrics with predictions {@code score ≥ threshold} → fake. Precision is 0 when nothing is
     * predicted fake (scikit-learn's zero_division=0); AUC, AP and EER are NaN when a class is absent.
     */
    public static BinaryMetrics compute(float[] scores, int[] labels, double threshold) {
        checkInputs(scores, labels);
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean predFake = scores[i] >= threshold;
            if (labels[i] == 1) { if (predFake) tp++; else fn++; } else { if (predFake) fp++; else tn++; }
        }
        long n = scores.length;
        double acc = n == 0 ? Double.NaN : (double) (tp + tn) / n;
        double prec = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double rec = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        double f1 = prec + rec == 0 ? 0 : 2 * prec * rec / (prec + rec);
        boolean both = tp + fn > 0 && tn + fp > 0;
        Roc roc = both ? Roc.of(scores, labels) : null;
        return new BinaryMetrics(n, tp, fp, tn, fn, acc, prec, rec, f1,
                both ? roc.auc() : Double.NaN, both ? averagePrecision(scores, labels) : Double.NaN, both ? roc.eer() : Double.NaN);
    }

    /** Average precision as scikit-learn defines it: Σₙ (Rₙ − Rₙ₋₁)·Pₙ over distinct thresholds. */
    public static double averagePrecision(float[] scores, int[] labels) {
        checkInputs(scores, labels);
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
        long pos = 0;
        for (int l : labels) pos += l;
        if (pos == 0) return Double.NaN;
        double ap = 0, prevRecall = 0;
        long tp = 0, seen = 0;
        for (int k = 0; k < order.length; k++) {
            int i = order[k];
            seen++;
            tp += labels[i];
            if (k + 1 == order.length || scores[order[k + 1]] != scores[i]) {
                double recall = (double) tp / pos, precision = (double) tp / seen;
                ap += (recall - prevRecall) * precision;
                prevRecall = recall;
            }
        }
        return ap;
    }

    /** Metrics per group name (e.g. generator), groups sorted by name. */
    public static Map<String, BinaryMetrics> perGroup(float[] scores, int[] labels, String[] groups, double threshold) {
        checkInputs(scores, labels);
        if (groups.length != scores.length) throw new IllegalArgumentException("metrics: " + groups.length + " group names for " + scores.length + " scores");
        Map<String, int[]> counts = new TreeMap<>();
        for (String g : groups) counts.computeIfAbsent(g, k -> new int[1])[0]++;
        Map<String, BinaryMetrics> out = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            int m = e.getValue()[0], j = 0;
            float[] s = new float[m];
            int[] l = new int[m];
            for (int i = 0; i < scores.length; i++) {
                if (groups[i].equals(e.getKey())) {
                    s[j] = scores[i];
                    l[j++] = labels[i];
                }
            }
            out.put(e.getKey(), compute(s, l, threshold));
        }
        return out;
    }
}
