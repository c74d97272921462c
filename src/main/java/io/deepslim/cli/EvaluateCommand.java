package io.deepslim.cli;

import io.deepslim.data.DataLoader;
import io.deepslim.data.LoaderConfig;
import io.deepslim.data.Sample;
import io.deepslim.data.SkipLog;
import io.deepslim.data.TransformConfig;
import io.deepslim.eval.BinaryMetrics;
import io.deepslim.eval.EvalReport;
import io.deepslim.eval.RocPlot;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.train.Evaluator;
import io.deepslim.train.Predictions;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** `deepslim evaluate`: metrics of a model on a dataset, overall and per generator. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluates a model file on a dataset: accuracy, precision, recall, F1 (fake = positive),",
                "ROC-AUC, average precision and EER, overall and per generator, with ROC curves.",
                "Writes to --out: metrics.json, metrics.md, roc.png, predictions.csv.", "",
                "Example:",
                "  deepslim evaluate --model runs/vgg-tconv/model.safetensors --data data/synth --out runs/vgg-tconv/eval"})
public final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Model file (.safetensors).")
    Path model;

    @Mixin DataOptions data;

    @Option(names = "--split", defaultValue = "auto", description = "train, val, test, or auto (test if present). Default: ${DEFAULT-VALUE}.")
    String split;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the report files (default: print only).")
    Path out;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        ModelFile.Loaded m = ModelFile.load(model);
        ModelInfo info = m.info();
        List<Sample> samples = data.spec(0).evalSamples(split);
        TransformConfig tf = TransformConfig.eval(info.inputSize()).withNormalization(info.mean(), info.std());
        SkipLog skips = SkipLog.logging();
        Predictions p;
        try (DataLoader loader = data.spec(0).loader(samples, tf, LoaderConfig.evaluation(batch), skips);
             ProgressBar pb = noProgress ? null : new ProgressBarBuilder().setTaskName("evaluate").setInitialMax(samples.size())
                     .setStyle(ProgressBarStyle.ASCII).setUnit(" img", 1).showSpeed().build()) {
            p = Evaluator.predict(m.model(), loader, pb == null ? null : pb::stepBy);
        }
        BinaryMetrics all = p.metrics();
        Map<String, BinaryMetrics> per = p.perGenerator();
        String table = EvalReport.table(all, per);
        System.out.printf("%s (%s @%d) on %s, %d images%n%n%s", model, info.arch(), info.inputSize(), data.data, p.scores().length, table);
        if (skips.count() > 0) System.out.printf("%nskipped %d unreadable images%n", skips.count());
        if (out != null) {
            Files.createDirectories(out);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("model", model.toString());
            json.put("data", data.data.toString());
            json.put("overall", EvalReport.asMap(all));
            Map<String, Object> g = new LinkedHashMap<>();
            per.forEach((k, v) -> g.put(k, EvalReport.asMap(v)));
            json.put("per_generator", g);
            json.put("skipped", skips.count());
            EvalReport.writeJson(out.resolve("metrics.json"), json);
            Files.writeString(out.resolve("metrics.md"), table);
            RocPlot.write(info.arch() + " ROC", p.rocCurves(), out.resolve("roc.png"));
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("predictions.csv")))) {
                w.println("index,generator,label,p_fake");
                for (int i = 0; i < p.scores().length; i++) {
                    w.printf("%s,%s,%d,%.6f%n", p.sources()[i], p.generators()[i], p.labels()[i], p.scores()[i]);
                }
            }
            System.out.printf("%nwrote %s/{metrics.json, metrics.md, roc.png, predictions.csv}%n", out);
        }
        return 0;
    }
}
