package io.deepslim.train;

import io.deepslim.autograd.GradMode;
import io.deepslim.data.Batch;
import io.deepslim.data.BatchTensors;
import io.deepslim.data.DataLoader;
import io.deepslim.nn.Module;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.function.IntConsumer;

/** Runs a model in evaluation mode over a loader and collects {@link Predictions}. */
public final class Evaluator {
    private Evaluator() {}

    /** The error for a loader whose every image was skipped, naming one skipped file and why. */
    static IllegalStateException noUsableImages(String what, DataLoader loader) {
        String example = loader.skips().entries().entrySet().stream().findFirst()
                .map(e -> "; e.g. " + e.getKey() + ": " + e.getValue()).orElse("");
        return new IllegalStateException("no usable " + what + "images: all " + Math.max(loader.size(), loader.skips().count())
                + " were skipped as unusable" + example);
    }

    /**
     * Predicts every image of epoch 0 of {@code loader}; {@code progress} receives image counts.
     * IllegalStateException when no image could be used (all skipped as unreadable): there is nothing to measure.
     */
    public static Predictions predict(Module model, DataLoader loader, IntConsumer progress) {
        boolean wasTraining = model.isTraining();
        model.eval();
        io.deepslim.backend.Device dev = model.device();
        int n = loader.size();
        float[] scores = new float[n];
        int[] labels = new int[n];
        String[] gens = new String[n], src = new String[n];
        int k = 0;
        double lossSum = 0;
        try (GradMode g = GradMode.off()) {
            for (Batch b : loader.epoch(0)) {
                try (TensorScope s = TensorScope.open()) {
                    Tensor logits = model.forward(BatchTensors.images(b, dev));
                    lossSum += Ops.crossEntropy(logits, b.labels()).item() * b.count();
                    float[] p = Ops.softmax(logits, 1).toFloatArray();
                    int c = logits.size(1);
                    for (int i = 0; i < b.count(); i++, k++) {
                        scores[k] = p[i * c + 1];
                        labels[k] = b.labels()[i];
                        gens[k] = b.generators()[i];
                        src[k] = String.valueOf(b.indices()[i]);
                    }
                }
                if (progress != null) progress.accept(b.count());
            }
        } finally {
            model.train(wasTraining);
        }
        if (k == 0) throw noUsableImages("", loader);
        // bad files were skipped: keep only what was predicted
        return new Predictions(java.util.Arrays.copyOf(scores, k), java.util.Arrays.copyOf(labels, k),
                java.util.Arrays.copyOf(gens, k), java.util.Arrays.copyOf(src, k), k == 0 ? Double.NaN : lossSum / k);
    }
}
