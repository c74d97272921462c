package io.deepslim.workflow;

import io.deepslim.data.DataLoader;
import io.deepslim.data.LoaderConfig;
import io.deepslim.data.Sample;
import io.deepslim.data.SkipLog;
import io.deepslim.data.TransformConfig;
import io.deepslim.eval.BinaryMetrics;
import io.deepslim.eval.EvalReport;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.train.DataSpec;
import io.deepslim.train.Evaluator;
import io.deepslim.train.Predictions;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates a model file on a dataset, overall and per generator. With {@code out}, writes
 * metrics.json, metrics.md, predictions.csv and (with {@code rocPlot}, which needs the optional
 * XChart library) roc.png there.
 *
 * @param split train, val, test, or auto (test if present)
 * @param out   report folder, or null to write nothing
 */
public record EvaluateJob(Path model, DataConfig data, String split, int batch, Path out, boolean rocPlot, String device) implements Job<EvaluateJob.Result> {
    /** Predictions and metrics; {@code table} is the Markdown table of overall and per-generator rows. */
    public record Result(ModelInfo info, Predictions predictions, BinaryMetrics overall, Map<String, BinaryMetrics> perGenerator,
                         String table, int skippedImages) {}

    /** On the CPU. */
    public EvaluateJob(Path model, DataConfig data, String split, int batch, Path out, boolean rocPlot) {
        this(model, data, split, batch, out, rocPlot, "cpu");
    }

    public EvaluateJob {
        if (device == null) device = "cpu";
        if (batch <= 0) throw new IllegalArgumentException("--batch must be > 0, got " + batch);
        if (!List.of("auto", "train", "val", "test").contains(split)) throw new IllegalArgumentException("--split must be train, val, test or auto, got " + split);
    }

    @Override
    public Result run(JobListener listener) throws IOException {
        io.deepslim.backend.Device dev = io.deepslim.engine.Devices.forUser(device);
        ModelFile.Loaded m = Inputs.model("--model", model);
        if (out != null) Inputs.requireFolderOrAbsent("--out", out);
        ModelInfo info = m.info();
        DataSpec spec = data.spec(0);
        List<Sample> samples = spec.evalSamples(split);
        TransformConfig tf = TransformConfig.eval(info.inputSize()).withNormalization(info.mean(), info.std());
        SkipLog skips = new SkipLog(listener::log);
        Predictions p;
        try (DataLoader loader = spec.loader(samples, tf, LoaderConfig.evaluation(batch), skips);
             JobListener.Progress pb = listener.progress("evaluate", samples.size(), "img")) {
            p = Evaluator.predict(m.network().to(dev), loader, pb::step);
        }
        BinaryMetrics all = p.metrics();
        Map<String, BinaryMetrics> per = p.perGenerator();
        Result r = new Result(info, p, all, per, EvalReport.table(all, per), skips.count());
        if (out != null) write(r);
        return r;
    }

    private void write(Result r) throws IOException {
        Files.createDirectories(out);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", model.toString());
        json.put("data", data.data().toString());
        json.put("overall", EvalReport.asMap(r.overall()));
        Map<String, Object> g = new LinkedHashMap<>();
        r.perGenerator().forEach((k, v) -> g.put(k, EvalReport.asMap(v)));
        json.put("per_generator", g);
        json.put("skipped", r.skippedImages());
        EvalReport.writeJson(out.resolve("metrics.json"), json);
        Files.writeString(out.resolve("metrics.md"), r.table());
        if (rocPlot) plot(r.info().arch() + " ROC", r.predictions(), out.resolve("roc.png"));
        Predictions p = r.predictions();
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("predictions.csv")))) {
            w.println("index,generator,label,p_fake");
            for (int i = 0; i < p.scores().length; i++) {
                w.printf("%s,%s,%d,%.6f%n", p.sources()[i], p.generators()[i], p.labels()[i], p.scores()[i]);
            }
        }
    }

    /** Kept apart so XChart is loaded only when a plot is asked for (it is an optional dependency). */
    private static void plot(String title, Predictions p, Path file) throws IOException {
        try {
            io.deepslim.eval.RocPlot.write(title, p.rocCurves(), file);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("roc.png needs XChart (an optional dependency of deepslim) on the classpath;"
                    + " add it or run EvaluateJob with rocPlot = false", e);
        }
    }
}
