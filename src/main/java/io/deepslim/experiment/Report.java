package io.deepslim.experiment;

import io.deepslim.eval.EvalReport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a run's report from its result lines: results.json (environment + every cell), results.csv
 * (one row per cell), report.md and a self-contained report.html (inline CSS, plots as inline PNG;
 * nothing fetched from the network). Every file is written atomically.
 */
public final class Report {
    private Report() {}

    /** The files written. */
    public record Written(Path json, Path csv, Path markdown, Path html) {}

    static final String CSS = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1180px;color:#222;padding:0 16px}"
            + "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 6px;border-bottom:1px solid #ddd;padding-bottom:3px}"
            + "table{border-collapse:collapse;margin:6px 0 4px;font-variant-numeric:tabular-nums}"
            + "th,td{border:1px solid #d8d8d8;padding:3px 9px;text-align:right;white-space:nowrap}th{background:#f3f5f8}"
            + "td:first-child,th:first-child{text-align:left}table.env td{text-align:left}tr:nth-child(even) td{background:#fafbfc}"
            + ".note{color:#555;font-size:12.5px;margin:2px 0 14px}.plots{display:flex;flex-wrap:wrap;gap:12px}"
            + ".plots figure{margin:0;border:1px solid #e3e3e3}.plots img{display:block;width:560px}.warn{color:#9a4a00}";

    public static Written write(Path out, SpecLoader.Loaded loaded, List<Plan.Cell> cells, List<Map<String, Object>> rows,
                                List<String> unavailable, Environment env) throws IOException {
        Spec spec = loaded.spec();
        List<Aggregate> aggs = Aggregate.of(cells, rows);
        List<Map<String, Object>> current = new ArrayList<>();
        for (Aggregate a : aggs) current.addAll(a.rows());
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("spec", loaded.source());
        extra.put("cells", current.size() + " of " + cells.size() + " finished" + (unavailable.isEmpty() ? "" : ", " + unavailable.size() + " not available in this build"));
        extra.put("compute", String.format("%.1f min (sum of cell times)", current.stream().mapToDouble(r -> ((Number) r.get("cell_seconds")).doubleValue()).sum() / 60));
        extra.put("written", Instant.now().toString());
        List<ReportTables.Table> tables = ReportTables.all(spec, aggs);

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", spec.name());
        json.put("title", spec.title());
        json.put("paper", spec.paper());
        json.put("environment", env.toMap());
        json.put("seeds", Plan.seeds(spec));
        json.put("cells", current);
        json.put("not_available", unavailable);
        Written w = new Written(out.resolve("results.json"), out.resolve("results.csv"), out.resolve("report.md"), out.resolve("report.html"));
        EvalReport.writeJson(w.json(), json);
        write(w.csv(), csv(current));
        write(w.markdown(), markdown(spec, env, extra, tables, unavailable));
        Map<String, String> plots;
        String plotError = null;
        try {
            plots = ReportCharts.all(aggs);
        } catch (NoClassDefFoundError e) {
            plots = Map.of();
            plotError = "plots need XChart (an optional dependency of deepslim) on the classpath";
        }
        write(w.html(), html(spec, env, extra, tables, plots, plotError, unavailable));
        return w;
    }

    private static String title(Spec spec) { return spec.title() != null ? spec.title() : "deepslim experiment " + spec.name(); }

    private static String markdown(Spec spec, Environment env, Map<String, Object> extra, List<ReportTables.Table> tables, List<String> unavailable) {
        StringBuilder sb = new StringBuilder("# ").append(title(spec)).append("\n\n");
        for (List<String> r : ReportTables.environment(env, spec, extra)) sb.append("- ").append(r.get(0)).append(": ").append(r.get(1)).append('\n');
        for (ReportTables.Table t : tables) {
            sb.append("\n## ").append(t.title()).append("\n\n| ").append(String.join(" | ", t.header())).append(" |\n|");
            sb.append("---|".repeat(t.header().size())).append('\n');
            for (List<String> row : t.rows()) sb.append("| ").append(String.join(" | ", row)).append(" |\n");
            sb.append('\n').append(t.note()).append('\n');
        }
        if (!unavailable.isEmpty()) sb.append("\n## Not run\n\n").append(TransferCells.UNAVAILABLE).append(": ").append(String.join(", ", unavailable)).append('\n');
        sb.append("\nPlots: report.html. Every cell: results.json, results.csv; logs: cells/*/log.txt.\n");
        return sb.toString();
    }

    private static String html(Spec spec, Environment env, Map<String, Object> extra, List<ReportTables.Table> tables, Map<String, String> plots,
                               String plotError, List<String> unavailable) {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title(spec)))
                .append("</title><style>").append(CSS).append("</style></head><body>\n<h1>").append(esc(title(spec))).append("</h1>\n");
        sb.append("<table class=\"env\">");
        table(sb, null, ReportTables.environment(env, spec, extra));
        for (ReportTables.Table t : tables) {
            sb.append("<h2>").append(esc(t.title())).append("</h2>\n");
            table(sb, t.header(), t.rows());
            sb.append("<p class=\"note\">").append(esc(t.note())).append("</p>\n");
        }
        sb.append("<h2>Plots</h2>\n");
        if (plotError != null) sb.append("<p class=\"warn\">").append(esc(plotError)).append("</p>\n");
        sb.append("<div class=\"plots\">\n");
        plots.forEach((title, b64) -> sb.append("<figure><img alt=\"").append(esc(title)).append("\" src=\"data:image/png;base64,").append(b64).append("\"></figure>\n"));
        sb.append("</div>\n");
        if (!unavailable.isEmpty()) {
            sb.append("<h2>Not run</h2><p class=\"warn\">").append(esc(TransferCells.UNAVAILABLE)).append(": ").append(esc(String.join(", ", unavailable))).append("</p>\n");
        }
        sb.append("<p class=\"note\">Every cell: results.json, results.csv; logs: cells/*/log.txt.</p>\n</body></html>\n");
        return sb.toString();
    }

    private static void table(StringBuilder sb, List<String> header, List<List<String>> rows) {
        if (header != null) sb.append("<table>");
        if (header != null) {
            sb.append("<tr>");
            for (String h : header) sb.append("<th>").append(esc(h)).append("</th>");
            sb.append("</tr>");
        }
        for (List<String> r : rows) {
            sb.append("<tr>");
            for (String c : r) sb.append("<td>").append(esc(c)).append("</td>");
            sb.append("</tr>");
        }
        sb.append("</table>\n");
    }

    static String esc(String s) { return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;"); }

    /** Flat columns: the scalar fields of every row (union, first-seen order) plus one accuracy column per generator. */
    static String csv(List<Map<String, Object>> rows) {
        Set<String> cols = new LinkedHashSet<>(), gens = new LinkedHashSet<>();
        for (Map<String, Object> r : rows) {
            r.forEach((k, v) -> { if (!(v instanceof Map) && !(v instanceof List)) cols.add(k); });
            if (r.get("per_generator") instanceof Map<?, ?> per) per.keySet().forEach(g -> gens.add(g.toString()));
        }
        StringBuilder sb = new StringBuilder();
        List<String> header = new ArrayList<>(cols);
        gens.forEach(g -> header.add("accuracy_" + g));
        sb.append(String.join(",", header.stream().map(Report::csvField).toList())).append('\n');
        for (Map<String, Object> r : rows) {
            List<String> f = new ArrayList<>();
            for (String c : cols) f.add(csvField(r.get(c) == null ? "" : String.valueOf(r.get(c))));
            for (String g : gens) {
                Object v = r.get("per_generator") instanceof Map<?, ?> per && per.get(g) instanceof Map<?, ?> x ? x.get("accuracy") : null;
                f.add(v == null ? "" : String.valueOf(v));
            }
            sb.append(String.join(",", f)).append('\n');
        }
        return sb.toString();
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
