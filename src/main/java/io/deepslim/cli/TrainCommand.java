package io.deepslim.cli;

import io.deepslim.models.Zoo;
import io.deepslim.train.TrainConfig;
import io.deepslim.train.Trainer;
import io.deepslim.workflow.TrainJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
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

    @Mixin ProgressOptions progress;

    @Mixin DeviceOptions device = new DeviceOptions();

    @Override
    public Integer call() throws Exception {
        TrainConfig cfg = new TrainConfig(epochs, batch, optimizer, lr, momentum, weightDecay, schedule, patience, seed);
        TrainJob.Result r = new TrainJob(data.config(), arch, size, cfg, augment, out, resume, device.device).run(progress.listener());
        Trainer.Result f = r.fit();
        System.out.printf("best validation accuracy %.4f at epoch %d of %d; %.1f s training; model: %s%n",
                f.bestValAccuracy(), f.bestEpoch(), f.epochsRun(), f.seconds(), f.modelFile());
        if (r.skippedImages() > 0) System.out.printf("skipped %d unreadable images%n", r.skippedImages());
        return 0;
    }

    /** Completion candidates for --arch. */
    static final class ArchNames extends java.util.ArrayList<String> {
        ArchNames() { super(Zoo.NAMES); }
    }
}
