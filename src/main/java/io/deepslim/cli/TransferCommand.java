package io.deepslim.cli;

import io.deepslim.data.DataLoader;
import io.deepslim.data.LoaderConfig;
import io.deepslim.data.Sample;
import io.deepslim.data.SkipLog;
import io.deepslim.data.TransformConfig;
import io.deepslim.eval.EvalReport;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.CaeNet;
import io.deepslim.models.ZooNet;
import io.deepslim.train.DataSpec;
import io.deepslim.transfer.Freezing;
import io.deepslim.transfer.TaskData;
import io.deepslim.transfer.Transfer;
import io.deepslim.transfer.TransferConfig;
import io.deepslim.transfer.TransferListener;
import io.deepslim.transfer.TransferResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/** `deepslim transfer`: moves a task-A detector to task B with one transfer-learning method (io.deepslim.transfer). */
@Command(name = "transfer", header = "Adapts a model trained on task A to task B and reports accuracy on both, before and after.", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Adapts a model trained on task A to task B (--data/--generators) and reports accuracy on B before and",
                "after, accuracy on A before and after (forgetting; give --source-generators), trainable parameters, time, images/s.",
                "Methods: finetune (--train-layers), prune-finetune and prune-adapter (--keep, or an already pruned model; the",
                "mask is kept), adapter (residual depthwise+pointwise adapter after --adapter-after, only it trains), kd (task-A",
                "model teaches a fresh --student on B, labels weighted up), kd-adapter (adapter on a --student-model distilled on",
                "A, trained with the KD loss), quant-finetune / lowrank-finetune (fine-tune, then int8 linears / SVD of the largest",
                "linear), fretal (source-free: CE + KD T=20 + confidence-binned feature loss), cae / cae-ce (two-branch",
                "autoencoder trained on --generators, λ = --lambda or 0; --source-generators then give the cross-family accuracy).",
                "Writes --out (a model file, CAE models too; evaluate, predict, info read it) and --out.json (the result row). Data are read into memory: use --train-limit.", "",
                "Example:",
                "  deepslim transfer --method adapter --model runs/vgg-tconv/model.safetensors --data data/synth \\",
                "      --generators vae8 --source-generators tconv --epochs 3 --out runs/vgg-vae8-adapter.safetensors"})
public final class TransferCommand implements Callable<Integer> {
    @Option(names = "--method", required = true, paramLabel = "M", description = "One of ${COMPLETION-CANDIDATES}.", completionCandidates = Methods.class)
    String method;

    @Option(names = "--model", paramLabel = "FILE", description = "Task-A model file (all methods but cae/cae-ce).")
    Path model;

    @Mixin DataOptions data;

    @Option(names = "--source-generators", split = ",", paramLabel = "G", description = "Task-A generators in --source-data (for forgetting).")
    List<String> sourceGenerators;

    @Option(names = "--source-data", paramLabel = "DIR", description = "Task-A dataset folder. Default: --data.")
    Path sourceData;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Model file to write; the result row goes to FILE.json.")
    Path out;

    @Option(names = "--epochs", defaultValue = "3", paramLabel = "N", description = "Training epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--lr", defaultValue = "0.001", paramLabel = "LR", description = "Adam learning rate (constant). Default: ${DEFAULT-VALUE}.")
    float lr;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of data order and new layers. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--train-limit", defaultValue = "0", paramLabel = "N", description = "Use at most N task-B training images (0 = all).")
    int trainLimit;

    @Option(names = "--test-limit", defaultValue = "0", paramLabel = "N", description = "Evaluate on at most N images per test set (0 = all).")
    int testLimit;

    @Option(names = "--train-layers", defaultValue = "last-conv-first-linear", paramLabel = "P",
            description = "Fine-tuning: all, head, last-conv-first-linear (paper §4.5) or regex:<pattern>. Default: ${DEFAULT-VALUE}.")
    String trainLayers;

    @Option(names = "--bn-stats", defaultValue = "auto", paramLabel = "S",
            description = "BatchNorm running statistics: auto (updated only in layers that train), frozen, update. Default: ${DEFAULT-VALUE}.")
    String bnStats;

    @Option(names = "--keep", defaultValue = "0", paramLabel = "F", description = "Prune to this fraction of weights first (L1 local; 0 = no).")
    double keep;

    @Option(names = "--adapter-after", paramLabel = "BLOCK", description = "Block the adapter follows. Default: layer4 for vgg45m, the last block otherwise.")
    String adapterAfter;

    @Option(names = "--adapter-head", description = "Train the classifier heads together with the adapter.")
    boolean adapterHead;

    @Option(names = "--student", defaultValue = "student10", paramLabel = "ARCH", description = "kd: fresh student architecture. Default: ${DEFAULT-VALUE}.")
    String student;

    @Option(names = "--student-model", paramLabel = "FILE", description = "kd-adapter (and optionally kd): a student distilled on task A.")
    Path studentModel;

    @Option(names = "--kd-weight", defaultValue = "0.2", paramLabel = "W", description = "Teacher share w of the KD loss (labels get 1 − w). Default: ${DEFAULT-VALUE}.")
    float kdWeight;

    @Option(names = "--kd-temperature", defaultValue = "2", paramLabel = "T", description = "KD temperature. Default: ${DEFAULT-VALUE}.")
    float kdTemperature;

    @Option(names = "--rank", defaultValue = "6", paramLabel = "K", description = "lowrank-finetune rank (paper: 6). Default: ${DEFAULT-VALUE}.")
    int rank;

    @Option(names = "--lambda", defaultValue = "1", paramLabel = "L", description = "cae reconstruction weight λ. Default: ${DEFAULT-VALUE}.")
    float lambda;

    @Option(names = "--cae-width", defaultValue = "16", paramLabel = "C", description = "cae: channels of the first encoder block. Default: ${DEFAULT-VALUE}.")
    int caeWidth;

    @Option(names = "--cae-depth", defaultValue = "3", paramLabel = "D", description = "cae: encoder blocks. Default: ${DEFAULT-VALUE}.")
    int caeDepth;

    @Option(names = "--size", defaultValue = "64", paramLabel = "PX", description = "cae input size. Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--new-classes", description = "Accept task-B class names that differ from the model's (e.g. dogs/cats → real/fake), mapped in order.")
    boolean newClasses;

    @Option(names = "--quiet", description = "No per-epoch lines.")
    boolean quiet;

    @Mixin DeviceOptions device = new DeviceOptions();

    @Override
    public Integer call() throws Exception {
        TransferConfig cfg = new TransferConfig(method, epochs, batch, lr, seed, new Freezing(trainLayers), bnStats, keep, adapterAfter, adapterHead,
                kdWeight, kdTemperature, student, rank, lambda, caeWidth, caeDepth, newClasses, device.device);
        device.resolve();   // a GPU that cannot be used stops here, before data is read
        if (trainLimit < 0 || testLimit < 0) throw new IllegalArgumentException("--train-limit and --test-limit must be ≥ 0");
        boolean cae = method.startsWith("cae");
        ModelFile.Loaded a = null, s = null;
        if (!cae) {
            if (model == null) throw new IllegalArgumentException("--model is required for method " + method);
            a = load("--model", model);
        }
        if (studentModel != null) s = load("--student-model", studentModel);
        ModelInfo info = cae ? ModelInfo.of("cae", size) : a.info();
        if (cae && (size <= 0 || size % 32 != 0)) throw new IllegalArgumentException("--size must be a positive multiple of 32, got " + size);
        DataSpec target = data.config().spec(seed);
        TransformConfig tf = TransformConfig.eval(info.inputSize()).withNormalization(info.mean(), info.std());
        TaskData train = read("task B train", target, limit(target.trainVal().get(0), trainLimit), tf);
        TaskData test = read("task B test", target, limit(target.evalSamples("auto"), testLimit), tf);
        TaskData source = null;
        if (sourceGenerators != null && !sourceGenerators.isEmpty()) {
            DataSpec src = new DataSpec(sourceData == null ? data.data : sourceData, "auto", sourceGenerators, seed, data.workers, data.cache, data.strict);
            source = read("task A test", src, limit(src.evalSamples("auto"), testLimit), tf);
        }
        TransferListener l = quiet ? TransferListener.NONE : new TransferListener() {
            @Override
            public void epoch(String phase, int epoch, int n, double loss, double ips) {
                System.err.printf("%s epoch %d/%d  loss %.4f  %.0f img/s%n", phase, epoch, n, loss, ips);
            }
        };
        TransferResult r = Transfer.run(cfg, new Transfer.Inputs(cae ? null : a.network(), cae ? null : info.classNames(), s == null ? null : s.model(),
                train, test, source), l);
        Map<String, Object> row = new LinkedHashMap<>(r.row());
        Path o = out.toAbsolutePath();
        Files.createDirectories(o.getParent());
        // every result (adapter, pruned, distilled or CAE) is a normal model file: its module tree says what it is
        ModelInfo base = cae ? info : s != null && method.equals("kd-adapter") ? s.info() : info;
        Map<String, Object> prov = new LinkedHashMap<>(base.provenance());
        prov.put("transfer", r.row());
        String arch = r.model() instanceof ZooNet z ? z.arch() : CaeNet.ARCH;
        ModelInfo outInfo = new ModelInfo(arch, base.inputSize(), train.classNames(), base.mean(), base.std(), prov, base.compression());
        ModelFile.save(r.model(), outInfo, o);
        row.put("model_file", o.toString());
        Path json = o.resolveSibling(o.getFileName() + ".json");
        EvalReport.writeJson(json, row);
        System.out.printf("%s: accuracy on B %s → %s; on A %s → %s; %,d trainable of %,d parameters; %.1f s, %.0f img/s%nwrote %s%n",
                method, row.get("target_accuracy_before"), row.get("target_accuracy"), row.get("source_accuracy_before"),
                row.get("source_accuracy_after"), r.trainableParameters(), r.parameters(), r.trainSeconds(), r.imagesPerSecond(), json);
        return 0;
    }

    private static ModelFile.Loaded load(String option, Path file) throws java.io.IOException {
        return io.deepslim.workflow.Inputs.model(option, file);
    }

    private List<Sample> limit(List<Sample> all, int n) {
        if (n == 0 || n >= all.size()) return all;
        List<Sample> s = new ArrayList<>(all);
        Collections.shuffle(s, new Random(seed));
        return s.subList(0, n);
    }

    private static TaskData read(String name, DataSpec spec, List<Sample> samples, TransformConfig tf) throws java.io.IOException {
        try (DataLoader l = spec.loader(samples, tf, LoaderConfig.evaluation(64), SkipLog.logging())) {
            return TaskData.fromLoader(name, l, spec.dataset().classNames());
        }
    }

    /** Completion candidates for --method. */
    static final class Methods extends ArrayList<String> {
        Methods() { super(TransferConfig.METHODS); }
    }
}
