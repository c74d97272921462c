package io.deepslim.experiment;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.ModelStats;
import io.deepslim.data.DataLoader;
import io.deepslim.data.LoaderConfig;
import io.deepslim.data.Sample;
import io.deepslim.data.SkipLog;
import io.deepslim.data.TransformConfig;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Module;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import io.deepslim.train.DataSpec;
import io.deepslim.train.Predictions;
import io.deepslim.transfer.TaskData;
import io.deepslim.transfer.Transfer;
import io.deepslim.transfer.TransferConfig;
import io.deepslim.transfer.TransferListener;
import io.deepslim.transfer.TransferResult;
import io.deepslim.workflow.CompressionSteps;
import io.deepslim.workflow.DistillJob;
import io.deepslim.workflow.EvaluateJob;
import io.deepslim.workflow.JobListener;
import io.deepslim.workflow.TuneConfig;

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
 * Transfer cells (task A = the base model's training data → task B = the cell's target) through the
 * transfer library: source (no transfer), finetune, prune-finetune and prune-adapter at the level,
 * kd into the student of that size, kd-adapter (a student first distilled on task A), fretal. Task-B
 * images are read into memory (at most {@code train_limit} for training).
 */
final class TransferCells {
    private final CellRunner cells;
    private final Spec.Training training;

    /** Always true once the transfer library is in the build (kept so specs and reports treat it uniformly). */
    static boolean available() { return true; }

    static final String UNAVAILABLE = "transfer methods are not available in this build";

    /** The model written, its size/speed and its evaluation on the target's test split. */
    record Outcome(Path modelFile, CellRunner.Stats stats, EvaluateJob.Result evaluation) {}

    TransferCells(CellRunner cells, Spec.Training training) {
        this.cells = cells;
        this.training = training;
    }

    Outcome run(Plan.Cell c, Path base, Path dir, JobListener log) throws IOException {
        Spec spec = cells.spec();
        ModelFile.Loaded a = ModelFile.load(base);
        ModelInfo info = a.info();
        TransformConfig tf = TransformConfig.eval(info.inputSize()).withNormalization(info.mean(), info.std());
        DataSpec target = cells.data(c.target()).spec(c.cellSeed());
        DataSpec test = cells.data(c.evaluate(spec)).spec(c.cellSeed());
        TaskData train = read("task B train", target, limit(target.trainVal().get(0), training.trainLimit(), c.cellSeed()), tf, log);
        TaskData eval = read("task B test", test, test.evalSamples("auto"), tf, log);
        String m = c.method().name();
        Module model;
        double trainSeconds = 0;
        Map<String, Object> extra = new LinkedHashMap<>();
        if (m.equals("source")) {
            model = a.model();
        } else {
            boolean kd = m.startsWith("kd");
            TransferConfig cfg = TransferConfig.defaults(m).withEpochs(kd ? training.distillEpochs() : training.finetuneEpochs())
                    .withBatch(training.batch()).withLr(cells.lr()).withNewClasses(!train.classNames().equals(info.classNames()));
            cfg = new TransferConfig(cfg.method(), cfg.epochs(), cfg.batch(), cfg.lr(), c.cellSeed(), cfg.trainLayers(), cfg.bnStats(),
                    m.startsWith("prune") ? c.level() / 100.0 : 0, cfg.adapterAfter(), cfg.adapterTrainsHead(), cfg.kdWeight(), cfg.kdTemperature(),
                    kd ? "student" + c.level() : cfg.studentArch(), cfg.rank(), cfg.caeLambda(), cfg.caeWidth(), cfg.caeDepth(), cfg.newClasses(),
                    cells.device);
            ZooNet student = null;
            if (m.equals("kd-adapter")) {   // the student distilled on task A first (an ordinary KD job on the base model's data)
                Path s = dir.resolve("student-on-a.safetensors");
                log.log("kd-adapter: distilling student" + c.level() + " on task A first");
                new DistillJob(base, "student" + c.level(), 2f, 0.5f, training.distillEpochs(), s, cells.data(c.data(spec)),
                        new TuneConfig(training.batch(), cells.lr(), training.trainLimit(), c.cellSeed(), cells.device)).run(log);
                student = ModelFile.load(s).model();
            }
            TransferListener tl = new TransferListener() {
                @Override public void phase(String name) { log.log(m + ": " + name); }

                @Override public void epoch(String phase, int epoch, int epochs, double loss, double ips) {
                    log.log(String.format("%s epoch %d/%d  loss %.4f  %.0f img/s", phase, epoch, epochs, loss, ips));
                }
            };
            TransferResult r = Transfer.run(cfg, new Transfer.Inputs(a.model(), info.classNames(), student, train, eval, null), tl);
            model = r.model();
            trainSeconds = r.trainSeconds();
            extra.putAll(r.row());
        }
        ZooNet net = (ZooNet) model;
        Path file = dir.resolve("model.safetensors");
        ModelInfo outInfo = new ModelInfo(net.arch(), net.inputSize(), train.classNames(), info.mean(), info.std(), info.provenance(), info.compression());
        ModelFile.save(net, outInfo, file);   // adapters included: the model file describes the network
        ModelStats st = ModelStats.of(net);
        Predictions p = predict(net, eval, Plan.label(c.evaluate(spec)));
        log.log(String.format("%s on %s: accuracy %.4f", m, Plan.label(c.evaluate(spec)), p.metrics().accuracy()));
        return new Outcome(file, new CellRunner.Stats(st.parameterCount(), st.nonZeroCount(), CompressionSteps.cpuMsPerImage(net, net.inputSize()), 0,
                trainSeconds), new EvaluateJob.Result(outInfo, p, p.metrics(), p.perGenerator(), "", 0));
    }

    private static List<Sample> limit(List<Sample> s, int n, long seed) {
        if (n == 0 || n >= s.size()) return s;
        List<Sample> c = new ArrayList<>(s);
        Collections.shuffle(c, new Random(seed));
        return c.subList(0, n);
    }

    private static TaskData read(String name, DataSpec spec, List<Sample> samples, TransformConfig tf, JobListener log) throws IOException {
        try (DataLoader l = spec.loader(samples, tf, LoaderConfig.evaluation(64), new SkipLog(log::log))) {
            return TaskData.fromLoader(name, l, spec.dataset().classNames());
        }
    }

    /** P(class 1) for every image, as Predictions grouped under one generator name. */
    private static Predictions predict(ZooNet model, TaskData data, String group) {
        model.eval();
        int n = data.count();
        float[] scores = new float[n];
        try (GradMode g = GradMode.off()) {
            for (int from = 0; from < n; from += 64) {
                int[] idx = new int[Math.min(64, n - from)];
                for (int i = 0; i < idx.length; i++) idx[i] = from + i;
                try (TensorScope s = TensorScope.open()) {
                    Tensor logits = model.forward(data.images(idx));
                    float[] pr = Ops.softmax(logits, 1).toFloatArray();
                    int k = logits.size(1);
                    for (int i = 0; i < idx.length; i++) scores[from + i] = pr[i * k + 1];
                }
            }
        }
        String[] groups = new String[n], sources = new String[n];
        Arrays.fill(groups, group);
        for (int i = 0; i < n; i++) sources[i] = String.valueOf(i);
        return new Predictions(scores, data.labels().clone(), groups, sources, Double.NaN);
    }
}
