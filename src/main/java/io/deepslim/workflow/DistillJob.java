package io.deepslim.workflow;

import io.deepslim.autograd.GradMode;
import io.deepslim.compress.distill.DistillationLoss;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.Zoo;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Response-based knowledge distillation: trains {@code student} on w·T²·KL(teacher ‖ student at T)
 * + (1 − w)·CE(labels) with the teacher frozen.
 *
 * @param student     a zoo architecture (trained from scratch) or a model file to start from
 * @param temperature softmax temperature T
 * @param alpha       weight w of the teacher term, in [0, 1]
 */
public record DistillJob(Path teacher, String student, float temperature, float alpha, int epochs, Path out,
                         DataConfig data, TuneConfig tune) implements Job<ResultRow> {
    public DistillJob {
        new DistillationLoss(temperature, alpha);   // validates T and w
        if (epochs <= 0) throw new IllegalArgumentException("--epochs must be > 0, got " + epochs);
    }

    @Override
    public ResultRow run(JobListener listener) throws IOException {
        DistillationLoss loss = new DistillationLoss(temperature, alpha);
        boolean fromFile = !Zoo.NAMES.contains(student);
        if (fromFile && !Files.isRegularFile(Path.of(student))) {
            throw new IllegalArgumentException("--student '" + student + "' is neither a zoo architecture " + Zoo.NAMES + " nor a model file");
        }
        ModelFile.Loaded t = Inputs.model("--teacher", teacher);
        ModelInfo ti = t.info();
        Module net;
        ModelInfo si;
        if (fromFile) {
            ModelFile.Loaded s = Inputs.model("--student", Path.of(student));
            if (!s.info().classNames().equals(ti.classNames())) {
                throw new IllegalArgumentException("the student's classes " + s.info().classNames() + " differ from the teacher's " + ti.classNames());
            }
            if (s.info().inputSize() != ti.inputSize()) {
                throw new IllegalArgumentException("the student's input size " + s.info().inputSize() + " differs from the teacher's " + ti.inputSize());
            }
            net = s.network();
            si = s.info();
        } else {
            net = Zoo.create(student, ti.inputSize(), ti.numClasses(), tune.seed());
            si = new ModelInfo(student, ti.inputSize(), ti.classNames(), ti.mean(), ti.std(), new LinkedHashMap<>(), new LinkedHashMap<>());
        }
        CompressionSteps steps = new CompressionSteps(data, tune, out, listener);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("method", "distill");
        summary.put("student", fromFile ? Path.of(student).toAbsolutePath().toString() : student);
        summary.put("temperature", temperature);
        summary.put("alpha", alpha);
        summary.put("epochs", epochs);
        si = si.withCompression(summary).withProvenance(CompressionSteps.provenance(ti, teacher));
        Module tnet = t.network();
        tnet.eval();
        tnet.to(steps.device());   // the teacher sees the same (device) batches as the student
        CompressionSteps.Trained trained = steps.train(net, si, epochs, 1e-3f, (model, x, y) -> {
            Tensor tl;
            try (GradMode g = GradMode.off()) {
                tl = tnet.forward(x);
            }
            return loss.loss(model.forward(x), tl, y);
        });
        return steps.finish(trained.model(), si, summary, 0, trained.seconds());
    }
}
