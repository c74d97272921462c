package io.deepslim.cli;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.ModelStats;
import io.deepslim.data.DataLoader;
import io.deepslim.data.LoaderConfig;
import io.deepslim.data.Sample;
import io.deepslim.data.SkipLog;
import io.deepslim.data.TransformConfig;
import io.deepslim.eval.BinaryMetrics;
import io.deepslim.eval.EvalReport;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import io.deepslim.train.DataSpec;
import io.deepslim.train.Evaluator;
import io.deepslim.train.Predictions;
import io.deepslim.train.TrainConfig;
import io.deepslim.train.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What every compression command shares: the dataset, fine-tuning through {@link Trainer}
 * (its best-validation model is kept), and the result row: test-split metrics, parameter and
 * non-zero counts, file bytes, time to compress/train, and CPU time per image.
 */
final class CompressionJob {
    final DataSpec spec;
    final TrainOptions opt;
    final Path out;

    /** Builds the dataset (validating the folder and generators) before any work. */
    CompressionJob(DataOptions data, TrainOptions opt, Path out) {
        if (opt.batch <= 0) throw new IllegalArgumentException("--batch must be > 0, got " + opt.batch);
        if (opt.trainLimit < 0) throw new IllegalArgumentException("--train-limit must be ≥ 0, got " + opt.trainLimit);
        this.spec = data.spec(opt.seed);
        this.opt = opt;
        this.out = out.toAbsolutePath();
    }

    /** A model after training and the seconds it took. */
    record Trained(ZooNet model, double seconds) {}

    /** Loads a model file; a missing file is an IllegalArgumentException naming the option. */
    static ModelFile.Loaded load(String option, Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(option + ": model file " + file + " does not exist");
        return ModelFile.load(file);
    }

    /** The training samples, at most --train-limit of them. */
    List<Sample> trainSamples() {
        List<Sample> train = spec.trainVal().get(0);
        if (opt.trainLimit == 0 || opt.trainLimit >= train.size()) return train;
        List<Sample> s = new ArrayList<>(train);
        Collections.shuffle(s, new Random(opt.seed));
        return s.subList(0, opt.trainLimit);
    }

    /**
     * Trains {@code model} for {@code epochs} (Adam, cosine, no early stopping) in the folder
     * {@code <out>.train/} and returns the best-validation model read back from its file, which
     * also proves the compressed form round-trips.
     */
    Trained train(ZooNet model, ModelInfo info, int epochs, float defaultLr, Trainer.StepLoss loss) throws IOException {
        TrainConfig cfg = new TrainConfig(epochs, opt.batch, "adam", opt.lr(defaultLr), 0.9f, 0f, "cosine", 0, opt.seed, !opt.noProgress);
        Path dir = out.resolveSibling(out.getFileName() + ".train");
        Map<String, Object> fp = new LinkedHashMap<>();
        fp.put("arch", info.arch());
        fp.put("input_size", info.inputSize());
        fp.putAll(spec.fingerprint());
        fp.put("train_limit", opt.trainLimit);
        Trainer trainer = new Trainer(cfg, dir, fp);
        if (loss != null) trainer.withLoss(loss);
        int size = info.inputSize();
        TransformConfig tf = TransformConfig.eval(size).withNormalization(info.mean(), info.std());
        SkipLog skips = SkipLog.logging();
        Trainer.Result r;
        try (DataLoader train = spec.loader(trainSamples(), tf.withFlip(0.5), LoaderConfig.training(opt.batch, opt.seed), skips);
             DataLoader val = spec.loader(spec.trainVal().get(1), tf, LoaderConfig.evaluation(opt.batch), skips)) {
            r = trainer.fit(model, info, train, val, false);
        }
        Files.deleteIfExists(trainer.checkpointFile());   // only needed to resume, which these commands do not offer
        return new Trained(ModelFile.load(r.modelFile()).model(), r.seconds());
    }

    /** A few calibration batches of training images at the model's input size. */
    List<Tensor> calibrationBatches(ModelInfo info, int batches) throws IOException {
        List<Sample> train = spec.trainVal().get(0);
        if (batches <= 0) throw new IllegalArgumentException("--calibration-batches must be > 0, got " + batches);
        if ((long) batches * opt.batch > train.size()) {
            throw new IllegalArgumentException("calibration wants " + batches + " batches of " + opt.batch + " images but the training split has only "
                    + train.size() + "; lower --calibration-batches or --batch");
        }
        List<Sample> s = new ArrayList<>(train);
        Collections.shuffle(s, new Random(opt.seed));
        TransformConfig tf = TransformConfig.eval(info.inputSize()).withNormalization(info.mean(), info.std());
        List<Tensor> out = new ArrayList<>();
        try (DataLoader l = spec.loader(s.subList(0, batches * opt.batch), tf, LoaderConfig.evaluation(opt.batch), SkipLog.logging())) {
            for (var b : l.epoch(0)) out.add(TensorScope.unscoped(() -> io.deepslim.data.BatchTensors.images(b)));
        }
        return out;
    }

    /** Saves the model to --out, evaluates it, writes {@code <out>.json} and prints one line; returns the row. */
    Map<String, Object> finish(ZooNet model, ModelInfo info, Map<String, Object> fields, double compressSeconds, double trainSeconds) throws IOException {
        Files.createDirectories(out.getParent());
        ModelFile.save(model, info, out);
        return report(model, info, out, out.resolveSibling(out.getFileName() + ".json"), fields, compressSeconds, trainSeconds);
    }

    /** Evaluates {@code model} (stored in {@code modelFile}) on the test split and writes the result row to {@code json}. */
    Map<String, Object> report(ZooNet model, ModelInfo info, Path modelFile, Path json, Map<String, Object> fields,
                               double compressSeconds, double trainSeconds) throws IOException {
        List<Sample> test = spec.evalSamples("auto");
        TransformConfig tf = TransformConfig.eval(info.inputSize()).withNormalization(info.mean(), info.std());
        Predictions p;
        try (DataLoader l = spec.loader(test, tf, LoaderConfig.evaluation(64), SkipLog.logging())) {
            p = Evaluator.predict(model, l, null);
        }
        BinaryMetrics m = p.metrics();
        ModelStats stats = ModelStats.of(model);
        Map<String, Object> row = new LinkedHashMap<>(fields);
        row.put("arch", info.arch());
        row.put("model_file", modelFile.toString());
        row.put("test_images", p.scores().length);
        row.put("accuracy", num(m.accuracy()));
        row.put("precision", num(m.precision()));
        row.put("recall", num(m.recall()));
        row.put("f1", num(m.f1()));
        row.put("roc_auc", num(m.rocAuc()));
        row.put("parameters", stats.parameterCount());
        row.put("non_zero_parameters", stats.nonZeroCount());
        row.put("file_bytes", Files.size(modelFile));
        row.put("compress_seconds", round(compressSeconds));
        row.put("train_seconds", round(trainSeconds));
        row.put("total_seconds", round(compressSeconds + trainSeconds));
        row.put("cpu_ms_per_image", round(cpuMsPerImage(model, info.inputSize())));
        EvalReport.writeJson(json, row);
        System.out.printf("%s: accuracy %.4f, F1 %.4f, AUC %.4f; %,d parameters (%,d non-zero); file %,d bytes; %.1f s; %.1f ms/image on CPU%nwrote %s and %s%n",
                fields.getOrDefault("method", "model"), m.accuracy(), m.f1(), m.rocAuc(), stats.parameterCount(), stats.nonZeroCount(),
                Files.size(modelFile), compressSeconds + trainSeconds, (double) row.get("cpu_ms_per_image"), modelFile, json);
        return row;
    }

    /** Median of 7 timed batch-1 forwards (after 2 warm-ups), in milliseconds. */
    static double cpuMsPerImage(ZooNet model, int size) {
        model.eval();
        Tensor x = TensorScope.unscoped(() -> Tensor.uniform(new Random(7), -1f, 1f, 1, 3, size, size));
        double[] t = new double[7];
        try (GradMode g = GradMode.off()) {
            for (int i = -2; i < t.length; i++) {
                long t0 = System.nanoTime();
                try (TensorScope s = TensorScope.open()) {
                    model.forward(x).toFloatArray();
                }
                if (i >= 0) t[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }

    private static Object num(double v) { return Double.isNaN(v) ? null : v; }

    static double round(double v) { return Math.round(v * 1000) / 1000.0; }

    /** Seconds since {@code t0} (a System.nanoTime()). */
    static double since(long t0) { return (System.nanoTime() - t0) / 1e9; }

    /** The base model's file name for the provenance. */
    static Map<String, Object> provenance(ModelInfo base, Path baseFile) {
        Map<String, Object> p = new LinkedHashMap<>(base.provenance());
        p.put("compressed_from", baseFile.toAbsolutePath().toString());
        p.put("saved", java.time.Instant.now().toString());
        return p;
    }
}
