package io.deepslim.experiment;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The report's tables, shaped like the paper's: per block (and transfer target) rows = methods,
 * columns = levels; a per-generator table where the test data has several generators; a size and
 * speed table. Each table is format-neutral ({@link Table}); {@link Report} writes it as Markdown and HTML.
 */
final class ReportTables {
    private ReportTables() {}

    /** A titled table of text cells; {@code note} is shown under it. */
    record Table(String title, List<String> header, List<List<String>> rows, String note) {}

    static List<Table> all(Spec spec, List<Aggregate> aggs) {
        List<Table> out = new ArrayList<>();
        for (Spec.Block b : spec.grid()) {
            List<String> targets = new ArrayList<>();
            if (b.targets() == null) targets.add(null);
            else for (Spec.DataRef t : b.targets()) targets.add(Plan.label(t));
            for (String t : targets) {
                List<Aggregate> mine = aggs.stream().filter(a -> a.block().equals(b.name()) && java.util.Objects.equals(a.target(), t)).toList();
                if (mine.isEmpty()) continue;
                String name = b.name() + (t == null ? "" : " → " + t);
                out.add(accuracy(spec, b, name, mine));
                Table g = perGenerator(spec, name, mine);
                if (g != null) out.add(g);
                out.add(size(name, mine));
            }
        }
        return out;
    }

    /** Rows = methods, columns = levels (methods without a level in the "–" column); mean ± spread, the paper's figure in brackets. */
    private static Table accuracy(Spec spec, Spec.Block b, String name, List<Aggregate> aggs) {
        List<Integer> levels = b.levels() == null ? List.of() : b.levels();
        boolean unleveled = aggs.stream().anyMatch(a -> a.level() == null);
        List<String> header = new ArrayList<>(List.of("method"));
        for (int l : levels) header.add(l + "% kept");
        if (unleveled) header.add("–");
        List<List<String>> rows = new ArrayList<>();
        Set<String> methods = new LinkedHashSet<>();
        aggs.forEach(a -> methods.add(a.method()));
        boolean paper = false;
        for (String m : methods) {
            List<String> row = new ArrayList<>(List.of(m));
            for (int l : levels) row.add(cell(spec, aggs, b.name(), m, l));
            if (unleveled) row.add(cell(spec, aggs, b.name(), m, null));
            paper |= row.stream().skip(1).anyMatch(s -> s.contains("(paper "));
            rows.add(row);
        }
        String note = "Test accuracy" + (Plan.seeds(spec).size() > 1 ? ", mean ± sample standard deviation over " + Plan.seeds(spec).size() + " seeds" : "")
                + (paper ? "; in brackets the paper's figure (" + spec.paper() + ", PAPER.md §1.5) for the same method and level" : "") + ".";
        return new Table("Accuracy: " + name, header, rows, note);
    }

    private static String cell(Spec spec, List<Aggregate> aggs, String block, String method, Integer level) {
        for (Aggregate a : aggs) {
            if (!a.method().equals(method) || !java.util.Objects.equals(a.level(), level)) continue;
            String s = pm(a, "accuracy");
            PaperFigures.Figure f = PaperFigures.find(spec.paper(), block, method, level, null);
            return f == null ? s : s + " (paper " + String.format("%.4f", f.accuracy()) + ")";
        }
        return "";
    }

    static String pm(Aggregate a, String field) {
        double m = a.mean(field);
        if (Double.isNaN(m)) return "–";
        return a.rows().size() > 1 ? String.format("%.4f ± %.4f", m, a.spread(field)) : String.format("%.4f", m);
    }

    /** Rows = method@level, columns = test generators (the ForenSynths protocol); null with one generator. */
    private static Table perGenerator(Spec spec, String name, List<Aggregate> aggs) {
        List<String> gens = aggs.get(0).generators();
        if (gens.size() < 2) return null;
        List<String> header = new ArrayList<>(List.of("model"));
        header.addAll(gens);
        header.add("all");
        List<List<String>> rows = new ArrayList<>();
        boolean paper = false;
        for (Aggregate a : aggs) {
            List<String> row = new ArrayList<>(List.of(a.label()));
            for (String g : gens) {
                double v = a.generatorAccuracy(g);
                PaperFigures.Figure f = PaperFigures.find(spec.paper(), a.block(), a.method(), a.level(), g);
                paper |= f != null;
                row.add((Double.isNaN(v) ? "–" : String.format("%.4f", v)) + (f == null ? "" : String.format(" (paper %.4f)", f.accuracy())));
            }
            row.add(String.format("%.4f", a.mean("accuracy")));
            rows.add(row);
        }
        return new Table("Accuracy per test generator: " + name, header, rows,
                "Each model on each generator's test images" + (paper ? "; in brackets the paper's figure" : "") + ".");
    }

    /** Size and speed per model. */
    private static Table size(String name, List<Aggregate> aggs) {
        List<String> header = List.of("model", "accuracy", "ROC-AUC", "F1", "parameters", "non-zero (share)", "file", "CPU ms/image", "compress+train s");
        List<List<String>> rows = new ArrayList<>();
        for (Aggregate a : aggs) {
            rows.add(List.of(a.label(), pm(a, "accuracy"), pm(a, "roc_auc"), pm(a, "f1"), String.format("%,.0f", a.mean("parameters")),
                    String.format("%,.0f (%.1f%%)", a.mean("non_zero_parameters"), 100 * a.mean("kept_share")), mb(a.mean("file_bytes")),
                    String.format("%.2f", a.mean("cpu_ms_per_image")), String.format("%.1f", nz(a.mean("compress_seconds")) + nz(a.mean("train_seconds")))));
        }
        return new Table("Size and speed: " + name, header, rows,
                "Share = non-zero parameters / the base model's parameters. CPU ms/image: median batch-1 forward of the fused inference graph on this machine.");
    }

    static String mb(double bytes) { return bytes >= 1e6 ? String.format("%.2f MB", bytes / 1e6) : String.format("%.0f KB", bytes / 1e3); }

    private static double nz(double v) { return Double.isNaN(v) ? 0 : v; }

    /** The environment rows shown at the top of every report. */
    static List<List<String>> environment(Environment env, Spec spec, Map<String, Object> extra) {
        List<List<String>> r = new ArrayList<>();
        r.add(List.of("machine", env.cpu() + " (" + env.simd() + ")"));
        r.add(List.of("threads", String.valueOf(env.threads())));
        r.add(List.of("Java", env.java() + ", " + env.os()));
        r.add(List.of("deepslim", env.deepslim()));
        r.add(List.of("seeds", Plan.seeds(spec).toString()));
        extra.forEach((k, v) -> r.add(List.of(k, String.valueOf(v))));
        return r;
    }
}
