package io.deepslim.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The rows of one cell over its seeds: means and spreads (sample standard deviation; 0 with one seed).
 *
 * @param rows the result lines, one per seed
 */
public record Aggregate(String block, String method, Integer level, String target, List<Map<String, Object>> rows) {
    /** Groups result lines by (block, method, level, target) in the plan's order. */
    public static List<Aggregate> of(List<Plan.Cell> cells, List<Map<String, Object>> rows) {
        Map<String, Aggregate> out = new LinkedHashMap<>();
        Map<String, Map<String, Object>> byId = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) byId.put((String) r.get("cell"), r);
        for (Plan.Cell c : cells) {
            Map<String, Object> r = byId.get(c.id());
            if (r == null || !c.fingerprint().equals(r.get("fingerprint"))) continue;
            String key = c.id().substring(0, c.id().lastIndexOf("/s"));
            out.computeIfAbsent(key, k -> new Aggregate(c.block().name(), c.method().name(), c.level(),
                    c.target() == null ? null : Plan.label(c.target()), new ArrayList<>())).rows().add(r);
        }
        return List.copyOf(out.values());
    }

    /** "kd@10" or "int8-dynamic". */
    public String label() { return method + (level != null ? "@" + level : ""); }

    /** Mean of a numeric field (NaN when absent in every row). */
    public double mean(String field) { return stats(values(field))[0]; }

    /** Sample standard deviation of a numeric field (0 with one value). */
    public double spread(String field) { return stats(values(field))[1]; }

    /** Mean accuracy on generator {@code g}. */
    public double generatorAccuracy(String g) {
        List<Double> v = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            if (r.get("per_generator") instanceof Map<?, ?> per && per.get(g) instanceof Map<?, ?> x && x.get("accuracy") instanceof Number n) {
                v.add(n.doubleValue());
            }
        }
        return stats(v)[0];
    }

    /** The generators evaluated (first row's order). */
    public List<String> generators() {
        List<String> g = new ArrayList<>();
        if (!rows.isEmpty() && rows.get(0).get("per_generator") instanceof Map<?, ?> per) for (Object k : per.keySet()) g.add(k.toString());
        return g;
    }

    private List<Double> values(String field) {
        List<Double> v = new ArrayList<>();
        for (Map<String, Object> r : rows) if (r.get(field) instanceof Number n) v.add(n.doubleValue());
        return v;
    }

    private static double[] stats(List<Double> v) {
        if (v.isEmpty()) return new double[]{Double.NaN, Double.NaN};
        double m = v.stream().mapToDouble(Double::doubleValue).sum() / v.size(), ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        return new double[]{m, v.size() > 1 ? Math.sqrt(ss / (v.size() - 1)) : 0};
    }

    /** Same cell key (ignoring rows). */
    public boolean sameCell(String block, String method, Integer level, String target) {
        return this.block.equals(block) && this.method.equals(method) && Objects.equals(this.level, level) && Objects.equals(this.target, target);
    }
}
