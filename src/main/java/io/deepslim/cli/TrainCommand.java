package io.deepslim.cli;

import io.deepslim.data.DataLoader;
import io.deepslim.data.LoaderConfig;
import io.deepslim.data.Sample;
import io.deepslim.data.SkipLog;
import io.deepslim.data.TransformConfig;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.train.DataSpec;
import io.deepslim.train.TrainConfig;
import io.deepslim.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** `deepslim train`: trains a zoo model from scratch on a dataset. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains one of the paper's detectors on a real/fake dataset, validating every epoch.",
                "Writes to --out: model.safetensors (best validation accuracy), checkpoint.safetensors",
                "(last epoch; --resume continues from it), train.jsonl (one line per epoch).", "",
                "Example:",
                "  deepslim synth --out data/synth --size 64",
                "  deepslim train --data data/synth --generators tconv --arch vgg45m --size 64 --epochs 6 --out runs/vgg-tconv"})
public final class TrainCommand implements Callable<Integer> {
    @Mixin DataOptions data;

    @Option(names = "--arch", defaultValue = "vgg45m", description = "Architecture: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
            completionCandidates = ArchNames.class)
    String arch;

    @Option(names = "--size", defaultValue = "64", description = "Input size S (S×S, multiple of 32). Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--epochs", defaultValue = "10", description = "Maximum epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--optimizer", defaultValue = "adam", description = "sgd, adam or adamw. Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--lr", defaultValue = "0.001", description = "Learning rate. Default: ${DEFAULT-VALUE}.")
    float lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum. Default: ${DEFAULT-VALUE}.")
    float momentum;

    @Option(names = "--weight-decay", defaultValue = "0", description = "Weight decay (decoupled for adamw). Default: ${DEFAULT-VALUE}.")
    float weightDecay;

    @Option(names = "--schedule", defaultValue = "cosine", description = "constant, step or cosine. Default: ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--patience", defaultValue = "3", description = "Stop after this many epochs without a better validation accuracy (0 = never). Default: ${DEFAULT-VALUE}.")
    int patience;

    @Option(names = "--augment", defaultValue = "flip",
            description = "none, flip, or cnndetection (flip + blur + JPEG, p=0.5). Default: ${DEFAULT-VALUE}.")
    String augment;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of initialization, data order, augmentation and dropout. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Option(names = "--resume", description = "Continue from --out/checkpoint.safetensors (must be the same run).")
    boolean resume;

    @Option(names = "--no-progress", description = "No progress bar (one line per epoch only).")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        if (!Zoo.NAMES.contains(arch)) throw new IllegalArgumentException("unknown architecture '" + arch + "'; known: " + Zoo.NAMES);
        if (size <= 0 || size % 32 != 0) throw new IllegalArgumentException("--size must be a positive multiple of 32, got " + size);
        TrainConfig cfg = new TrainConfig(epochs, batch, optimizer, lr, momentum, weightDecay, schedule, patience, seed, !noProgress);
        TransformConfig trainTf = switch (augment) {
            case "none" -> TransformConfig.eval(size);
            case "flip" -> TransformConfig.eval(size).withFlip(0.5);
            case "cnndetection" -> TransformConfig.cnnDetection(size, 0.5);
            default -> throw new IllegalArgumentException("--augment must be none, flip or cnndetection, got " + augment);
        };
        DataSpec spec = data.spec(seed);
        List<List<Sample>> tv = spec.trainVal();
        Map<String, Object> fp = new LinkedHashMap<>();
        fp.put("arch", arch);
        fp.put("input_size", size);
        fp.putAll(spec.fingerprint());
        fp.put("augment", augment);
        ZooNet net = Zoo.create(arch, size, 2, seed);
        ModelInfo info = ModelInfo.of(arch, size);
        System.err.printf("train: %s @%d on %d images (%d validation) from %s%n", arch, size, tv.get(0).size(), tv.get(1).size(), data.data);
        SkipLog skips = SkipLog.logging();
        try (DataLoader train = spec.loader(tv.get(0), trainTf, LoaderConfig.training(batch, seed), skips);
             DataLoader val = spec.loader(tv.get(1), TransformConfig.eval(size), LoaderConfig.evaluation(batch), skips)) {
            Trainer.Result r = new Trainer(cfg, out, fp).fit(net, info, train, val, resume);
            System.out.printf("best validation accuracy %.4f at epoch %d of %d; %.1f s training; model: %s%n",
                    r.bestValAccuracy(), r.bestEpoch(), r.epochsRun(), r.seconds(), r.modelFile());
            if (skips.count() > 0) System.out.printf("skipped %d unreadable images%n", skips.count());
        }
        return 0;
    }

    /** Completion candidates for --arch. */
    static final class ArchNames extends java.util.ArrayList<String> {
        ArchNames() { super(Zoo.NAMES); }
    }
}
