package io.deepslim.transfer;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.ModelStats;
import io.deepslim.compress.distill.DistillationLoss;
import io.deepslim.compress.lowrank.LowRank;
import io.deepslim.compress.lowrank.Variant;
import io.deepslim.compress.prune.Pruned;
import io.deepslim.compress.prune.Pruning;
import io.deepslim.compress.quant.Granularity;
import io.deepslim.compress.quant.Quantizer;
import io.deepslim.eval.BinaryMetrics;
import io.deepslim.eval.Metrics;
import io.deepslim.models.CaeNet;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Module;
import io.deepslim.ops.Ops;
import io.deepslim.optim.Adam;
import io.deepslim.optim.Optimizer;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves a detector trained on task A to task B (PAPER.md §1.3, §2, §3) with one of
 * {@link TransferConfig#METHODS}, as a plain library call: every input is checked before any
 * training (one IllegalArgumentException naming what is wrong), then the model is evaluated on
 * B (and A) before, adapted, evaluated after, and a {@link TransferResult} row returned.
 * The task-A model is modified in place (fine-tuning, pruning, adapters); FReTAL trains a copy.
 */
public final class Transfer {
    private Transfer() {}

    /**
     * What a run works on. {@code model}: the task-A model (null only for cae/cae-ce);
     * {@code modelClasses}: its class names; {@code student}: a student distilled on A (kd-adapter;
     * optional start for kd); {@code sourceTest}: task-A test data or null.
     */
    public record Inputs(Module model, List<String> modelClasses, ZooNet student, TaskData targetTrain, TaskData targetTest,
                         TaskData sourceTest) {}

    /** Runs {@code cfg.method()} and returns its result row and adapted model. */
    public static TransferResult run(TransferConfig cfg, Inputs in, TransferListener listener) {
        TransferListener l = listener == null ? TransferListener.NONE : listener;
        ZooNet net = validate(cfg, in);
        String m = cfg.method();
        if (m.equals("cae") || m.equals("cae-ce")) return runCae(cfg, in, l);
        l.phase("evaluate before");
        double srcBefore = in.sourceTest() == null ? Double.NaN : evaluate(net, in.sourceTest(), cfg.batch()).accuracy();
        double tgtBefore = evaluate(net, in.targetTest(), cfg.batch()).accuracy();
        Map<String, Object> extras = new LinkedHashMap<>();
        if (cfg.keep() > 0) {
            l.phase("prune");
            Pruning.l1Local(net, Pruning.amountKeeping(cfg.keep()));
            extras.put("keep", cfg.keep());
            extras.put("target_accuracy_pruned", evaluate(net, in.targetTest(), cfg.batch()).accuracy());
        }
        Module result;
        double[] fit;
        switch (m) {
            case "finetune", "prune-finetune", "quant-finetune", "lowrank-finetune" -> {
                cfg.trainLayers().apply(net);
                extras.put("train_layers", cfg.trainLayers().spec());
                fit = fit(net, (x, y) -> Ops.crossEntropy(net.forward(x), y), in.targetTrain(), cfg, l);
                result = net;
                if (m.equals("quant-finetune")) {
                    l.phase("quantize");
                    extras.put("quantized_layers", Quantizer.dynamicLinear(net, Granularity.PER_TENSOR));
                } else if (m.equals("lowrank-finetune")) {
                    l.phase("factorize");
                    String path = LowRank.largestLinear(net);
                    LowRank.factorize(net, path, cfg.rank(), Variant.CORRECT);
                    extras.put("factorized", path);
                    extras.put("rank", cfg.rank());
                }
            }
            case "adapter", "prune-adapter" -> {
                String name = Adapters.insert(net, cfg.adapterAfter(), cfg.seed());
                freezeAllBut(net, name, cfg.adapterTrainsHead());
                extras.put("adapter", name);
                fit = fit(net, (x, y) -> Ops.crossEntropy(net.forward(x), y), in.targetTrain(), cfg, l);
                result = net;
            }
            case "kd", "kd-adapter" -> {
                ZooNet student = in.student() != null ? in.student()
                        : Zoo.create(cfg.studentArch(), net.inputSize(), net.numClasses(), cfg.seed());
                if (m.equals("kd-adapter")) {
                    String name = Adapters.insert(student, cfg.adapterAfter(), cfg.seed());
                    freezeAllBut(student, name, cfg.adapterTrainsHead());
                    extras.put("adapter", name);
                } else {
                    student.setTrainable(".*", true);
                }
                extras.put("student", student.arch());
                DistillationLoss kd = new DistillationLoss(cfg.kdTemperature(), cfg.kdWeight());
                net.setTrainable(".*", false);
                fit = fit(student, net, (x, y) -> kd.loss(student.forward(x), teacherLogits(net, x), y), in.targetTrain(), cfg, l);
                result = student;
            }
            case "fretal" -> {
                ZooNet student = Models.copy(net);
                student.setTrainable(".*", true);
                net.setTrainable(".*", false);
                l.phase("teacher targets");
                Fretal.Targets t = Fretal.teacherTargets(net, in.targetTrain(), cfg.batch());
                extras.put("fretal_bins_filled", t.filled());
                fit = fit(student, net, (x, y) -> Fretal.loss(student, net, x, y, t), in.targetTrain(), cfg, l);
                result = student;
            }
            default -> throw new IllegalStateException("unhandled method " + m);
        }
        l.phase("evaluate after");
        BinaryMetrics after = evaluate(result, in.targetTest(), cfg.batch());
        double srcAfter = in.sourceTest() == null ? Double.NaN : evaluate(result, in.sourceTest(), cfg.batch()).accuracy();
        ModelStats st = ModelStats.of(result);
        return new TransferResult(m, ((ZooNet) result).arch(), tgtBefore, after.accuracy(), after.f1(), after.rocAuc(), srcBefore, srcAfter,
                (long) fit[2], st.parameterCount(), st.nonZeroCount(), fit[0], fit[1], extras, result);
    }

    /** Every check that needs no training; returns the task-A model as a ZooNet (null for cae). */
    static ZooNet validate(TransferConfig cfg, Inputs in) {
        if (in.targetTrain() == null || in.targetTest() == null) throw new IllegalArgumentException("transfer: task-B training and test data are required");
        if (in.targetTrain().count() == 0 || in.targetTest().count() == 0) throw new IllegalArgumentException("transfer: task-B data is empty");
        String m = cfg.method();
        if (m.equals("cae") || m.equals("cae-ce")) {
            checkSize("the task-B training data", in.targetTrain().size(), in.targetTest(), in.sourceTest());
            return null;
        }
        if (in.model() == null) throw new IllegalArgumentException("--model: method " + m + " needs the task-A model");
        if (!(in.model() instanceof ZooNet net)) {
            String what = m.equals("fretal") ? "FReTAL needs a model with a convolutional feature layer (a zoo detector); "
                    : "method " + m + " needs a zoo detector (layer1.. blocks and fc heads); ";
            throw new IllegalArgumentException(what + "got a " + in.model().getClass().getSimpleName());
        }
        checkSize("--model", net.inputSize(), in.targetTrain(), in.targetTest(), in.sourceTest());
        List<String> classes = in.modelClasses();
        if (classes != null && !classes.equals(in.targetTrain().classNames())) {
            if (!cfg.newClasses() || classes.size() != in.targetTrain().classNames().size()) {
                throw new IllegalArgumentException("task-B data has classes " + in.targetTrain().classNames() + " but the model was trained on " + classes
                        + (cfg.newClasses() ? " (class counts differ)" : "; pass --new-classes to map them in order (e.g. dogs/cats → real/fake)"));
            }
        }
        if (!in.targetTrain().classNames().equals(in.targetTest().classNames())) {
            throw new IllegalArgumentException("task-B training classes " + in.targetTrain().classNames() + " differ from its test classes " + in.targetTest().classNames());
        }
        boolean pruned = net.namedModules().values().stream().anyMatch(x -> x instanceof Pruned);
        if ((m.equals("prune-finetune") || m.equals("prune-adapter")) && cfg.keep() == 0 && !pruned) {
            throw new IllegalArgumentException("method " + m + " needs --keep (fraction of weights to keep) or an already pruned model");
        }
        if (m.equals("adapter") || m.equals("prune-adapter")) checkPosition(net, cfg.adapterAfter());
        if (m.startsWith("kd")) {
            if (m.equals("kd-adapter") && in.student() == null) {
                throw new IllegalArgumentException("kd-adapter needs --student-model: a student distilled from the task-A model (deepslim distill)");
            }
            if (in.student() != null) {
                if (in.student().inputSize() != net.inputSize()) {
                    throw new IllegalArgumentException("--student-model takes " + in.student().inputSize() + " px input but the teacher (--model) takes "
                            + net.inputSize() + " px; they must match");
                }
                if (in.student().numClasses() != net.numClasses()) {
                    throw new IllegalArgumentException("--student-model has " + in.student().numClasses() + " classes, the teacher " + net.numClasses());
                }
                if (m.equals("kd-adapter")) checkPosition(in.student(), cfg.adapterAfter());
            } else if (!Zoo.NAMES.contains(cfg.studentArch())) {
                throw new IllegalArgumentException("--student: unknown architecture '" + cfg.studentArch() + "'; known: " + Zoo.NAMES);
            }
        }
        if (m.equals("fretal") && net.featureNames().isEmpty()) {
            throw new IllegalArgumentException("FReTAL needs a model with a convolutional feature layer; " + net.arch() + " has none");
        }
        if (!m.startsWith("kd") && !m.equals("fretal") && !m.contains("adapter")) {
            String re = cfg.trainLayers().regex(net);
            if (net.namedParameters().keySet().stream().noneMatch(k -> k.matches(re))) {
                throw new IllegalArgumentException("--train-layers '" + cfg.trainLayers().spec() + "' matches no parameter of " + net.arch()
                        + "; names look like " + net.namedParameters().keySet().stream().limit(3).toList());
            }
        }
        return net;
    }

    private static void checkPosition(ZooNet net, String after) {
        if (after != null && !after.isEmpty() && !net.featureNames().contains(after)) {
            throw new IllegalArgumentException("--adapter-after: no convolutional block '" + after + "' in " + net.arch() + "; blocks: " + net.featureNames());
        }
    }

    private static void checkSize(String what, int size, TaskData... data) {
        for (TaskData d : data) {
            if (d != null && size > 0 && d.size() != size) {
                throw new IllegalArgumentException(d.name() + ": images are " + d.size() + " px but " + what + " expects " + size + " px");
            }
        }
    }

    private static Tensor teacherLogits(ZooNet teacher, Tensor x) {
        teacher.eval();
        try (GradMode g = GradMode.off()) {
            return teacher.forward(x);
        }
    }

    /** Freezes everything but the adapter {@code name} (and the classifier heads when asked). */
    static void freezeAllBut(ZooNet net, String name, boolean heads) {
        net.setTrainable(".*", false);
        net.setTrainable(java.util.regex.Pattern.quote(name) + "\\..*", true);
        if (heads) net.setTrainable("(" + String.join("|", net.headNames()) + ")\\..*", true);
    }

    private static TransferResult runCae(TransferConfig cfg, Inputs in, TransferListener l) {
        CaeNet net = new CaeNet(in.targetTrain().size(), cfg.caeWidth(), cfg.caeDepth(), 64, in.targetTrain().classNames().size(), cfg.seed());
        float lambda = cfg.method().equals("cae") ? cfg.caeLambda() : 0f;
        double[] fit = fit(net, (x, y) -> CaeNet.loss(net.both(x, lambda != 0f), x, y, lambda), in.targetTrain(), cfg, l);
        l.phase("evaluate after");
        BinaryMetrics after = evaluate(net, in.targetTest(), cfg.batch());
        double cross = in.sourceTest() == null ? Double.NaN : evaluate(net, in.sourceTest(), cfg.batch()).accuracy();
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put("lambda", lambda);
        ModelStats st = ModelStats.of(net);
        return new TransferResult(cfg.method(), CaeNet.ARCH, Double.NaN, after.accuracy(), after.f1(), after.rocAuc(), Double.NaN, cross,
                (long) fit[2], st.parameterCount(), st.nonZeroCount(), fit[0], fit[1], extras, net);
    }

    /** A loss for one batch of images x (N, 3, S, S) and labels y. */
    @FunctionalInterface
    public interface BatchLoss {
        Tensor loss(Tensor x, int[] y);
    }

    /**
     * Adam (cosine-free, constant lr) over the trainable parameters of {@code model} for
     * {@code cfg.epochs()} epochs; returns {seconds, images/s, trainable scalar count}.
     */
    static double[] fit(Module model, BatchLoss loss, TaskData data, TransferConfig cfg, TransferListener listener) {
        return fit(model, null, loss, data, cfg, listener);
    }

    /**
     * {@link #fit(Module, BatchLoss, TaskData, TransferConfig, TransferListener)} on {@code cfg.device()}:
     * the model and the loss's {@code teacher} (nullable) move there for the epochs and back to the CPU
     * after, so pruning, quantization, factorization, evaluation and saving stay on the CPU.
     */
    static double[] fit(Module model, Module teacher, BatchLoss loss, TaskData data, TransferConfig cfg, TransferListener listener) {
        io.deepslim.backend.Device dev = io.deepslim.engine.Devices.forUser(cfg.device());
        if (dev.isHost() && model.device() == dev) return fitHere(model, loss, data, cfg, listener, dev);
        io.deepslim.backend.Device home = model.device();
        model.to(dev);
        if (teacher != null) teacher.to(dev);
        try {
            return fitHere(model, loss, data, cfg, listener, dev);
        } finally {
            model.to(home);
            if (teacher != null) teacher.to(home);
        }
    }

    private static double[] fitHere(Module model, BatchLoss loss, TaskData data, TransferConfig cfg, TransferListener listener,
                                    io.deepslim.backend.Device dev) {
        TransferListener l = listener == null ? TransferListener.NONE : listener;
        List<Tensor> params = model.trainableParameters();
        long trainable = Freezing.trainableCount(model);
        if (params.isEmpty()) throw new IllegalStateException("nothing to train: every parameter is frozen");
        Optimizer opt = new Adam(params, cfg.lr(), 0.9f, 0.999f, 1e-8f, 0f, false);
        long t0 = System.nanoTime(), images = 0;
        for (int e = 0; e < cfg.epochs(); e++) {
            l.phase("train epoch " + (e + 1) + "/" + cfg.epochs());
            setTrainingMode(model, cfg.bnStats());
            long te = System.nanoTime();
            double sum = 0;
            int n = 0;
            for (int[] idx : data.batches(cfg.batch(), cfg.seed() * 1_000_003L + e)) {
                try (TensorScope s = TensorScope.open()) {
                    Tensor x = data.images(idx, dev);
                    int[] y = data.labels(idx);
                    opt.zeroGrad();
                    Tensor lv = loss.loss(x, y);
                    lv.backward();
                    opt.step();
                    float v = lv.item();
                    if (!Float.isFinite(v)) throw new IllegalStateException("transfer training diverged: loss is " + v + "; lower --lr");
                    sum += (double) v * idx.length;
                    n += idx.length;
                }
            }
            images += n;
            l.epoch("train", e + 1, cfg.epochs(), sum / Math.max(1, n), n / ((System.nanoTime() - te) / 1e9));
        }
        model.eval();
        double secs = (System.nanoTime() - t0) / 1e9;
        return new double[]{secs, images / secs, trainable};
    }

    /** Training mode, except BatchNorm layers whose statistics the policy keeps (they run in eval mode). */
    static void setTrainingMode(Module model, String bnStats) {
        model.train(true);
        for (Module m : model.namedModules().values()) {
            if (!(m instanceof BatchNorm2d)) continue;
            boolean update = switch (bnStats) {
                case "update" -> true;
                case "frozen" -> false;
                default -> m.namedParameters().get("weight").requiresGrad();
            };
            if (!update) m.train(false);
        }
    }

    /** Metrics of {@code model} on {@code data} (eval mode, no gradients); class 1 is positive. */
    public static BinaryMetrics evaluate(Module model, TaskData data, int batch) {
        boolean was = model.isTraining();
        model.eval();
        float[] scores = new float[data.count()];
        int k = 0;
        try (GradMode g = GradMode.off()) {
            for (int[] idx : data.batches(Math.max(batch, 64), null)) {
                try (TensorScope s = TensorScope.open()) {
                    Tensor logits = model.forward(data.images(idx));
                    float[] p = Ops.softmax(logits, 1).toFloatArray();
                    int c = logits.size(1);
                    for (int i = 0; i < idx.length; i++) scores[k++] = p[i * c + 1];
                }
            }
        } finally {
            model.train(was);
        }
        return Metrics.compute(scores, data.labels(), 0.5);
    }
}
