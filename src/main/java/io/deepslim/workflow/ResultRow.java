package io.deepslim.workflow;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a compression job reports (one row of the compression table): the method's settings, test-split
 * metrics, size and speed. {@link #toMap()} is the JSON row written next to the model ({@code <out>.json}).
 *
 * @param settings          the method and its parameters ("method": "prune", "amount": 0.9, …)
 * @param metrics           accuracy, precision, recall, f1, roc_auc on the test split (NaN where undefined)
 * @param cpuMsPerImage     median batch-1 forward time of the fused inference graph on this machine's CPU, milliseconds
 */
public record ResultRow(Map<String, Object> settings, String arch, Path modelFile, int testImages, Metrics metrics,
                        long parameters, long nonZeroParameters, long fileBytes, double compressSeconds, double trainSeconds,
                        double cpuMsPerImage) {
    /** Test-split metrics (fake = positive class). */
    public record Metrics(double accuracy, double precision, double recall, double f1, double rocAuc) {}

    public ResultRow {
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /** Compression plus training time. */
    public double totalSeconds() { return compressSeconds + trainSeconds; }

    /** The method name ("prune", "baseline", …). */
    public String method() { return String.valueOf(settings.getOrDefault("method", "model")); }

    /** A copy with extra settings put first (e.g. the grid's step name). */
    public ResultRow tagged(Map<String, Object> first) {
        Map<String, Object> s = new LinkedHashMap<>(first);
        settings.forEach(s::putIfAbsent);
        return new ResultRow(s, arch, modelFile, testImages, metrics, parameters, nonZeroParameters, fileBytes, compressSeconds, trainSeconds, cpuMsPerImage);
    }

    /** The JSON row: settings first, then the fields below in a fixed order (NaN metrics as null). */
    public Map<String, Object> toMap() {
        Map<String, Object> row = new LinkedHashMap<>(settings);
        row.put("arch", arch);
        row.put("model_file", modelFile.toString());
        row.put("test_images", testImages);
        row.put("accuracy", num(metrics.accuracy()));
        row.put("precision", num(metrics.precision()));
        row.put("recall", num(metrics.recall()));
        row.put("f1", num(metrics.f1()));
        row.put("roc_auc", num(metrics.rocAuc()));
        row.put("parameters", parameters);
        row.put("non_zero_parameters", nonZeroParameters);
        row.put("file_bytes", fileBytes);
        row.put("compress_seconds", round(compressSeconds));
        row.put("train_seconds", round(trainSeconds));
        row.put("total_seconds", round(totalSeconds()));
        row.put("cpu_ms_per_image", round(cpuMsPerImage));
        return row;
    }

    /** The one-line summary the CLI prints. */
    public String summary() {
        return String.format("%s: accuracy %.4f, F1 %.4f, AUC %.4f; %,d parameters (%,d non-zero); file %,d bytes; %.1f s; %.1f ms/image on CPU",
                method(), metrics.accuracy(), metrics.f1(), metrics.rocAuc(), parameters, nonZeroParameters, fileBytes, totalSeconds(),
                cpuMsPerImage);
    }

    private static Object num(double v) { return Double.isNaN(v) ? null : v; }

    static double round(double v) { return Math.round(v * 1000) / 1000.0; }
}
