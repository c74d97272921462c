package io.deepslim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.eval.EvalReport;
import io.deepslim.io.ModelFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * `deepslim experiment compress`: the paper's in-domain compression protocol on one baseline —
 * prune+fine-tune and prune alone at each level, KD into the matching students, dynamic and
 * static int8, low-rank (correct ± fine-tuning vs the authors' variant) — as one Markdown table
 * and one JSON file of result rows.
 */
@Command(name = "compress", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the paper's in-domain compression protocol on a trained baseline and writes",
                "--out/table.md and --out/rows.json (each step's model and row also stay in --out).", "",
                "Example:",
                "  deepslim experiment compress --baseline runs/vgg-tconv/model.safetensors --data data/synth --generators tconv \\",
                "      --train-limit 600 --finetune-epochs 2 --distill-epochs 3 --out runs/compress"})
public final class CompressExperiment implements Callable<Integer> {
    @Option(names = "--baseline", required = true, paramLabel = "FILE", description = "Trained baseline model file (the teacher for KD).")
    Path baseline;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Option(names = "--levels", defaultValue = "40,30,20,10", split = ",", paramLabel = "PERCENT", description = "Percent of parameters kept. Default: ${DEFAULT-VALUE}.")
    List<Integer> levels;

    @Option(names = "--finetune-epochs", defaultValue = "3", paramLabel = "N", description = "Fine-tuning epochs after pruning and factorizing. Default: ${DEFAULT-VALUE}.")
    int finetuneEpochs;

    @Option(names = "--distill-epochs", defaultValue = "3", paramLabel = "N", description = "Distillation epochs per student. Default: ${DEFAULT-VALUE}.")
    int distillEpochs;

    @Option(names = "--rank", defaultValue = "6", paramLabel = "R", description = "Low-rank rank of the first Linear. Default: ${DEFAULT-VALUE}.")
    int rank;

    @Option(names = "--calibration-batches", defaultValue = "4", paramLabel = "N", description = "Calibration batches for static int8. Default: ${DEFAULT-VALUE}.")
    int calibrationBatches;

    @Option(names = "--skip", split = ",", paramLabel = "STEP", description = "Steps to leave out: prune-ft, prune, kd, int8, lowrank.")
    List<String> skip = new ArrayList<>();

    @Mixin DataOptions data;
    @Mixin TrainOptions train;

    @Override
    public Integer call() throws Exception {
        for (int l : levels) if (l <= 0 || l >= 100) throw new IllegalArgumentException("--levels must be percents in (0, 100), got " + l);
        for (String s : skip) {
            if (!List.of("prune-ft", "prune", "kd", "int8", "lowrank").contains(s)) throw new IllegalArgumentException("--skip: unknown step '" + s + "'");
        }
        for (int l : levels) {
            if (!skip.contains("kd") && !io.deepslim.models.Zoo.NAMES.contains("student" + l)) {
                throw new IllegalArgumentException("no zoo student keeps " + l + "% for KD (students: 40, 30, 20, 10); add --skip kd");
            }
        }
        ModelFile.Loaded base = CompressionJob.load("--baseline", baseline);
        Files.createDirectories(out);
        CompressionJob job = new CompressionJob(data, train, out.resolve("baseline.safetensors"));
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("method", "baseline");
        b.put("step", "baseline");
        b.put("train_seconds_baseline", base.info().provenance().get("train_seconds"));
        rows.add(job.report(base.model(), base.info(), baseline, out.resolve("baseline.json"), b, 0, 0));

        for (int l : levels) {
            if (!skip.contains("prune-ft")) rows.add(step("prune" + l + "-ft", "prune", "--model", baseline, "--keep", l, "--finetune-epochs", finetuneEpochs));
            if (!skip.contains("prune")) rows.add(step("prune" + l, "prune", "--model", baseline, "--keep", l));
            if (!skip.contains("kd")) rows.add(step("kd-student" + l, "distill", "--teacher", baseline, "--student", "student" + l, "--epochs", distillEpochs));
        }
        if (!skip.contains("int8")) {
            rows.add(step("int8-dynamic-linear", "quantize", "--model", baseline, "--mode", "dynamic-linear", "--granularity", "tensor"));
            rows.add(step("int8-static-all", "quantize", "--model", baseline, "--mode", "static-all", "--granularity", "channel",
                    "--calibration-batches", calibrationBatches));
        }
        if (!skip.contains("lowrank")) {
            rows.add(step("lowrank" + rank, "factorize", "--model", baseline, "--rank", rank));
            rows.add(step("lowrank" + rank + "-ft", "factorize", "--model", baseline, "--rank", rank, "--finetune-epochs", finetuneEpochs));
            rows.add(step("lowrank" + rank + "-paper", "factorize", "--model", baseline, "--rank", rank, "--variant", "paper"));
            rows.add(step("lowrank" + rank + "-paper-ft", "factorize", "--model", baseline, "--rank", rank, "--variant", "paper", "--finetune-epochs", finetuneEpochs));
        }
        EvalReport.writeJson(out.resolve("rows.json"), rows);
        String table = table(rows);
        Files.writeString(out.resolve("table.md"), table);
        System.out.printf("%n%s%nwrote %s and %s%n", table, out.resolve("table.md"), out.resolve("rows.json"));
        return 0;
    }

    /** Runs one CLI verb with the shared data/training options; returns its row tagged with the step name. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> step(String name, String verb, Object... args) throws Exception {
        Path file = out.resolve(name + ".safetensors");
        List<String> a = new ArrayList<>(List.of(verb));
        for (Object o : args) a.add(String.valueOf(o));
        a.addAll(List.of("--out", file.toString(), "--data", data.data.toString(), "--layout", data.layout, "--workers", String.valueOf(data.workers),
                "--batch", String.valueOf(train.batch), "--train-limit", String.valueOf(train.trainLimit), "--seed", String.valueOf(train.seed)));
        if (data.generators != null && !data.generators.isEmpty()) a.addAll(List.of("--generators", String.join(",", data.generators)));
        if (data.cache) a.add("--cache");
        if (train.lr != null) a.addAll(List.of("--lr", String.valueOf(train.lr)));
        if (train.noProgress) a.add("--no-progress");
        System.err.println("== " + name + ": deepslim " + String.join(" ", a));
        int code = Main.run(a.toArray(new String[0]));
        if (code != 0) throw new IllegalStateException("step " + name + " failed with exit code " + code);
        Map<String, Object> row = new ObjectMapper().readValue(file.resolveSibling(file.getFileName() + ".json").toFile(), LinkedHashMap.class);
        Map<String, Object> tagged = new LinkedHashMap<>();
        tagged.put("step", name);
        tagged.putAll(row);
        return tagged;
    }

    /** The rows as a Markdown table; Δ accuracy is against the first (baseline) row. */
    static String table(List<Map<String, Object>> rows) {
        double base = num(rows.get(0).get("accuracy"));
        StringBuilder sb = new StringBuilder("| step | accuracy | Δ vs baseline | precision | recall | F1 | ROC-AUC | parameters | non-zero | file bytes | compress+train s | CPU ms/image |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : rows) {
            double acc = num(r.get("accuracy"));
            sb.append(String.format("| %s | %.4f | %+.2f pt | %.4f | %.4f | %.4f | %.4f | %,d | %,d | %,d | %.1f | %.2f |%n", r.get("step"), acc,
                    100 * (acc - base), num(r.get("precision")), num(r.get("recall")), num(r.get("f1")), num(r.get("roc_auc")),
                    ((Number) r.get("parameters")).longValue(), ((Number) r.get("non_zero_parameters")).longValue(),
                    ((Number) r.get("file_bytes")).longValue(), num(r.get("total_seconds")), num(r.get("cpu_ms_per_image"))));
        }
        return sb.toString();
    }

    private static double num(Object o) { return o instanceof Number n ? n.doubleValue() : Double.NaN; }
}
