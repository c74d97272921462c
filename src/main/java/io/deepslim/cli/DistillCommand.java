package io.deepslim.cli;

import io.deepslim.workflow.DistillJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `deepslim distill`: response-based knowledge distillation from a frozen teacher into a student. */
@Command(name = "distill", header = "Trains a student from a teacher with knowledge distillation (KL at temperature T + cross-entropy).", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a student on w·T²·KL(teacher ‖ student at temperature T) + (1 − w)·CE(labels) with the teacher",
                "frozen, and writes the student plus a JSON result row (<out>.json) as `deepslim prune` does.",
                "The student is a zoo architecture (student40..student10, named by the share of the teacher's",
                "parameters it keeps) trained from scratch, or a model file to start from.", "",
                "Example:",
                "  deepslim distill --teacher runs/vgg-tconv/model.safetensors --student student10 --epochs 3 \\",
                "      --data data/synth --generators tconv --out runs/kd10.safetensors"})
public final class DistillCommand implements Callable<Integer> {
    @Option(names = "--teacher", required = true, paramLabel = "FILE", description = "Teacher model file (kept frozen).")
    Path teacher;

    @Option(names = "--student", defaultValue = "student10", paramLabel = "ARCH|FILE",
            description = "Zoo student (student40, student30, student20, student10) or a model file. Default: ${DEFAULT-VALUE}.")
    String student;

    @Option(names = "--temperature", defaultValue = "2", paramLabel = "T", description = "Softmax temperature T. Default: ${DEFAULT-VALUE}.")
    float temperature;

    @Option(names = {"--alpha", "--w"}, defaultValue = "0.5", paramLabel = "W", description = "Weight w of the teacher term, in [0, 1]. Default: ${DEFAULT-VALUE}.")
    float alpha;

    @Option(names = "--epochs", defaultValue = "3", paramLabel = "N", description = "Training epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Mixin CompressOptions common;

    @Override
    public Integer call() throws Exception {
        return common.run(new DistillJob(teacher, student, temperature, alpha, epochs, common.out, common.data(), common.tune()));
    }
}
