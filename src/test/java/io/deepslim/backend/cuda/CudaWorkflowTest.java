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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The user-facing verbs on the GPU: train (the TrainJob behind {@code deepslim train --device cuda}),
 * evaluate on cuda against the same model evaluated on the CPU, and a {@link Detector} loaded on
 * cuda against one on the CPU. Scores to 1e-4 (fp32, cuDNN against the CPU kernels; the CPU detector
 * runs the fused graph with batch norm folded). Skips with the reason when no CUDA device is usable.
 */
class CudaWorkflowTest {
    static final JobListener QUIET = line -> {};
    @TempDir Path tmp;

    @Test
    void trainEvaluateAndDetectOnTheGpuAgreeWithTheCpu() throws Exception {
        TestDevices.require("cuda");
        Path data = tmp.resolve("synth");
        SynthGenerator.generate(data, new SynthConfig(32, 12, 4, 4, List.of(FakeFamily.TCONV), Map.of(), 90, 5, 2), null);
        DataConfig dc = DataConfig.of(data);
        Path run = tmp.resolve("run");
        TrainJob.Result t = new TrainJob(dc, "student10", 32, TrainConfig.defaults(2, 8, 3L), "flip", run, false, "cuda")
                .run(QUIET);
        assertTrue(Files.exists(t.fit().modelFile()), "the GPU run saved its model");
        assertTrue(t.fit().epochsRun() >= 1 && Double.isFinite(t.fit().bestValAccuracy()));

        float[] cpu = new EvaluateJob(t.fit().modelFile(), dc, "test", 8, null, false, "cpu").run(QUIET).predictions().scores();
        float[] gpu = new EvaluateJob(t.fit().modelFile(), dc, "test", 8, null, false, "cuda").run(QUIET).predictions().scores();
        assertEquals(cpu.length, gpu.length);
        assertTrue(cpu.length >= 8, "evaluated the test split");
        for (int i = 0; i < cpu.length; i++) assertEquals(cpu[i], gpu[i], 1e-4, "score of image " + i);

        List<Path> images;
        try (var s = Files.walk(data.resolve("test"))) {
            images = s.filter(p -> p.toString().endsWith(".jpg") || p.toString().endsWith(".png")).sorted().limit(6).toList();
        }
        assertEquals(6, images.size());
        try (Detector onCpu = Detector.load(t.fit().modelFile());
             Detector onGpu = Detector.load(t.fit().modelFile(), DetectorOptions.defaults().withDevice("cuda"))) {
            List<Prediction> a = onCpu.predictFiles(images), b = onGpu.predictFiles(images);
            for (int i = 0; i < images.size(); i++) {
                assertEquals(a.get(i).pFake(), b.get(i).pFake(), 1e-4, images.get(i).toString());
                assertEquals(a.get(i).pFake(), onGpu.predict(images.get(i)).pFake(), 1e-4, "one at a time: " + images.get(i));
            }
        }
    }
}
