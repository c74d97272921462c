package io.deepslim.cli;

import io.deepslim.workflow.TuneConfig;
import picocli.CommandLine.Option;

/** Options of the training a compression command runs (fine-tuning, distillation) and of its data loading. */
public final class TrainOptions {
    @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--lr", paramLabel = "LR", description = "Adam learning rate (cosine schedule). Default: 1e-3 (fine-tuning at 1e-4 for one epoch did not recover 90%%-pruned models).")
    Float lr;

    @Option(names = "--train-limit", defaultValue = "0", paramLabel = "N",
            description = "Train on at most N images of the training split (seeded random subset; 0 = all). Default: ${DEFAULT-VALUE}.")
    int trainLimit;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of data order, augmentation, initialization. Default: ${DEFAULT-VALUE}.")
    long seed;

    @picocli.CommandLine.Mixin DeviceOptions device = new DeviceOptions();

    TuneConfig config() { return new TuneConfig(batch, lr, trainLimit, seed, device.device); }
}
