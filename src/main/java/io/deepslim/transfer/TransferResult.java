package io.deepslim.transfer;

import io.deepslim.nn.Module;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The result row of a transfer run plus the adapted model. Accuracies are on the task-B test
 * set ("target") and on the task-A test set ("source", NaN when none was given); forgetting is
 * source accuracy before minus after. For {@code cae}/{@code cae-ce} there is no task-A model:
 * "target" is the family trained on, "source after" the held-out family (cross-family accuracy).
 */
public record TransferResult(String method, String arch, double targetAccuracyBefore, double targetAccuracy, double targetF1,
                             double targetAuc, double sourceAccuracyBefore, double sourceAccuracyAfter, long trainableParameters,
                             long parameters, long nonZeroParameters, double trainSeconds, double imagesPerSecond,
                             Map<String, Object> extras, Module model) {
    /** Accuracy lost on task A (NaN without task-A data). */
    public double forgetting() { return sourceAccuracyBefore - sourceAccuracyAfter; }

    /** The JSON-able row (NaN becomes null). */
    public Map<String, Object> row() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("method", method);
        r.put("arch", arch);
        r.put("target_accuracy_before", num(targetAccuracyBefore));
        r.put("target_accuracy", num(targetAccuracy));
        r.put("target_f1", num(targetF1));
        r.put("target_auc", num(targetAuc));
        r.put("source_accuracy_before", num(sourceAccuracyBefore));
        r.put("source_accuracy_after", num(sourceAccuracyAfter));
        r.put("forgetting", num(forgetting()));
        r.put("trainable_parameters", trainableParameters);
        r.put("parameters", parameters);
        r.put("non_zero_parameters", nonZeroParameters);
        r.put("train_seconds", Math.round(trainSeconds * 1000) / 1000.0);
        r.put("images_per_s", Math.round(imagesPerSecond * 10) / 10.0);
        r.putAll(extras);
        return r;
    }

    private static Object num(double v) { return Double.isNaN(v) ? null : Math.round(v * 10000) / 10000.0; }
}
