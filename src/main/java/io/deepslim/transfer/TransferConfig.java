package io.deepslim.transfer;

import java.util.List;

/**
 * Settings of one transfer run. {@code keep} &gt; 0 first prunes the task-A model (L1 local) to
 * that fraction of its weights; {@code bnStats} is {@code auto} (a BatchNorm layer updates its
 * running statistics only when its own affine parameters train — frozen layers keep task A's
 * statistics, so insertion and freezing never drift), {@code frozen} or {@code update}.
 */
public record TransferConfig(String method, int epochs, int batch, float lr, long seed, Freezing trainLayers, String bnStats,
                             double keep, String adapterAfter, boolean adapterTrainsHead, float kdWeight, float kdTemperature,
                             String studentArch, int rank, float caeLambda, int caeWidth, int caeDepth, boolean newClasses,
                             String device) {
    /** Every method name, in the order the docs table lists them. */
    public static final List<String> METHODS = List.of("finetune", "prune-finetune", "adapter", "prune-adapter", "kd", "kd-adapter",
            "quant-finetune", "lowrank-finetune", "fretal", "cae", "cae-ce");

    /** Training on the CPU. */
    public TransferConfig(String method, int epochs, int batch, float lr, long seed, Freezing trainLayers, String bnStats,
                          double keep, String adapterAfter, boolean adapterTrainsHead, float kdWeight, float kdTemperature,
                          String studentArch, int rank, float caeLambda, int caeWidth, int caeDepth, boolean newClasses) {
        this(method, epochs, batch, lr, seed, trainLayers, bnStats, keep, adapterAfter, adapterTrainsHead, kdWeight, kdTemperature,
                studentArch, rank, caeLambda, caeWidth, caeDepth, newClasses, "cpu");
    }

    /** The same settings, training on {@code d} ("cpu", "cuda"; see Devices.forUser). */
    public TransferConfig withDevice(String d) {
        return new TransferConfig(method, epochs, batch, lr, seed, trainLayers, bnStats, keep, adapterAfter, adapterTrainsHead, kdWeight,
                kdTemperature, studentArch, rank, caeLambda, caeWidth, caeDepth, newClasses, d);
    }

    public TransferConfig {
        if (device == null || device.isBlank()) device = "cpu";
        if (!METHODS.contains(method)) throw new IllegalArgumentException("--method must be one of " + METHODS + ", got '" + method + "'");
        if (epochs <= 0) throw new IllegalArgumentException("--epochs must be > 0, got " + epochs);
        if (batch <= 0) throw new IllegalArgumentException("--batch must be > 0, got " + batch);
        if (!(lr > 0) || Float.isInfinite(lr)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        if (!List.of("auto", "frozen", "update").contains(bnStats)) {
            throw new IllegalArgumentException("--bn-stats must be auto, frozen or update, got '" + bnStats + "'");
        }
        if (!(keep >= 0 && keep < 1)) throw new IllegalArgumentException("--keep must be a fraction in (0, 1) of the weights to keep (0: no pruning), got " + keep);
        if (!(kdWeight >= 0 && kdWeight <= 1)) throw new IllegalArgumentException("--kd-weight must be in [0, 1], got " + kdWeight);
        if (!(kdTemperature > 0)) throw new IllegalArgumentException("--kd-temperature must be > 0, got " + kdTemperature);
        if (rank <= 0) throw new IllegalArgumentException("--rank must be > 0, got " + rank);
        if (!(caeLambda >= 0)) throw new IllegalArgumentException("--lambda must be ≥ 0, got " + caeLambda);
    }

    /**
     * Defaults: 3 epochs, batch 32, Adam lr 1e-3, last conv + first linear trained, BN auto,
     * adapter at the paper's position, KD with T = 2 and teacher share w = 0.2 (labels weighted up,
     * §4.3), student10 students, rank 6 (Table 7), CAE λ = 1, width 16, depth 3.
     */
    public static TransferConfig defaults(String method) {
        return new TransferConfig(method, 3, 32, 1e-3f, 1, new Freezing("last-conv-first-linear"), "auto", 0, null, false, 0.2f, 2f,
                "student10", 6, 1f, 16, 3, false);
    }

    public TransferConfig withEpochs(int e) {
        return new TransferConfig(method, e, batch, lr, seed, trainLayers, bnStats, keep, adapterAfter, adapterTrainsHead, kdWeight, kdTemperature,
                studentArch, rank, caeLambda, caeWidth, caeDepth, newClasses, device);
    }

    public TransferConfig withLr(float l) {
        return new TransferConfig(method, epochs, batch, l, seed, trainLayers, bnStats, keep, adapterAfter, adapterTrainsHead, kdWeight, kdTemperature,
                studentArch, rank, caeLambda, caeWidth, caeDepth, newClasses, device);
    }

    public TransferConfig withKeep(double k) {
        return new TransferConfig(method, epochs, batch, lr, seed, trainLayers, bnStats, k, adapterAfter, adapterTrainsHead, kdWeight, kdTemperature,
                studentArch, rank, caeLambda, caeWidth, caeDepth, newClasses, device);
    }

    public TransferConfig withTrainLayers(Freezing f) {
        return new TransferConfig(method, epochs, batch, lr, seed, f, bnStats, keep, adapterAfter, adapterTrainsHead, kdWeight, kdTemperature,
                studentArch, rank, caeLambda, caeWidth, caeDepth, newClasses, device);
    }

    public TransferConfig withAdapterAfter(String a) {
        return new TransferConfig(method, epochs, batch, lr, seed, trainLayers, bnStats, keep, a, adapterTrainsHead, kdWeight, kdTemperature,
                studentArch, rank, caeLambda, caeWidth, caeDepth, newClasses, device);
    }

    public TransferConfig withNewClasses(boolean n) {
        return new TransferConfig(method, epochs, batch, lr, seed, trainLayers, bnStats, keep, adapterAfter, adapterTrainsHead, kdWeight, kdTemperature,
                studentArch, rank, caeLambda, caeWidth, caeDepth, n, device);
    }

    public TransferConfig withBatch(int b) {
        return new TransferConfig(method, epochs, b, lr, seed, trainLayers, bnStats, keep, adapterAfter, adapterTrainsHead, kdWeight, kdTemperature,
                studentArch, rank, caeLambda, caeWidth, caeDepth, newClasses, device);
    }
}
