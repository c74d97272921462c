package io.deepslim.experiment;

import io.deepslim.compress.ModelStats;
import io.deepslim.eval.BinaryMetrics;
import io.deepslim.eval.Roc;
import io.deepslim.io.ModelFile;
import io.deepslim.train.TrainConfig;
import io.deepslim.workflow.CompressionSteps;
import io.deepslim.workflow.DataConfig;
import io.deepslim.workflow.DistillJob;
import io.deepslim.workflow.EvaluateJob;
import io.deepslim.workflow.FactorizeJob;
import io.deepslim.workflow.Job;
import io.deepslim.workflow.JobListener;
import io.deepslim.workflow.PruneJob;
import io.deepslim.workflow.QuantizeJob;
import io.deepslim.workflow.ResultRow;
import io.deepslim.workflow.TrainJob;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one cell: makes sure its base model exists (training it in {@code out}/models/NAME-sSEED,
 * resumable), runs the method as a workflow job, evaluates the result on the cell's test data
 * (overall, per generator, ROC) and returns the result line.
 */
final class CellRunner {
    private final Spec spec;
    private final Spec.Training training;
    private final Path out;
    private final Map<String, Path> roots;
    private final Map<Path, Long> baseParameters = new LinkedHashMap<>();

    /** Where cells train ("cpu", "cuda"; see Devices.forUser): models are still saved, tested and timed on the CPU. */
    final String device;

    CellRunner(Spec spec, Path out, Map<String, Path> roots) { this(spec, out, roots, "cpu"); }

    CellRunner(Spec spec, Path out, Map<String, Path> roots, String device) {
        this.device = device == null ? "cpu" : device;
        this.spec = spec;
        this.training = (spec.training() != null ? spec.training() : Spec.Training.defaults()).orDefaults();
        this.out = out;
        this.roots = roots;
    }

    /** The data a reference names, as a job's DataConfig. */
    DataConfig data(Spec.DataRef r) {
        Spec.DatasetDef d = spec.datasets().get(r.dataset());
        return new DataConfig(roots.get(r.dataset()), d.layout() == null ? "auto" : d.layout(), r.generators(), 0, false, false);
    }

    /** The folder of a cell ("compression/prune-ft@10/s1" → cells/compression_prune-ft@10_s1). */
    Path cellDir(Plan.Cell c) { return out.resolve("cells").resolve(c.id().replace('/', '_').replace('>', '~')); }

    Map<String, Object> run(Plan.Cell c, JobListener console) throws IOException {
        long t0 = System.nanoTime();
        Path dir = cellDir(c);
        ExperimentRunner.deleteTree(dir);   // leftovers of an interrupted attempt
        Files.createDirectories(dir);
        try (CellLog log = new CellLog(console, dir.resolve("log.txt"))) {
            log.log("cell " + c.id() + " (fingerprint " + c.fingerprint() + ", seed " + c.cellSeed() + ")");
            Path base = baseModel(c.block().model(), c.seed(), log);
            Map<String, Object> row;
            if (c.method().transfer()) {
                TransferCells.Outcome o = new TransferCells(this, training).run(c, base, dir, log);
                row = row(c, base, o.modelFile(), o.stats(), o.evaluation());
            } else {
                ResultRow compressed = null;
                Path model;
                if (c.method().name().equals("baseline")) {
                    model = base;
                } else if (c.method().name().equals("student")) {
                    int size = ModelFile.load(base).info().inputSize();
                    TrainConfig tc = new TrainConfig(training.distillEpochs(), training.batch(), "adam", lr(), 0.9f, 0f, "cosine", 0, c.cellSeed());
                    new TrainJob(data(c.data(spec)), "student" + c.level(), size, tc, "flip", dir.resolve("student"), false, device).run(log);
                    model = dir.resolve("student").resolve("model.safetensors");
                } else {
                    model = dir.resolve("model.safetensors");
                    compressed = job(c, base, model).run(log);
                }
                EvaluateJob.Result ev = new EvaluateJob(model, data(c.evaluate(spec)), "auto", 64, null, false).run(log);
                row = row(c, base, model, stats(model, compressed), ev);
            }
            row.put("cell_seconds", ResultRowFields.round((System.nanoTime() - t0) / 1e9));
            return row;
        }
    }

    /** Size, speed and time of a cell's model. */
    record Stats(long parameters, long nonZero, double cpuMs, double compressSeconds, double trainSeconds) {}

    private static Stats stats(Path model, ResultRow compressed) throws IOException {
        if (compressed != null) {
            return new Stats(compressed.parameters(), compressed.nonZeroParameters(), compressed.cpuMsPerImage(), compressed.compressSeconds(),
                    compressed.trainSeconds());
        }
        ModelFile.Loaded l = ModelFile.load(model);
        ModelStats s = ModelStats.of(l.network());
        return new Stats(s.parameterCount(), s.nonZeroCount(), CompressionSteps.cpuMsPerImage(l.network(), l.info().inputSize()), 0, 0);
    }

    Spec spec() { return spec; }

    float lr() { return training.lr() == null ? 1e-3f : training.lr().floatValue(); }

    private io.deepslim.workflow.TuneConfig tune(Plan.Cell c) {
        return new io.deepslim.workflow.TuneConfig(training.batch(), training.lr() == null ? null : training.lr().floatValue(), training.trainLimit(),
                c.cellSeed(), device);
    }

    /** The workflow job for an in-domain compression method. */
    private Job<ResultRow> job(Plan.Cell c, Path base, Path model) {
        DataConfig d = data(c.data(spec));
        var t = tune(c);
        int ft = training.finetuneEpochs(), rank = c.rank();
        Integer lv = c.level();
        return switch (c.method().name()) {
            case "prune-ft" -> PruneJob.local(base, lv, ft, model, d, t);
            case "prune" -> PruneJob.local(base, lv, 0, model, d, t);
            case "prune-structured-ft" -> new PruneJob(base, "structured", 1 - lv / 100.0, "l1", ft, model, d, t);
            case "kd" -> new DistillJob(base, "student" + lv, 2f, 0.5f, training.distillEpochs(), model, d, t);
            case "int8-dynamic" -> new QuantizeJob(base, "dynamic-linear", "tensor", training.calibrationBatches(), "minmax", model, d, t);
            case "int8-static" -> new QuantizeJob(base, "static-all", "channel", training.calibrationBatches(), "minmax", model, d, t);
            case "lowrank" -> new FactorizeJob(base, null, rank, null, "correct", 0, model, d, t);
            case "lowrank-ft" -> new FactorizeJob(base, null, rank, null, "correct", ft, model, d, t);
            case "lowrank-paper" -> new FactorizeJob(base, null, rank, null, "paper", 0, model, d, t);
            case "lowrank-paper-ft" -> new FactorizeJob(base, null, rank, null, "paper", ft, model, d, t);
            default -> throw new IllegalStateException("no job for method " + c.method().name());
        };
    }

    /** The base model file for (name, seed): a file from the spec, or trained here once (resumable). */
    Path baseModel(String name, long seed, JobListener log) throws IOException {
        Spec.ModelDef m = spec.models().get(name);
        if (m.file() != null) return Path.of(m.file());
        Path dir = out.resolve("models").resolve(name + "-s" + seed);
        Path file = dir.resolve("model.safetensors"), done = dir.resolve("done.txt");
        String fp = Plan.hash(List.of(m, spec.datasets().get(m.train().dataset()), seed, training.batch(), lr(), training.patience()));
        if (Files.isRegularFile(file) && Files.isRegularFile(done) && Files.readString(done).trim().equals(fp)) return file;
        if (Files.isRegularFile(done)) {   // trained for another spec: start over
            ExperimentRunner.deleteTree(dir);
        }
        log.log(String.format("base model %s: training %s @%d on %s, seed %d, in %s", name, m.arch(), m.size(), Plan.label(m.train()), seed, dir));
        TrainConfig tc = new TrainConfig(m.epochs() != null ? m.epochs() : 3, training.batch(), "adam", lr(), 0.9f, 0f, "cosine", training.patience(), seed);
        new TrainJob(data(m.train()), m.arch(), m.size(), tc, m.augment() != null ? m.augment() : "flip", dir, true, device).run(log);
        Files.writeString(done, fp + "\n");
        return file;
    }

    private long parameters(Path base) throws IOException {
        Long n = baseParameters.get(base);
        if (n == null) {
            n = ModelStats.of(ModelFile.load(base).model()).parameterCount();
            baseParameters.put(base, n);
        }
        return n;
    }

    private Map<String, Object> row(Plan.Cell c, Path base, Path model, Stats st, EvaluateJob.Result ev) throws IOException {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("cell", c.id());
        r.put("fingerprint", c.fingerprint());
        r.put("block", c.block().name());
        r.put("method", c.method().name());
        r.put("level", c.level());
        r.put("target", c.target() == null ? null : Plan.label(c.target()));
        r.put("trained_on", Plan.label(c.data(spec)));
        r.put("evaluated_on", Plan.label(c.evaluate(spec)));
        r.put("seed", c.seed());
        r.put("cell_seed", c.cellSeed());
        r.put("arch", ev.info().arch());
        r.put("model_file", out.toAbsolutePath().relativize(model.toAbsolutePath()).toString());
        BinaryMetrics m = ev.overall();
        r.put("test_images", m.n());
        r.put("accuracy", ResultRowFields.num(m.accuracy()));
        r.put("precision", ResultRowFields.num(m.precision()));
        r.put("recall", ResultRowFields.num(m.recall()));
        r.put("f1", ResultRowFields.num(m.f1()));
        r.put("roc_auc", ResultRowFields.num(m.rocAuc()));
        long params = st.parameters(), nonZero = st.nonZero();
        double cpuMs = st.cpuMs();
        r.put("compress_seconds", ResultRowFields.round(st.compressSeconds()));
        r.put("train_seconds", ResultRowFields.round(st.trainSeconds()));
        r.put("parameters", params);
        r.put("non_zero_parameters", nonZero);
        r.put("kept_share", ResultRowFields.round(nonZero / (double) parameters(base)));
        r.put("file_bytes", Files.size(model));
        r.put("cpu_ms_per_image", ResultRowFields.round(cpuMs));
        Map<String, Object> per = new LinkedHashMap<>();
        Map<String, Roc> rocs = ev.predictions().rocCurves();
        ev.perGenerator().forEach((g, gm) -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("n", gm.n());
            x.put("accuracy", ResultRowFields.num(gm.accuracy()));
            x.put("roc_auc", ResultRowFields.num(gm.rocAuc()));
            per.put(g, x);
        });
        r.put("per_generator", per);
        r.put("roc", ResultRowFields.roc(rocs.get("all"), 60));
        r.put("finished_at", Instant.now().toString());
        return r;
    }
}
