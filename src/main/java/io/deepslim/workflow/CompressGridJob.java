package io.deepslim.workflow;

import io.deepslim.eval.EvalReport;
import io.deepslim.io.ModelFile;
import io.deepslim.models.Zoo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The paper's in-domain compression protocol on one baseline: prune+fine-tune and prune alone at
 * each level, KD into the matching students, dynamic and static int8, low-rank (correct ± fine-tuning
 * and the authors' variant). Runs each step as a job in this JVM and writes {@code out}/table.md and
 * {@code out}/rows.json; each step's model and row also stay in {@code out}.
 *
 * @param levels percents of parameters kept, each in (0, 100)
 * @param skip   steps left out: prune-ft, prune, kd, int8, lowrank
 */
public record CompressGridJob(Path baseline, Path out, List<Integer> levels, int finetuneEpochs, int distillEpochs, int rank,
                              int calibrationBatches, Set<String> skip, DataConfig data, TuneConfig tune) implements Job<CompressGridJob.Result> {
    /** The step names known to {@code skip}. */
    public static final List<String> STEPS = List.of("prune-ft", "prune", "kd", "int8", "lowrank");

    /** The rows (baseline first, each tagged with "step") and the files written. */
    public record Result(List<ResultRow> rows, String table, Path tableFile, Path rowsFile) {}

    /** One named step of the grid. */
    public record Step(String name, Job<ResultRow> job) {}

    public CompressGridJob {
        levels = List.copyOf(levels);
        skip = Set.copyOf(skip);
        for (int l : levels) if (l <= 0 || l >= 100) throw new IllegalArgumentException("--levels must be percents in (0, 100), got " + l);
        for (String s : skip) if (!STEPS.contains(s)) throw new IllegalArgumentException("--skip: unknown step '" + s + "'; known: " + STEPS);
        for (int l : levels) {
            if (!skip.contains("kd") && !Zoo.NAMES.contains("student" + l)) {
                throw new IllegalArgumentException("no zoo student keeps " + l + "% for KD (students: 40, 30, 20, 10); add --skip kd");
            }
        }
        if (finetuneEpochs <= 0) throw new IllegalArgumentException("--finetune-epochs must be > 0, got " + finetuneEpochs);
        if (distillEpochs <= 0) throw new IllegalArgumentException("--distill-epochs must be > 0, got " + distillEpochs);
        if (rank <= 0) throw new IllegalArgumentException("--rank must be > 0, got " + rank);
        if (calibrationBatches <= 0) throw new IllegalArgumentException("--calibration-batches must be > 0, got " + calibrationBatches);
    }

    /** The steps after the baseline row, in the order they run. */
    public List<Step> plan() {
        List<Step> s = new ArrayList<>();
        for (int l : levels) {
            if (!skip.contains("prune-ft")) s.add(step("prune" + l + "-ft", f -> PruneJob.local(baseline, l, finetuneEpochs, f, data, tune)));
            if (!skip.contains("prune")) s.add(step("prune" + l, f -> PruneJob.local(baseline, l, 0, f, data, tune)));
            if (!skip.contains("kd")) s.add(step("kd-student" + l, f -> new DistillJob(baseline, "student" + l, 2f, 0.5f, distillEpochs, f, data, tune)));
        }
        if (!skip.contains("int8")) {
            s.add(step("int8-dynamic-linear", f -> new QuantizeJob(baseline, "dynamic-linear", "tensor", calibrationBatches, "minmax", f, data, tune)));
            s.add(step("int8-static-all", f -> new QuantizeJob(baseline, "static-all", "channel", calibrationBatches, "minmax", f, data, tune)));
        }
        if (!skip.contains("lowrank")) {
            s.add(step("lowrank" + rank, f -> new FactorizeJob(baseline, null, rank, null, "correct", 0, f, data, tune)));
            s.add(step("lowrank" + rank + "-ft", f -> new FactorizeJob(baseline, null, rank, null, "correct", finetuneEpochs, f, data, tune)));
            s.add(step("lowrank" + rank + "-paper", f -> new FactorizeJob(baseline, null, rank, null, "paper", 0, f, data, tune)));
            s.add(step("lowrank" + rank + "-paper-ft", f -> new FactorizeJob(baseline, null, rank, null, "paper", finetuneEpochs, f, data, tune)));
        }
        return s;
    }

    private Step step(String name, java.util.function.Function<Path, Job<ResultRow>> job) {
        return new Step(name, job.apply(out.resolve(name + ".safetensors")));
    }

    @Override
    public Result run(JobListener listener) throws IOException {
        ModelFile.Loaded base = Inputs.model("--baseline", baseline);
        Inputs.requireFolderOrAbsent("--out", out);
        Files.createDirectories(out);
        List<Step> plan = plan();
        CompressionSteps steps = new CompressionSteps(data, tune, out.resolve("baseline.safetensors"), listener);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("step", "baseline");
        b.put("method", "baseline");
        b.put("train_seconds_baseline", base.info().provenance().get("train_seconds"));
        List<ResultRow> rows = new ArrayList<>();
        rows.add(steps.report(base.model(), base.info(), baseline, out.resolve("baseline.json"), b, 0, 0));
        for (Step s : plan) {
            listener.log("== " + s.name() + ": " + s.job());
            rows.add(s.job().run(listener).tagged(Map.of("step", s.name())));
            listener.log(rows.get(rows.size() - 1).summary());
        }
        List<Map<String, Object>> maps = new ArrayList<>();
        for (ResultRow r : rows) maps.add(r.toMap());
        EvalReport.writeJson(out.resolve("rows.json"), maps);
        String table = table(rows);
        Files.writeString(out.resolve("table.md"), table);
        return new Result(rows, table, out.resolve("table.md"), out.resolve("rows.json"));
    }

    /** The rows as a Markdown table; Δ accuracy is against the first (baseline) row. */
    public static String table(List<ResultRow> rows) {
        double base = rows.get(0).metrics().accuracy();
        StringBuilder sb = new StringBuilder("| step | accuracy | Δ vs baseline | precision | recall | F1 | ROC-AUC | parameters | non-zero | file bytes | compress+train s | CPU ms/image |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (ResultRow r : rows) {
            ResultRow.Metrics m = r.metrics();
            sb.append(String.format("| %s | %.4f | %+.2f pt | %.4f | %.4f | %.4f | %.4f | %,d | %,d | %,d | %.1f | %.2f |%n", r.settings().get("step"),
                    m.accuracy(), 100 * (m.accuracy() - base), m.precision(), m.recall(), m.f1(), m.rocAuc(), r.parameters(),
                    r.nonZeroParameters(), r.fileBytes(), r.totalSeconds(), r.cpuMsPerImage()));
        }
        return sb.toString();
    }
}
