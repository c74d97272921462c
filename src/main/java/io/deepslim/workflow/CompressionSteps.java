package io.deepslim.workflow;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.ModelStats;
import io.deepslim.data.BatchTensors;
import io.deepslim.data.DataLoader;
import io.deepslim.data.LoaderConfig;
import io.deepslim.data.Sample;
import io.deepslim.data.SkipLog;
import io.deepslim.data.TransformConfig;
import io.deepslim.eval.BinaryMetrics;
import io.deepslim.eval.EvalReport;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.nn.Module;
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
 * What every compression job shares: the dataset, fine-tuning through {@link Trainer} (its
 * best-validation model is kept), calibration batches, and the {@link ResultRow}: test-split
 * metrics, parameter and non-zero counts, file bytes, time to compress/train, CPU time per image.
 */
public final class CompressionSteps {
    private final DataSpec spec;
    private final TuneConfig tune;
    private final Path out;
    private final JobListener listener;
    private final io.deepslim.backend.Device device;

    /** Builds the dataset (validating the folder and generators) before any work; {@code out} is the model file to write. */
    public CompressionSteps(DataConfig data, TuneConfig tune, Path out, JobListener listener) {
        Inputs.requireWritableFile("--out", out);
        this.device = io.deepslim.engine.Devices.forUser(tune.device());   // a GPU that is not usable stops the job here
        this.spec = data.spec(tune.seed());
        this.tune = tune;
        this.out = out.toAbsolutePath();
        this.listener = listener;
    }

    /** A model after training and the seconds it took. */
    public record Trained(Module model, double seconds) {}

    /** The training samples, at most {@link TuneConfig#trainLimit()} of them. */
    List<Sample> trainSamples() {
        List<Sample> train = spec.trainVal().get(0);
        if (tune.trainLimit() == 0 || tune.trainLimit() >= train.size()) return train;
        List<Sample> s = new ArrayList<>(train);
        Collections.shuffle(s, new Random(tune.seed()));
        return s.subList(0, tune.trainLimit());
    }

    /**
     * Trains {@code model} for {@code epochs} (Adam, cosine, no early stopping) in the folder
     * {@code <out>.train/} on {@link #device()} and returns the best-validation model read back from its
     * file (on the CPU), which also proves the compressed form round-trips.
     */
    /** Where {@link #train} runs (TuneConfig's device); a loss's own models (a teacher) must be moved there by its job. */
    public io.deepslim.backend.Device device() { return device; }

    public Trained train(Module model, ModelInfo info, int epochs, float defaultLr, Trainer.StepLoss loss) throws IOException {
        model.to(device);   // the trainer copies each batch to the model's device
        TrainConfig cfg = new TrainConfig(epochs, tune.batch(), "adam", tune.lr(defaultLr), 0.9f, 0f, "cosine", 0, tune.seed());
        Path dir = out.resolveSibling(out.getFileName() + ".train");
        Map<String, Object> fp = new LinkedHashMap<>();
        fp.put("arch", info.arch());
        fp.put("input_size", info.inputSize());
        fp.putAll(spec.fingerprint());
        fp.put("train_limit", tune.trainLimit());
        Trainer trainer = new Trainer(cfg, dir, fp).withListener(listener);
        if (loss != null) trainer.withLoss(loss);
        TransformConfig tf = TransformConfig.eval(info.inputSize()).withNormalization(info.mean(), info.std());
        SkipLog skips = new SkipLog(listener::log);
        Trainer.Result r;
        try (DataLoader train = spec.loader(trainSamples(), tf.withFlip(0.5), LoaderConfig.training(tune.batch(), tune.seed()), skips);
             DataLoader val = spec.loader(spec.trainVal().get(1), tf, LoaderConfig.evaluation(tune.batch()), skips)) {
            r = trainer.fit(model, info, train, val, false);
        }
        Files.deleteIfExists(trainer.checkpointFile());   // only needed to resume, which compression jobs do not offer
        return new Trained(ModelFile.load(r.modelFile()).network(), r.seconds());
    }

    /** A few calibration batches of training images at the model's input size. */
    public List<Tensor> calibrationBatches(ModelInfo info, int batches) throws IOException {
        List<Sample> train = spec.trainVal().get(0);
        if (batches <= 0) throw new IllegalArgumentException("--calibration-batches must be > 0, got " + batches);
        if ((long) batches * tune.batch() > train.size()) {
            throw new IllegalArgumentException("calibration wants " + batches + " batches of " + tune.batch() + " images but the training split has only "
                    + train.size() + "; lower --calibration-batches or --batch");
        }
        List<Sample> s = new ArrayList<>(train);
        Collections.shuffle(s, new Random(tune.seed()));
        TransformConfig tf = TransformConfig.eval(info.inputSize()).withNormalization(info.mean(), info.std());
        List<Tensor> batchesOut = new ArrayList<>();
        try (DataLoader l = spec.loader(s.subList(0, batches * tune.batch()), tf, LoaderConfig.evaluation(tune.batch()), new SkipLog(listener::log))) {
            for (var b : l.epoch(0)) batchesOut.add(TensorScope.unscoped(() -> BatchTensors.images(b)));
        }
        return batchesOut;
    }

    /** Saves the model to the output file, evaluates it and writes {@code <out>.json}; returns the row. */
    public ResultRow finish(Module model, ModelInfo info, Map<String, Object> settings, double compressSeconds, double trainSeconds) throws IOException {
        Files.createDirectories(out.getParent());
        ModelFile.save(model, info, out);
        return report(model, info, out, out.resolveSibling(out.getFileName() + ".json"), settings, compressSeconds, trainSeconds);
    }

    /** Evaluates {@code model} (stored in {@code modelFile}) on the test split and writes the row to {@code json}. */
    public ResultRow report(Module model, ModelInfo info, Path modelFile, Path json, Map<String, Object> settings,
                            double compressSeconds, double trainSeconds) throws IOException {
        List<Sample> test = spec.evalSamples("auto");
        TransformConfig tf = TransformConfig.eval(info.inputSize()).withNormalization(info.mean(), info.std());
        Predictions p;
        try (DataLoader l = spec.loader(test, tf, LoaderConfig.evaluation(64), new SkipLog(listener::log));
             JobListener.Progress pb = listener.progress("test " + settings.getOrDefault("method", "model"), test.size(), "img")) {
            p = Evaluator.predict(model, l, pb::step);
        }
        BinaryMetrics m = p.metrics();
        ModelStats stats = ModelStats.of(model);
        ResultRow row = new ResultRow(settings, info.arch(), modelFile, p.scores().length,
                new ResultRow.Metrics(m.accuracy(), m.precision(), m.recall(), m.f1(), m.rocAuc()),
                stats.parameterCount(), stats.nonZeroCount(), Files.size(modelFile), compressSeconds, trainSeconds,
                cpuMsPerImage(model, info.inputSize()));
        EvalReport.writeJson(json, row.toMap());
        return row;
    }

    /**
     * Batch-1 forward time of the model's fused inference graph, in milliseconds: warm-ups until at least
     * {@link #WARMUP_MS} ms and 2 runs have passed (first-call packing, weight transforms, JIT), then {@link #BLOCKS}
     * blocks of at least {@link #BLOCK_RUNS} runs and {@link #BLOCK_MS} ms each (at most {@link #MAX_RUNS}); the lowest
     * block median is reported, so a stretch of load from another job on a shared machine moves one block, not the
     * figure. With a fixed 2 + 7 runs the first cell of a demo run timed its baseline at 7.6 ms against 4.1–5.3 in later
     * cells; with one 300 ms window a dense-running 20%-kept cell read 5.1 ms against 3.3–3.6 in `deepslim bench`.
     */
    public static double cpuMsPerImage(Module model, int size) {
        model.eval();
        // timed as deployed: the fused inference graph predict, bench and Detector run (BN folded, pruned
        // convs on the sparse kernel past its break-even, heads as one native pass); a model fusion cannot
        // copy (a module of an unregistered class) is timed as it is
        Module timed;
        try {
            timed = io.deepslim.infer.InferenceFusion.fuse(model);
        } catch (IllegalArgumentException e) {
            timed = model;
        }
        return forwardMsPerImage(timed, size);
    }

    static final double WARMUP_MS = 150, BLOCK_MS = 100;
    static final int BLOCKS = 3, BLOCK_RUNS = 3, MAX_RUNS = 200;

    private static double forwardMsPerImage(Module model, int size) {
        Tensor x = TensorScope.unscoped(() -> Tensor.uniform(new Random(7), -1f, 1f, 1, 3, size, size));
        double[][] blocks = new double[BLOCKS][];
        try (GradMode g = GradMode.off()) {
            long start = System.nanoTime();
            for (int i = 0; i < 2 || (System.nanoTime() - start) / 1e6 < WARMUP_MS; i++) forwardMs(model, x);
            for (int b = 0; b < BLOCKS; b++) {
                double[] t = new double[MAX_RUNS];
                int n = 0;
                start = System.nanoTime();
                while (n < MAX_RUNS && (n < BLOCK_RUNS || (System.nanoTime() - start) / 1e6 < BLOCK_MS)) t[n++] = forwardMs(model, x);
                blocks[b] = Arrays.copyOf(t, n);
            }
        }
        return lowestBlockMedian(blocks);
    }

    /** The smallest of the blocks' medians (upper median for an even count). */
    static double lowestBlockMedian(double[][] blocks) {
        double best = Double.POSITIVE_INFINITY;
        for (double[] b : blocks) {
            double[] s = b.clone();
            Arrays.sort(s);
            best = Math.min(best, s[s.length / 2]);
        }
        return best;
    }

    private static double forwardMs(Module model, Tensor x) {
        long t0 = System.nanoTime();
        try (TensorScope s = TensorScope.open()) {
            model.forward(x).toFloatArray();
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Seconds since {@code t0} (a System.nanoTime()). */
    static double since(long t0) { return (System.nanoTime() - t0) / 1e9; }

    /** The base model's provenance plus where it was compressed from. */
    static Map<String, Object> provenance(ModelInfo base, Path baseFile) {
        Map<String, Object> p = new LinkedHashMap<>(base.provenance());
        p.put("compressed_from", baseFile.toAbsolutePath().toString());
        p.put("saved", java.time.Instant.now().toString());
        return p;
    }
}
