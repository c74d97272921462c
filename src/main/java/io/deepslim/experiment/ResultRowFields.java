package io.deepslim.experiment;

import io.deepslim.eval.Roc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Number formatting shared by result lines: NaN as null, three decimals, ROC curves thinned for storage. */
final class ResultRowFields {
    private ResultRowFields() {}

    static Object num(double v) { return Double.isNaN(v) ? null : v; }

    static double round(double v) { return Math.round(v * 1000) / 1000.0; }

    /** The curve's points thinned to about {@code max} (first, last and evenly spaced ones kept), or null when undefined. */
    static Map<String, Object> roc(Roc r, int max) {
        if (r == null || Double.isNaN(r.auc())) return null;
        int n = r.fpr().length, step = Math.max(1, (n + max - 1) / max);
        List<Double> f = new ArrayList<>(), t = new ArrayList<>();
        for (int i = 0; i < n; i += step) {
            f.add(Math.round(r.fpr()[i] * 1e4) / 1e4);
            t.add(Math.round(r.tpr()[i] * 1e4) / 1e4);
        }
        if ((n - 1) % step != 0) {
            f.add(r.fpr()[n - 1]);
            t.add(r.tpr()[n - 1]);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("auc", round(r.auc()));
        m.put("fpr", f);
        m.put("tpr", t);
        return m;
    }
}
