package io.deepslim.experiment;

import java.util.List;

/**
 * The paper's own accuracies (Karathanasis et al. 2025, as condensed in PAPER.md §1.5), shown beside
 * ours when a spec names the table ({@code paper: table3}) and a cell has the same method and level.
 */
public final class PaperFigures {
    private PaperFigures() {}

    /** Tables a spec may name. */
    public static final List<String> TABLES = List.of("table2", "table3", "table4", "table5", "table6", "table7");

    /**
     * One reported accuracy.
     *
     * @param block     the spec block it belongs to (null: any block)
     * @param level     percent kept (null: methods without a level)
     * @param generator per-generator figure (null: overall)
     */
    public record Figure(String table, String block, String method, Integer level, String generator, double accuracy, String note) {}

    private static final List<Figure> ALL = List.of(
            f("table2", "baseline", null, 0.9265, "Synthbuster+RAISE, full model"),
            f("table2", "prune-ft", 10, 0.9168, ""),
            f("table2", "kd", 10, 0.9186, ""),
            f("table2", "int8-dynamic", null, 0.9263, "13.39 MB vs 18.41 MB"),
            f("table3", "baseline", null, 0.9896, "140k faces, full model"),
            f("table3", "prune", 40, 0.959, "no fine-tuning"),
            f("table3", "prune", 30, 0.922, "no fine-tuning"),
            f("table3", "prune", 20, 0.849, "no fine-tuning"),
            f("table3", "prune", 10, 0.553, "no fine-tuning"),
            f("table3", "kd", 10, 0.9774, ""),
            f("table4", "prune-finetune", 40, 0.866, ""),
            f("table4", "prune-finetune", 10, 0.823, ""),
            f("table4", "kd", 40, 0.934, ""),
            f("table4", "kd", 10, 0.861, ""),
            f("table4", "kd-adapter", 40, 0.929, ""),
            f("table4", "kd-adapter", 10, 0.885, ""),
            f("table4", "prune-adapter", 40, 0.878, "adapter after the 4th conv"),
            f("table4", "prune-adapter", 10, 0.856, "adapter after the 4th conv"),
            new Figure("table5", null, "baseline", null, "progan", 0.9675, "trained on ProGAN"),
            new Figure("table5", null, "baseline", null, "stargan", 0.8036, ""),
            new Figure("table5", null, "baseline", null, "deepfake", 0.4923, ""),
            new Figure("table5", null, "baseline", null, "whichfaceisreal", 0.574, ""),
            f("table6", "kd-adapter", 40, 0.911, "dogs/cats → deepfake"),
            f("table6", "kd-adapter", 10, 0.865, ""),
            // PAPER.md gives the three rank-6 figures in this order without naming each dataset
            new Figure("table7", "synthbuster", "lowrank-paper", null, null, 0.8219, "authors' variant; dataset order as listed in PAPER.md"),
            new Figure("table7", "faces140k", "lowrank-paper", null, null, 0.5362, "authors' variant"),
            new Figure("table7", "forensynths", "lowrank-paper", null, null, 0.5016, "authors' variant"));

    private static Figure f(String table, String method, Integer level, double acc, String note) {
        return new Figure(table, null, method, level, null, acc, note);
    }

    /** The paper's accuracy for this cell of {@code table}, or null when the paper has none. */
    public static Figure find(String table, String block, String method, Integer level, String generator) {
        if (table == null) return null;
        for (Figure f : ALL) {
            if (f.table().equals(table) && (f.block() == null || f.block().equals(block)) && f.method().equals(method)
                    && java.util.Objects.equals(f.level(), level) && java.util.Objects.equals(f.generator(), generator)) return f;
        }
        return null;
    }
}
