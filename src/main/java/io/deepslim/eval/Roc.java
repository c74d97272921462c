package io.deepslim.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A ROC curve: one point per distinct score threshold, from (0,0) to (1,1), as scikit-learn's
 * {@code roc_curve(drop_intermediate=False)}; fake (label 1) is the positive class.
 */
public record Roc(double[] fpr, double[] tpr, double[] thresholds) {

    /** Builds the curve from scores (higher = more likely fake) and 0/1 labels. */
    public static Roc of(float[] scores, int[] labels) {
        Metrics.checkInputs(scores, labels);
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
        long pos = 0, neg = 0;
        for (int l : labels) if (l == 1) pos++; else neg++;
        List<double[]> pts = new ArrayList<>();
        pts.add(new double[]{0, 0, Double.POSITIVE_INFINITY});
        long tp = 0, fp = 0;
        for (int k = 0; k < order.length; k++) {
            int i = order[k];
            if (labels[i] == 1) tp++; else fp++;
            // emit a point only after the last sample sharing this score (ties move together)
            if (k + 1 == order.length || scores[order[k + 1]] != scores[i]) {
                pts.add(new double[]{neg == 0 ? Double.NaN : (double) fp / neg, pos == 0 ? Double.NaN : (double) tp / pos, scores[i]});
            }
        }
        double[] f = new double[pts.size()], t = new double[pts.size()], th = new double[pts.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = pts.get(i)[0];
            t[i] = pts.get(i)[1];
            th[i] = pts.get(i)[2];
        }
        return new Roc(f, t, th);
    }

    /** Area under the curve by the trapezoidal rule (NaN when a class is missing). */
    public double auc() {
        double a = 0;
        for (int i = 1; i < fpr.length; i++) a += (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2;
        return a;
    }

    /** Equal error rate: where the false-positive rate equals the miss rate, linearly interpolated. */
    public double eer() {
        for (int i = 1; i < fpr.length; i++) {
            double d0 = fpr[i - 1] - (1 - tpr[i - 1]), d1 = fpr[i] - (1 - tpr[i]);
            if (d0 <= 0 && d1 >= 0) {
                double t = d1 == d0 ? 0 : -d0 / (d1 - d0);
                return fpr[i - 1] + t * (fpr[i] - fpr[i - 1]);
            }
        }
        return Double.NaN;
    }
}
