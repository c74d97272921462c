package io.deepslim.experiment;

import io.deepslim.workflow.JobListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run interrupted after cell 3 of 5 (its listener throws right after cell 3's result is stored) and
 * run again finishes only the two missing cells, does not retrain the base model, and ends with the
 * same results as an uninterrupted run; the report is written and self-contained.
 */
class ExperimentResumeTest {
    static final String SPEC = """
            name: resume
            datasets:
              synth:
                synthetic: {size: 32, train: 8, val: 4, test: 4, families: [tconv, vae8]}
            models:
              base: {arch: student10, size: 32, train: {dataset: synth, generators: [tconv]}, epochs: 1}
            training: {batch: 8, patience: 0}
            grid:
              - name: c
                model: base
                methods: [baseline, prune, int8-dynamic, lowrank]
                levels: [40, 10]
                evaluate: {dataset: synth}
            """;

    @TempDir static Path tmp;
    static SpecLoader.Loaded spec;

    @BeforeAll
    static void load() throws Exception { spec = SpecLoader.parse(SPEC, "resume.yaml"); }

    /** Records log lines; throws after the line saying cell {@code stopAfter} is done (0 = never). */
    static final class Recorder implements JobListener {
        final List<String> lines = new ArrayList<>();
        final int stopAfter;

        Recorder(int stopAfter) { this.stopAfter = stopAfter; }

        @Override
        public synchronized void log(String line) {
            lines.add(line);
            if (stopAfter > 0 && line.startsWith("[" + stopAfter + "/") && line.contains(": done")) throw new IllegalStateException("killed after cell " + stopAfter);
        }

        long count(String s) { return lines.stream().filter(l -> l.contains(s)).count(); }
    }

    /** cell → (accuracy, AUC, non-zeros, per-generator metrics): what must not depend on the interruption (file bytes do: the metadata names the run folder). */
    static Map<String, List<Object>> outcome(List<Map<String, Object>> rows) {
        Map<String, List<Object>> m = new TreeMap<>();
        for (Map<String, Object> r : rows) {
            m.put((String) r.get("cell"), List.of(r.get("accuracy"), String.valueOf(r.get("roc_auc")), r.get("non_zero_parameters"),
                    r.get("per_generator").toString()));
        }
        return m;
    }

    @Test
    void interruptedRunResumesWithOnlyTheMissingCells() throws Exception {
        Path cache = tmp.resolve("data");
        Recorder clean = new Recorder(0);
        ExperimentRunner.Summary a = new ExperimentRunner(spec, tmp.resolve("clean"), cache).run(clean);
        assertEquals(5, a.cells());
        assertEquals(5, a.ran());

        Path out = tmp.resolve("killed");
        Recorder killed = new Recorder(3);
        assertThrows(IllegalStateException.class, () -> new ExperimentRunner(spec, out, cache).run(killed));
        assertEquals(3, new ResultStore(out.resolve("results.jsonl")).rows().size(), "the three finished cells are on disk");
        assertFalse(Files.exists(out.resolve("report.html")));

        Recorder resumed = new Recorder(0);
        ExperimentRunner.Summary b = new ExperimentRunner(spec, out, cache).run(resumed);
        assertEquals(2, b.ran());
        assertEquals(3, b.reused());
        assertEquals(2, resumed.count(": running"), resumed.lines.toString());
        assertEquals(3, resumed.count("finished earlier, skipped"));
        assertEquals(0, resumed.count("base model base: training"), "the base model is reused, not retrained");
        assertEquals(outcome(new ResultStore(tmp.resolve("clean/results.jsonl")).rows()), outcome(new ResultStore(out.resolve("results.jsonl")).rows()));

        // a third run does nothing but rewrite the report
        assertEquals(0, new ExperimentRunner(spec, out, cache).run(new Recorder(0)).ran());

        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("data:image/png;base64,"), "plots inline");
        assertFalse(html.contains("<script") || html.contains("http://") || html.contains("https://") || html.contains("<link"), "nothing fetched");
        assertTrue(html.contains("Accuracy per test generator") && html.contains("vae8"), "per-generator table");
        String csv = Files.readString(out.resolve("results.csv"));
        assertEquals(6, csv.strip().split("\n").length, "header + 5 cells");
        assertTrue(csv.lines().findFirst().orElseThrow().contains("accuracy_vae8"));
        for (String f : List.of("results.json", "report.md")) assertTrue(Files.size(out.resolve(f)) > 0, f);
        assertTrue(Files.readString(out.resolve("cells/c_prune@10_s1/log.txt")).contains("cell c/prune@10/s1"), "a log per cell");
    }

    @Test
    void transferCellsRunThroughTheTransferLibrary() throws Exception {
        String t = SPEC.substring(0, SPEC.indexOf("grid:")).replace("name: resume", "name: transfer") + """
                grid:
                  - name: t
                    model: base
                    targets: [{dataset: synth, generators: [vae8]}]
                    methods: [source, finetune]
                """;
        Path out = tmp.resolve("transfer");
        ExperimentRunner runner = new ExperimentRunner(SpecLoader.parse(t, "transfer.yaml"), out, tmp.resolve("data"));
        ExperimentRunner.Summary s = runner.run(new Recorder(0));
        assertEquals(2, s.ran());
        Map<String, Map<String, Object>> rows = new TreeMap<>();
        for (Map<String, Object> r : new ResultStore(out.resolve("results.jsonl")).rows()) rows.put((String) r.get("cell"), r);
        assertEquals(List.of("t/finetune>vae8/s1", "t/source>vae8/s1"), List.copyOf(rows.keySet()));
        // "source" is the task-A model on task B untouched: the same accuracy EvaluateJob gives on the vae8 test split
        var ev = new io.deepslim.workflow.EvaluateJob(out.resolve("models/base-s1/model.safetensors"),
                io.deepslim.workflow.DataConfig.of(runner.dataRoots().get("synth")).withGenerators(List.of("vae8")),
                "auto", 64, null, false).run(JobListener.SILENT);
        assertEquals(ev.overall().accuracy(), ((Number) rows.get("t/source>vae8/s1").get("accuracy")).doubleValue(), 1e-12);
        assertEquals(ev.overall().n(), ((Number) rows.get("t/finetune>vae8/s1").get("test_images")).intValue());
        assertTrue(Files.readString(out.resolve("report.md")).contains("Accuracy: t → vae8"));
    }
}
