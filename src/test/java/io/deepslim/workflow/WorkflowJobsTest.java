package io.deepslim.workflow;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.deepslim.compress.ModelStats;
import io.deepslim.data.synth.FakeFamily;
import io.deepslim.data.synth.SynthConfig;
import io.deepslim.data.synth.SynthGenerator;
import io.deepslim.io.ModelFile;
import io.deepslim.io.ModelInfo;
import io.deepslim.models.Zoo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jobs as a library: typed settings in, a typed row out, progress and log lines only through the listener. */
class WorkflowJobsTest {
    @TempDir static Path tmp;
    static Path data, base;

    @BeforeAll
    static void setUp() throws Exception {
        data = tmp.resolve("synth");
        SynthGenerator.generate(data, new SynthConfig(32, 6, 2, 3, List.of(FakeFamily.TCONV), Map.of(), 90, 5, 2), null);
        base = tmp.resolve("base.safetensors");
        ModelFile.save(Zoo.create("student20", 32, 2, 5), ModelInfo.of("student20", 32), base);
    }

    /** Records everything a job reports. */
    static final class Recorder implements JobListener {
        final List<String> lines = new ArrayList<>();
        final List<String> tasks = new ArrayList<>();
        long steps;

        @Override public void log(String line) { lines.add(line); }

        @Override
        public Progress progress(String task, long total, String unit) {
            tasks.add(task + "/" + total);
            return new Progress() {
                @Override public void step(long n) { steps += n; }
                @Override public void message(String text) {}
                @Override public void close() {}
            };
        }
    }

    @Test
    void pruneJobReturnsTheRowItWritesAndNeverPrints() throws Exception {
        Path out = tmp.resolve("p30.safetensors");
        Recorder rec = new Recorder();
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ResultRow row;
        try {
            System.setOut(new PrintStream(printed, true));
            row = PruneJob.local(base, 30, 1, out, DataConfig.of(data), new TuneConfig(4, null, 0, 1)).run(rec);
        } finally {
            System.setOut(stdout);
        }
        assertEquals("", printed.toString(), "jobs report through the listener, not stdout");
        @SuppressWarnings("unchecked")
        Map<String, Object> json = new ObjectMapper().readValue(tmp.resolve("p30.safetensors.json").toFile(), Map.class);
        assertEquals(new ObjectMapper().readValue(new ObjectMapper().writeValueAsString(row.toMap()), Map.class), json);
        assertEquals(Files.size(out), row.fileBytes());
        assertEquals(ModelStats.of(ModelFile.load(out).model()).nonZeroCount(), row.nonZeroParameters());
        assertEquals(6, row.testImages());
        assertEquals(0.7, ((Number) row.settings().get("amount")).doubleValue(), 1e-12);
        assertTrue(row.trainSeconds() > 0 && row.cpuMsPerImage() > 0, row.toString());
        // one fine-tuning epoch over the 12 training images, then the 6 test images
        assertEquals(List.of("epoch 1/1/12", "test prune/6"), rec.tasks);
        assertEquals(12 + 6, rec.steps);
        assertTrue(rec.lines.stream().anyMatch(l -> l.startsWith("epoch 1/1  train loss")), rec.lines.toString());
    }

    /**
     * Fine-tuning and distillation on a device that is not the host (TestDevices' fake-gpu: reference
     * backend, ops refuse mixed devices; and cuda in the GPU check): pruned masks, the low-rank factors
     * and the teacher must follow the model there. The saved models come back to the CPU and match the CPU run's shapes and sparsity.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {io.deepslim.engine.TestDevices.FAKE_GPU, "cuda"})
    void compressionFineTuningRunsOnTheModelsDevice(String device) throws Exception {
        io.deepslim.engine.TestDevices.require(device);
        TuneConfig onFake = new TuneConfig(4, null, 0, 1, device);
        Recorder rec = new Recorder();
        Path pruned = tmp.resolve(device + "-p30.safetensors");
        ResultRow p = PruneJob.local(base, 30, 1, pruned, DataConfig.of(data), onFake).run(rec);
        assertEquals(ModelStats.of(ModelFile.load(pruned).model()).nonZeroCount(), p.nonZeroParameters());
        assertTrue(p.nonZeroParameters() < 0.4 * p.parameters(), "still 70% pruned after fine-tuning on the device: " + p);
        ResultRow f = new FactorizeJob(base, null, 8, null, "correct", 1, tmp.resolve(device + "-lr8.safetensors"), DataConfig.of(data), onFake).run(rec);
        ResultRow d = new DistillJob(base, "student10", 2f, 0.5f, 1, tmp.resolve(device + "-kd.safetensors"), DataConfig.of(data), onFake).run(rec);
        for (ResultRow r : List.of(p, f, d)) {
            assertTrue(r.trainSeconds() > 0 && r.testImages() == 6, r.toString());
            assertTrue(ModelFile.load(r.modelFile()).model().device().isHost(), "saved and reloaded on the CPU");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PruneJob.local(base, 30, 1, tmp.resolve("x.safetensors"), DataConfig.of(data), new TuneConfig(4, null, 0, 1, "tpu")).run(rec));
        assertEquals("unknown device 'tpu'; use cpu or cuda", e.getMessage());
    }

    @Test
    void gridPlanNamesItsStepsAndSettingsAreCheckedUpFront() {
        CompressGridJob grid = new CompressGridJob(base, tmp.resolve("g"), List.of(20, 10), 1, 1, 6, 2, java.util.Set.of("lowrank"),
                DataConfig.of(data), TuneConfig.defaults());
        assertEquals(List.of("prune20-ft", "prune20", "kd-student20", "prune10-ft", "prune10", "kd-student10", "int8-dynamic-linear", "int8-static-all"),
                grid.plan().stream().map(CompressGridJob.Step::name).toList());
        assertTrue(grid.plan().get(2).job() instanceof DistillJob d && d.student().equals("student20"));
        assertThrows(IllegalArgumentException.class, () -> new TuneConfig(4, Float.NaN, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new DataConfig(data, "auto", null, -1, false, false));
        assertThrows(IllegalArgumentException.class, () -> new PruneJob(base, "local", 1.5, "l1", 0, tmp.resolve("x"), DataConfig.of(data), TuneConfig.defaults()));
    }
}
