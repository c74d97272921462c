package io.deepslim.cli;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.distill.DistillationLoss;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.Zoo;
import io.deepslim.models.ZooNet;
import io.deepslim.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** `deepslim distill`: response-based knowledge distillation from a frozen teacher into a student. */
@Command(name = "distill", mixinStandardHelpOptions = true, sortOptions = false,
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

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Model file to write; the result row goes to FILE.json.")
    Path out;

    @Mixin DataOptions data;
    @Mixin TrainOptions train;

    @Override
    public Integer call() throws Exception {
        DistillationLoss loss = new DistillationLoss(temperature, alpha);
        if (epochs <= 0) throw new IllegalArgumentException("--epochs must be > 0, got " + epochs);
        boolean fromFile = !Zoo.NAMES.contains(student);
        if (fromFile && !Files.isRegularFile(Path.of(student))) {
            throw new IllegalArgumentException("--student '" + student + "' is neither a zoo architecture " + Zoo.NAMES + " nor a model file");
        }
        ModelFile.Loaded t = CompressionJob.load("--teacher", teacher);
        ModelInfo ti = t.info();
        ZooNet net;
        ModelInfo si;
        if (fromFile) {
            ModelFile.Loaded s = ModelFile.load(Path.of(student));
            if (!s.info().classNames().equals(ti.classNames())) {
                throw new IllegalArgumentException("the student's classes " + s.info().classNames() + " differ from the teacher's " + ti.classNames());
            }
            if (s.info().inputSize() != ti.inputSize()) {
                throw new IllegalArgumentException("the student's input size " + s.info().inputSize() + " differs from the teacher's " + ti.inputSize());
            }
            net = s.model();
            si = s.info();
        } else {
            net = Zoo.create(student, ti.inputSize(), ti.numClasses(), train.seed);
            si = new ModelInfo(student, ti.inputSize(), ti.classNames(), ti.mean(), ti.std(), new LinkedHashMap<>(), new LinkedHashMap<>());
        }
        CompressionJob job = new CompressionJob(data, train, out);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("method", "distill");
        summary.put("student", fromFile ? Path.of(student).toAbsolutePath().toString() : student);
        summary.put("temperature", temperature);
        summary.put("alpha", alpha);
        summary.put("epochs", epochs);
        si = si.withCompression(summary).withProvenance(CompressionJob.provenance(ti, teacher));
        ZooNet tnet = t.model();
        tnet.eval();
        CompressionJob.Trained trained = job.train(net, si, epochs, 1e-3f, (model, x, y) -> {
            Tensor tl;
            try (GradMode g = GradMode.off()) {
                tl = tnet.forward(x);
            }
            return loss.loss(model.forward(x), tl, y);
        });
        job.finish(trained.model(), si, summary, 0, trained.seconds());
        return 0;
    }
}
