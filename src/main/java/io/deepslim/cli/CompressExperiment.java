package io.deepslim.cli;

import io.deepslim.workflow.CompressGridJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * `deepslim experiment compress`: the paper's in-domain compression protocol on one baseline —
 * prune+fine-tune and prune alone at each level, KD into the matching students, dynamic and
 * static int8, low-rank (correct ± fine-tuning vs the authors' variant) — as one Markdown table
 * and one JSON file of result rows. The steps run in this JVM as {@link CompressGridJob}.
 */
@Command(name = "compress", header = "Runs the paper's in-domain compression protocol on a trained baseline.", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the paper's in-domain compression protocol on a trained baseline and writes",
                "--out/table.md and --out/rows.json (each step's model and row also stay in --out).", "",
                "Example:",
                "  deepslim experiment compress --baseline runs/vgg-tconv/model.safetensors --data data/synth --generators tconv \\",
                "      --train-limit 600 --finetune-epochs 2 --distill-epochs 3 --out runs/compress"})
public final class CompressExperiment implements Callable<Integer> {
    @Option(names = "--baseline", required = true, paramLabel = "FILE", description = "Trained baseline model file (the teacher for KD).")
    Path baseline;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Option(names = "--levels", defaultValue = "40,30,20,10", split = ",", paramLabel = "PERCENT", description = "Percent of parameters kept. Default: ${DEFAULT-VALUE}.")
    List<Integer> levels;

    @Option(names = "--finetune-epochs", defaultValue = "3", paramLabel = "N", description = "Fine-tuning epochs after pruning and factorizing. Default: ${DEFAULT-VALUE}.")
    int finetuneEpochs;

    @Option(names = "--distill-epochs", defaultValue = "3", paramLabel = "N", description = "Distillation epochs per student. Default: ${DEFAULT-VALUE}.")
    int distillEpochs;

    @Option(names = "--rank", defaultValue = "6", paramLabel = "R", description = "Low-rank rank of the first Linear. Default: ${DEFAULT-VALUE}.")
    int rank;

    @Option(names = "--calibration-batches", defaultValue = "4", paramLabel = "N", description = "Calibration batches for static int8. Default: ${DEFAULT-VALUE}.")
    int calibrationBatches;

    @Option(names = "--skip", split = ",", paramLabel = "STEP", description = "Steps to leave out: prune-ft, prune, kd, int8, lowrank.")
    List<String> skip = new ArrayList<>();

    @Mixin DataOptions data;
    @Mixin TrainOptions train;

    @Mixin ProgressOptions progress;

    @Override
    public Integer call() throws Exception {
        CompressGridJob.Result r = new CompressGridJob(baseline, out, levels, finetuneEpochs, distillEpochs, rank, calibrationBatches,
                new LinkedHashSet<>(skip), data.config(), train.config()).run(progress.listener());
        System.out.printf("%n%s%nwrote %s and %s%n", r.table(), r.tableFile(), r.rowsFile());
        return 0;
    }
}
