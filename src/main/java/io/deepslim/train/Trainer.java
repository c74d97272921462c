package io.deepslim.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.data.Batch;
import io.deepslim.data.BatchTensors;
import io.deepslim.data.DataLoader;
import io.deepslim.eval.BinaryMetrics;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Module;
import io.deepslim.ops.Ops;
import io.deepslim.optim.Adam;
import io.deepslim.optim.LrSchedule;
import io.deepslim.optim.Optimizer;
import io.deepslim.optim.SGD;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import io.deepslim.workflow.JobListener;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Supervised training with validation every epoch, early stopping on validation accuracy, an
 * atomic checkpoint after every epoch ({@code checkpoint.safetensors}), the best model
 * ({@code model.safetensors}), a JSONL log ({@code train.jsonl}) and {@code --resume}.
 * Runs are deterministic for a seed: data order, augmentation and dropout masks all derive
 * from (seed, epoch, step), so a resumed run continues exactly as an uninterrupted one.
 */
public final class Trainer {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a finished run reports. */
    public record Result(int epochsRun, int bestEpoch, double bestValAccuracy, double seconds, Path modelFile,
                         List<Map<String, Object>> history) {}

    /** Extra per-step loss term (e.g. distillation); null for plain cross-entropy. */
    @FunctionalInterface
    public interface StepLoss {
        Tensor loss(Module model, Tensor x, int[] y);
    }

    private final TrainConfig cfg;
    private final Path outDir;
    private final Map<String, Object> runFingerprint;
    private StepLoss stepLoss;
    private JobListener listener = JobListener.SILENT;

    /**
     * @param runFingerprint what identifies this run besides the config (architecture, input
     *                       size, data) — a checkpoint from a run that differs is refused
     */
    public Trainer(TrainConfig cfg, Path outDir, Map<String, Object> runFingerprint) {
        this.cfg = cfg;
        this.outDir = outDir;
        this.runFingerprint = new LinkedHashMap<>(runFingerprint);
        this.runFingerprint.putAll(cfg.fingerprint());
    }

    /** Replaces the cross-entropy loss (the model is in training mode when it is called). */
    public Trainer withLoss(StepLoss loss) {
        this.stepLoss = loss;
        return this;
    }

    /** Where epoch lines, resume notes and per-epoch progress go (default: nowhere). */
    public Trainer withListener(JobListener listener) {
        this.listener = listener == null ? JobListener.SILENT : listener;
        return this;
    }

    public Path checkpointFile() { return outDir.resolve("checkpoint.safetensors"); }

    public Path modelFile() { return outDir.resolve("model.safetensors"); }

    /** Builds the optimizer the config names over the trainable parameters. */
    public static Optimizer optimizer(TrainConfig c, List<Tensor> params) {
        switch (c.optimizer()) {
            case "sgd": return new SGD(params, c.lr(), c.momentum(), c.weightDecay(), false);
            case "adamw": return new Adam(params, c.lr(), 0.9f, 0.999f, 1e-8f, c.weightDecay(), true);
            default: return new Adam(params, c.lr(), 0.9f, 0.999f, 1e-8f, c.weightDecay(), false);
        }
    }

    static LrSchedule schedule(TrainConfig c) {
        switch (c.schedule()) {
            case "step": return LrSchedule.step(c.lr(), Math.max(1, c.epochs() / 3), 0.1f);
            case "cosine": return LrSchedule.cosine(c.lr(), c.epochs(), c.lr() * 0.01f);
            default: return LrSchedule.constant(c.lr());
        }
    }

    /**
     * Trains {@code model} on {@code train}, validating on {@code val}. With {@code resume} and a
     * checkpoint in the output folder, continues from it after checking it belongs to this run.
     */
    public Result fit(Module model, ModelInfo info, DataLoader train, DataLoader val, boolean resume) throws IOException {
        Files.createDirectories(outDir);
        Optimizer opt = optimizer(cfg, model.trainableParameters());
        LrSchedule sched = schedule(cfg);
        int startEpoch = 0, bestEpoch = -1, badEpochs = 0;
        double bestAcc = -1, elapsed = 0;
        List<Map<String, Object>> history = new ArrayList<>();
        Path ckpt = checkpointFile();
        if (resume && Files.exists(ckpt)) {
            Checkpoint.State st = Checkpoint.readState(ckpt); // every field checked: a damaged file is one clear line
            checkFingerprint(st.fingerprint());
            Checkpoint.restore(ckpt, model, opt);
            startEpoch = st.epoch() + 1;
            bestEpoch = st.bestEpoch();
            bestAcc = st.bestAcc();
            badEpochs = st.badEpochs();
            elapsed = st.seconds();
            opt.setSteps(st.optimizerSteps());
            history.addAll(st.history());
            // a crash between the log append and the checkpoint save leaves rows the checkpoint does not
            // know: the checkpoint's history is the truth, so the log is rewritten from it
            rewriteLog(history);
            listener.log(String.format("resuming from %s after epoch %d", ckpt, startEpoch));
        } else {
            if (resume) listener.log(String.format("no checkpoint in %s: starting fresh", outDir));
            Files.deleteIfExists(ckpt);
            Files.deleteIfExists(outDir.resolve("train.jsonl"));
        }
        boolean stopped = badEpochs >= cfg.patience() && cfg.patience() > 0;
        for (int epoch = startEpoch; epoch < cfg.epochs() && !stopped; epoch++) {
            long t0 = System.nanoTime();
            sched.apply(opt, epoch);
            double[] trainStats = trainEpoch(model, opt, train, epoch);
            Predictions p = Evaluator.predict(model, val, null);
            BinaryMetrics m = p.metrics();
            double secs = (System.nanoTime() - t0) / 1e9;
            elapsed += secs;
            boolean improved = m.accuracy() > bestAcc;
            if (improved) {
                bestAcc = m.accuracy();
                bestEpoch = epoch;
                badEpochs = 0;
                ModelFile.save(model, info.withProvenance(provenance(info, epoch, elapsed)), modelFile());
            } else {
                badEpochs++;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("epoch", epoch + 1);
            row.put("lr", opt.lr());
            row.put("train_loss", trainStats[0]);
            row.put("train_acc", trainStats[1]);
            row.put("images_per_s", trainStats[2]);
            row.put("val_loss", p.meanLoss());
            row.put("val_acc", m.accuracy());
            row.put("val_auc", m.rocAuc());
            row.put("seconds", secs);
            history.add(row);
            Files.writeString(outDir.resolve("train.jsonl"), JSON.writeValueAsString(row) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            listener.log(String.format("epoch %d/%d  train loss %.4f acc %.4f  val loss %.4f acc %.4f auc %.4f  %.0f img/s  %.1fs%s",
                    epoch + 1, cfg.epochs(), trainStats[0], trainStats[1], p.meanLoss(), m.accuracy(), m.rocAuc(), trainStats[2], secs,
                    improved ? "  (best, saved)" : ""));
            stopped = cfg.patience() > 0 && badEpochs >= cfg.patience();
            Map<String, Object> st = new LinkedHashMap<>();
            st.put("epoch", epoch);
            st.put("best_epoch", bestEpoch);
            st.put("best_acc", bestAcc);
            st.put("bad_epochs", badEpochs);
            st.put("seconds", elapsed);
            st.put("optimizer_steps", opt.steps());
            st.put("fingerprint", runFingerprint);
            st.put("history", history);
            Checkpoint.save(ckpt, model, opt, st);
            if (stopped) listener.log(String.format("early stopping: no improvement in %d epochs", cfg.patience()));
        }
        return new Result(history.size(), bestEpoch + 1, bestAcc, elapsed, modelFile(), history);
    }

    /** Replaces train.jsonl atomically with one line per row of {@code history}. */
    private void rewriteLog(List<Map<String, Object>> history) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> row : history) sb.append(JSON.writeValueAsString(row)).append('\n');
        Path log = outDir.resolve("train.jsonl"), tmp = Files.createTempFile(outDir, "train.jsonl", ".tmp");
        Files.writeString(tmp, sb, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, log, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, log, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void checkFingerprint(Map<String, Object> fp) throws IOException {
        Map<String, Object> now = JSON.readValue(JSON.writeValueAsString(runFingerprint), Map.class);
        for (Map.Entry<String, Object> e : now.entrySet()) {
            Object then = fp == null ? null : fp.get(e.getKey());
            if (then == null || !String.valueOf(then).equals(String.valueOf(e.getValue()))) {
                throw new IllegalArgumentException("--resume: " + checkpointFile() + " is from a different run: " + e.getKey()
                        + " was " + then + ", now " + e.getValue() + " (use a new --out folder or drop --resume)");
            }
        }
    }

    private Map<String, Object> provenance(ModelInfo info, int epoch, double seconds) {
        Map<String, Object> p = new LinkedHashMap<>(info.provenance());
        p.putAll(runFingerprint);
        p.put("epochs_trained", epoch + 1);
        p.put("train_seconds", Math.round(seconds * 10) / 10.0);
        p.put("saved", java.time.Instant.now().toString());
        return p;
    }

    /** One pass over the training data: returns mean loss, accuracy and images per second. */
    private double[] trainEpoch(Module model, Optimizer opt, DataLoader train, int epoch) {
        model.train(true);
        io.deepslim.backend.Device dev = model.device();
        long t0 = System.nanoTime();
        double lossSum = 0;
        long seen = 0, correct = 0;
        int step = 0;
        try (JobListener.Progress pb = listener.progress(String.format("epoch %d/%d", epoch + 1, cfg.epochs()), train.size(), "img")) {
            for (Batch b : train.epoch(epoch)) {
                reseedDropout(model, epoch, step++);
                try (TensorScope s = TensorScope.open()) {
                    Tensor x = BatchTensors.images(b, dev);
                    opt.zeroGrad();
                    Tensor logits = stepLoss == null ? model.forward(x) : null;
                    Tensor loss = stepLoss == null ? Ops.crossEntropy(logits, b.labels()) : stepLoss.loss(model, x, b.labels());
                    loss.backward();
                    opt.step();
                    float l = loss.item();
                    if (!Float.isFinite(l)) throw new IllegalStateException("training diverged: loss is " + l + " at epoch " + (epoch + 1) + "; lower --lr");
                    lossSum += (double) l * b.count();
                    if (logits != null) {
                        float[] am = Ops.argmax(logits).toFloatArray();
                        for (int i = 0; i < b.count(); i++) if ((int) am[i] == b.labels()[i]) correct++;
                    }
                    seen += b.count();
                }
                pb.message(String.format("loss %.4f", lossSum / seen));
                pb.step(b.count());
            }
        }
        if (seen == 0) throw Evaluator.noUsableImages("training ", train);
        double secs = (System.nanoTime() - t0) / 1e9;
        return new double[]{seen == 0 ? Double.NaN : lossSum / seen, stepLoss == null && seen > 0 ? (double) correct / seen : Double.NaN, seen / secs};
    }

    /** Dropout masks depend only on (seed, epoch, step, layer), never on how often the JVM ran before. */
    private void reseedDropout(Module model, int epoch, int step) {
        int k = 0;
        for (Module m : model.namedModules().values()) {
            if (m instanceof Layers.Dropout) {
                ((Layers.Dropout) m).reseed(io.deepslim.data.Seeds.mix(cfg.seed(), epoch * 1_000_003L + step, k++));
            }
        }
    }
}
