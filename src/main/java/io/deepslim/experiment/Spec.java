package io.deepslim.experiment;

import java.util.List;
import java.util.Map;

/**
 * An experiment spec as written in {@code experiments/*.yaml} (snake_case keys; unknown keys are
 * errors). Plain data: {@link SpecLoader} reads and validates it, {@link Plan} expands it into cells.
 *
 * @param name     short identifier (used in file names)
 * @param title    one line for the report
 * @param paper    the paper table whose figures are shown beside ours (table2 … table7), or null
 * @param seeds    one replicate of every cell per seed; several give mean ± spread
 * @param datasets named datasets (folders in a supported layout, or synthetic)
 * @param models   named base models (trained by the runner, or read from a file)
 * @param training fine-tuning / distillation / calibration settings shared by every cell
 * @param grid     blocks of methods × levels (× transfer targets)
 */
public record Spec(String name, String title, String paper, List<Long> seeds, Map<String, DatasetDef> datasets,
                   Map<String, ModelDef> models, Training training, List<Block> grid) {

    /**
     * A dataset: {@code path} (+ {@code layout}, default auto) or {@code synthetic}. {@code needs} says
     * where to get it (printed when the folder is missing).
     */
    public record DatasetDef(String path, String layout, Synthetic synthetic, String needs) {}

    /**
     * Settings of the built-in generator (see {@code deepslim synth}); the data is written once under
     * the run's cache folder and reused.
     *
     * @param train images per class per family in the training split (also val, test)
     */
    public record Synthetic(Integer size, Integer train, Integer val, Integer test, List<String> families, Double strength,
                            Integer jpeg, Long seed) {}

    /** Which images of a dataset: all generators, or the listed ones. */
    public record DataRef(String dataset, List<String> generators) {}

    /**
     * A base model: trained from scratch ({@code arch}, {@code size}, {@code train}) or read from {@code file}.
     *
     * @param epochs  training epochs (default 3)
     * @param augment none, flip (default) or cnndetection
     */
    public record ModelDef(String arch, Integer size, DataRef train, Integer epochs, String augment, String file) {}

    /**
     * Training shared by the cells (Adam, cosine).
     *
     * @param lr                 learning rate (null: each method's default, 1e-3)
     * @param trainLimit         train on at most this many images (0 = all)
     * @param calibrationBatches batches observed by static int8
     * @param patience           base-model early stopping (0 = off)
     */
    public record Training(Integer batch, Double lr, Integer finetuneEpochs, Integer distillEpochs, Integer trainLimit,
                           Integer calibrationBatches, Integer patience) {
        /** Batch 32, default lr, 3 fine-tune and 3 distill epochs, all images, 4 calibration batches, patience 3. */
        public static Training defaults() { return new Training(32, null, 3, 3, 0, 4, 3); }

        /** This training with every unset field taken from {@link #defaults()}. */
        public Training orDefaults() {
            Training d = defaults();
            return new Training(batch != null ? batch : d.batch, lr, finetuneEpochs != null ? finetuneEpochs : d.finetuneEpochs,
                    distillEpochs != null ? distillEpochs : d.distillEpochs, trainLimit != null ? trainLimit : d.trainLimit,
                    calibrationBatches != null ? calibrationBatches : d.calibrationBatches, patience != null ? patience : d.patience);
        }
    }

    /**
     * One block of the grid: every method at every level it takes, for each seed.
     *
     * @param model    the base model (teacher, model to compress, or task-A model for transfer)
     * @param data     the images methods train/calibrate on (default: the model's training data)
     * @param evaluate the test images (default: {@code data}); all generators give the per-generator table
     * @param levels   percents of parameters kept, for the methods that take a level
     * @param rank     low-rank rank (default 6)
     * @param targets  transfer blocks only: the task-B data, one direction per entry
     */
    public record Block(String name, String model, DataRef data, DataRef evaluate, List<String> methods, List<Integer> levels,
                        Integer rank, List<DataRef> targets) {}
}
