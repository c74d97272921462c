package io.deepslim.transfer;

/** Progress of a transfer run (a job runner or the CLI prints it; library callers may ignore it). */
public interface TransferListener {
    /** A phase starts: "evaluate before", "prune", "train", "quantize", … */
    default void phase(String name) {}

    /** An epoch of a training phase finished. */
    default void epoch(String phase, int epoch, int epochs, double meanLoss, double imagesPerSecond) {}

    /** Ignores everything. */
    TransferListener NONE = new TransferListener() {};
}
