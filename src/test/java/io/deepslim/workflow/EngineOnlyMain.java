package io.deepslim.workflow;

import io.deepslim.autograd.GradMode;
import io.deepslim.data.synth.FakeFamily;
import io.deepslim.data.synth.SynthConfig;
import io.deepslim.data.synth.SynthGenerator;
import io.deepslim.io.ModelFile;
import io.deepslim.ops.Ops;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;
import io.deepslim.train.TrainConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Run by {@link EngineClasspathTest} in a child JVM whose classpath holds only the engine's own
 * dependencies: synthesizes a tiny dataset, trains one epoch, evaluates, loads the model and runs inference.
 */
public final class EngineOnlyMain {
    public static void main(String[] args) throws Exception {
        for (String cli : List.of("picocli.CommandLine", "me.tongfei.progressbar.ProgressBar", "org.knowm.xchart.XYChart")) {
            try {
                Class.forName(cli);
                System.out.println("unexpectedly on the classpath: " + cli);
                System.exit(3);
            } catch (ClassNotFoundException expected) {
                System.out.println("absent: " + cli);
            }
        }
        Path dir = Files.createTempDirectory("deepslim-engine"), data = dir.resolve("synth");
        SynthGenerator.generate(data, new SynthConfig(32, 6, 2, 3, List.of(FakeFamily.TCONV), Map.of(), 90, 5, 2), null);
        JobListener listener = new PlainProgressListener(System.out);
        TrainJob.Result t = new TrainJob(DataConfig.of(data), "student10", 32, new TrainConfig(1, 4, "adam", 1e-3f, 0.9f, 0f, "cosine", 0, 1),
                "flip", dir.resolve("run"), false).run(listener);
        EvaluateJob.Result e = new EvaluateJob(t.fit().modelFile(), DataConfig.of(data), "auto", 8, dir.resolve("eval"), false).run(listener);
        try {
            new EvaluateJob(t.fit().modelFile(), DataConfig.of(data), "auto", 8, dir.resolve("eval-plot"), true).run(JobListener.SILENT);
            System.out.println("roc.png written without XChart?");
            System.exit(4);
        } catch (IllegalStateException expected) {
            System.out.println("plot refused: " + expected.getMessage());
        }
        ModelFile.Loaded m = ModelFile.load(t.fit().modelFile());
        float[] p;
        try (GradMode g = GradMode.off(); TensorScope s = TensorScope.open()) {
            p = Ops.softmax(m.model().forward(Tensor.randn(new Random(1), 1f, 1, 3, 32, 32)), 1).toFloatArray();
        }
        System.out.printf("ENGINE OK: %d test images, p_fake %.4f, metrics.json %s%n", e.predictions().scores().length, p[1],
                Files.exists(dir.resolve("eval/metrics.json")));
    }
}
