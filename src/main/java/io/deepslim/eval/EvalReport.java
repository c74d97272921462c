package io.deepslim.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/** Formats metrics as a Markdown table and writes the machine-readable JSON next to it. */
public final class EvalReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private EvalReport() {}

    /** A Markdown table: one row overall, then one per group. */
    public static String table(BinaryMetrics all, Map<String, BinaryMetrics> groups) {
        StringBuilder sb = new StringBuilder("| set | n | accuracy | precision | recall | F1 | ROC-AUC | AP | EER |\n|---|---|---|---|---|---|---|---|---|\n");
        row(sb, "all", all);
        groups.forEach((k, v) -> row(sb, k, v));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, BinaryMetrics m) {
        sb.append(String.format("| %s | %d | %.4f | %.4f | %.4f | %.4f | %s | %s | %s |%n", name, m.n(), m.accuracy(), m.precision(),
                m.recall(), m.f1(), fmt(m.rocAuc()), fmt(m.averagePrecision()), fmt(m.eer())));
    }

    private static String fmt(double v) { return Double.isNaN(v) ? "–" : String.format("%.4f", v); }

    /** The metrics as a JSON-ready map (NaN → null). */
    public static Map<String, Object> asMap(BinaryMetrics m) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("n", m.n());
        o.put("accuracy", num(m.accuracy()));
        o.put("precision", num(m.precision()));
        o.put("recall", num(m.recall()));
        o.put("f1", num(m.f1()));
        o.put("roc_auc", num(m.rocAuc()));
        o.put("average_precision", num(m.averagePrecision()));
        o.put("eer", num(m.eer()));
        o.put("confusion", Map.of("tp", m.tp(), "fp", m.fp(), "tn", m.tn(), "fn", m.fn()));
        return o;
    }

    private static Object num(double v) { return Double.isNaN(v) ? null : v; }

    /** Writes {@code obj} as indented JSON, atomically. */
    public static void writeJson(Path file, Object obj) throws IOException {
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), obj);
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
