package io.deepslim.backend.cuda;

import io.deepslim.api.Detector;
import io.deepslim.api.DetectorOptions;
import io.deepslim.api.Prediction;
import io.deepslim.data.synth.FakeFamily;
import io.deepslim.data.synth.SynthConfig;
import io.deepslim.data.synth.SynthGenerator;
import io.deepslim.engine.TestDevices;
import io.deepslim.train.TrainConfig;
import io.deepslim.workflow.DataConfig;
import io.deepslim.workflow.EvaluateJob;
import io.deepslim.workflow.JobListener;
import io.deepslim.workflow.TrainJob;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The user-facing verbs on the GPU: train (the TrainJob behind {@code deepslim train --device cuda}),
 * evaluate on cuda against the same model evaluated on the CPU, {@code deepslim predict} and
 * {@code bench} with {@code --device}, and a {@link Detector} loaded on cuda against one on the CPU. Scores to 1e-4 (fp32, cuDNN against the CPU kernels; the CPU detector
 * runs the fused graph with batch norm folded). The cuda case skips with the reason when no GPU is
 * usable; the fake-gpu case runs everywhere and catches inputs left on the CPU.
 */
class CudaWorkflowTest {
    static final JobListener QUIET = line -> {};

    /** Standard output of the CLI with {@code args}; fails unless it exits 0. */
    static synchronized String cliOut(String... args) {
        java.io.PrintStream o = System.out;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(buf, true));
            int code = io.deepslim.cli.Main.run(args);
            assertEquals(0, code, String.join(" ", args) + ":\n" + buf);
        } finally {
            System.setOut(o);
        }
        return buf.toString();
    }
    @TempDir Path tmp;

    /** "fake-gpu" (TestDevices.FAKE_GPU: not the host, reference backend) runs everywhere; "cuda" where a GPU is usable. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {TestDevices.FAKE_GPU, "cuda"})
    void trainEvaluateAndDetectOnTheGpuAgreeWithTheCpu(String device) throws Exception {
        TestDevices.require(device);
        Path data = tmp.resolve("synth");
        SynthGenerator.generate(data, new SynthConfig(32, 12, 4, 4, List.of(FakeFamily.TCONV), Map.of(), 90, 5, 2), null);
        DataConfig dc = DataConfig.of(data);
        Path run = tmp.resolve("run");
        TrainJob.Result t = new TrainJob(dc, "student10", 32, TrainConfig.defaults(2, 8, 3L), "flip", run, false, device)
                .run(QUIET);
        assertTrue(Files.exists(t.fit().modelFile()), "the GPU run saved its model");
        assertTrue(t.fit().epochsRun() >= 1 && Double.isFinite(t.fit().bestValAccuracy()));

        float[] cpu = new EvaluateJob(t.fit().modelFile(), dc, "test", 8, null, false, "cpu").run(QUIET).predictions().scores();
        float[] gpu = new EvaluateJob(t.fit().modelFile(), dc, "test", 8, null, false, device).run(QUIET).predictions().scores();
        assertEquals(cpu.length, gpu.length);
        assertTrue(cpu.length >= 8, "evaluated the test split");
        for (int i = 0; i < cpu.length; i++) assertEquals(cpu[i], gpu[i], 1e-4, "score of image " + i);

        List<Path> images;
        try (var s = Files.walk(data.resolve("test"))) {
            images = s.filter(p -> p.toString().endsWith(".jpg") || p.toString().endsWith(".png")).sorted().limit(6).toList();
        }
        assertEquals(6, images.size());
        // the CLI verbs on the same device: predict's p_fake equals the CPU detector's below; bench runs
        String cli = cliOut("predict", "--model", t.fit().modelFile().toString(), "--device", device, images.get(0).toString());
        float cliP = Float.parseFloat(cli.lines().filter(l -> l.startsWith(images.get(0).toString())).findFirst().orElseThrow().split("\t")[2]);
        assertTrue(cliOut("bench", "--device", device, "--no-layers", "--size", "32", "--models", "student10", "--reps", "2", "--warmup", "1")
                .contains("student10 forward @32 batch 1 on " + device), "bench timed the model on " + device);
        try (Detector onCpu = Detector.load(t.fit().modelFile());
             Detector onGpu = Detector.load(t.fit().modelFile(), DetectorOptions.defaults().withDevice(device))) {
            List<Prediction> a = onCpu.predictFiles(images), b = onGpu.predictFiles(images);
            assertEquals(a.get(0).pFake(), cliP, 1e-4, "deepslim predict --device " + device);
            for (int i = 0; i < images.size(); i++) {
                assertEquals(a.get(i).pFake(), b.get(i).pFake(), 1e-4, images.get(i).toString());
                assertEquals(a.get(i).pFake(), onGpu.predict(images.get(i)).pFake(), 1e-4, "one at a time: " + images.get(i));
            }
        }
    }
}
