package io.deepslim.experiment;

import io.deepslim.engine.TestDevices;
import io.deepslim.workflow.JobListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code deepslim experiment run --device}: a small grid whose cells train on TestDevices' fake-gpu (not
 * the host, reference backend; ops refuse mixed devices) — the base model, pruning with fine-tuning,
 * distillation, and transfer by fine-tuning and FReTAL. Every cell must finish and report.
 */
class ExperimentDeviceTest {
    static final String SPEC = """
            name: device
            seeds: [1]
            datasets:
              synth:
                synthetic: {size: 32, train: 8, val: 4, test: 4, families: [tconv, vae8]}
            models:
              base: {arch: student10, size: 32, train: {dataset: synth, generators: [tconv]}, epochs: 1}
            training: {batch: 8, patience: 0, finetune_epochs: 1, distill_epochs: 1}
            grid:
              - name: c
                model: base
                methods: [baseline, prune-ft, kd]
                levels: [10]
              - name: t
                model: base
                targets: [{dataset: synth, generators: [vae8]}]
                methods: [finetune, fretal]
            """;

    @TempDir Path tmp;

    @Test
    void cellsTrainOnTheNamedDevice() throws Exception {
        TestDevices.require(TestDevices.FAKE_GPU);
        SpecLoader.Loaded spec = SpecLoader.parse(SPEC, "device.yaml");
        List<String> lines = new ArrayList<>();
        JobListener log = lines::add;
        ExperimentRunner.Summary s = new ExperimentRunner(spec, tmp.resolve("out"), tmp.resolve("data"), TestDevices.FAKE_GPU).run(log);
        assertEquals(s.cells(), s.ran(), "every cell ran: " + lines);
        assertTrue(s.cells() >= 5, "baseline, prune-ft, kd and two transfer cells: " + s.cells());
        assertTrue(Files.size(s.results()) > 0);
        assertTrue(lines.stream().anyMatch(l -> l.contains(" on fake-gpu") || l.contains("on ref")), "the base model trained on the device: " + lines);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ExperimentRunner(spec, tmp.resolve("x"), tmp.resolve("data"), "tpu"));
        assertEquals("unknown device 'tpu'; use cpu or cuda", e.getMessage());
    }
}
