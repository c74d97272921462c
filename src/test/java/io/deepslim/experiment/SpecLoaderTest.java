package io.deepslim.experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec reading: the shipped specs are valid; bad specs fail before anything runs with file:line: key: reason. */
class SpecLoaderTest {
    static final String GOOD = """
            name: t
            datasets:
              synth:
                synthetic: {size: 32, train: 4, val: 2, test: 2, families: [tconv, vae8]}
            models:
              base:
                arch: student10
                size: 32
                train: {dataset: synth, generators: [tconv]}
            grid:
              - name: compression
                model: base
                methods: [baseline, prune, kd]
                levels: [40, 10]
            """;

    /** The line (1-based) of the first line of {@code text} containing {@code needle}: computed from the text, not by the loader. */
    static int lineOf(String text, String needle) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) if (lines[i].contains(needle)) return i + 1;
        throw new AssertionError(needle);
    }

    static String fails(String text) {
        return assertThrows(SpecLoader.SpecException.class, () -> SpecLoader.parse(text, "bad.yaml")).getMessage();
    }

    @Test
    void shippedSpecsAreValidAndPaperSpecsSayWhatDataTheyNeed() throws IOException {
        List<Path> specs;
        try (Stream<Path> s = Files.list(Path.of("experiments"))) {
            specs = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(specs.size() >= 8, "demo, demo-quick, table2..7: " + specs);
        for (Path p : specs) {
            SpecLoader.Loaded l = SpecLoader.load(p);
            assertFalse(Plan.cells(l.spec()).isEmpty(), p.toString());
            if (l.spec().paper() != null) {
                l.spec().datasets().values().forEach(d -> assertTrue(d.path() != null && d.needs() != null && d.layout() != null, p + ": " + d));
            }
        }
        for (int t = 2; t <= 7; t++) assertEquals("table" + t, SpecLoader.load(Path.of("experiments/table" + t + ".yaml")).spec().paper());
        assertEquals(SpecLoader.load(Path.of("experiments/demo.yaml")).spec(), SpecLoader.loadBundled("demo").spec(), "the jar carries the same spec");
    }

    @Test
    void goodSpecExpandsToStableCells() throws IOException {
        List<Plan.Cell> cells = Plan.cells(SpecLoader.parse(GOOD, "t.yaml").spec());
        assertEquals(List.of("compression/baseline/s1", "compression/prune@40/s1", "compression/prune@10/s1", "compression/kd@40/s1", "compression/kd@10/s1"),
                cells.stream().map(Plan.Cell::id).toList());
        assertEquals(5, cells.stream().map(Plan.Cell::cellSeed).distinct().count(), "every cell has its own seed");
        // adding a block and a seed leaves the existing cells' seeds and fingerprints unchanged (so their results are reused)
        String more = GOOD.replace("name: t\n", "name: t\nseeds: [1, 2]\n") + """
                  - name: other
                    model: base
                    methods: [int8-dynamic]
                """;
        List<Plan.Cell> cells2 = Plan.cells(SpecLoader.parse(more, "t.yaml").spec());
        assertEquals(12, cells2.size());
        for (Plan.Cell c : cells) {
            Plan.Cell same = cells2.stream().filter(x -> x.id().equals(c.id())).findFirst().orElseThrow();
            assertEquals(c.cellSeed(), same.cellSeed());
            assertEquals(c.fingerprint(), same.fingerprint());
        }
        // changing the training changes the fingerprint (a stored result is then re-run)
        String lr = GOOD + "training: {lr: 0.0005}\n";
        assertNotEquals(cells.get(1).fingerprint(), Plan.cells(SpecLoader.parse(lr, "t.yaml").spec()).get(1).fingerprint());
    }

    @Test
    void unknownKeyNamesKeyAndLine() {
        String bad = GOOD.replace("levels: [40, 10]", "levles: [40, 10]");
        String m = fails(bad);
        assertTrue(m.startsWith("bad.yaml:" + lineOf(bad, "levles") + ": unknown key 'levles'"), m);
        assertTrue(m.contains("levels"), "lists the known keys: " + m);
        String top = "colour: red\n" + GOOD;
        assertTrue(fails(top).startsWith("bad.yaml:1: unknown key 'colour'"), fails(top));
    }

    @Test
    void missingDatasetReferenceNamesKeyAndLine() {
        String bad = GOOD.replace("train: {dataset: synth", "train: {dataset: faces");
        String m = fails(bad);
        assertTrue(m.startsWith("bad.yaml:" + lineOf(bad, "dataset: faces") + ": models.base.train.dataset: no dataset named 'faces'"), m);
        String gen = GOOD.replace("generators: [tconv]", "generators: [progan]");
        assertTrue(fails(gen).contains("models.base.train.generators: dataset 'synth' has no generator 'progan'"), fails(gen));
    }

    @Test
    void impossibleCombinationsFailWithTheirKey() {
        String kd = GOOD.replace("levels: [40, 10]", "levels: [50, 10]");
        String m = fails(kd);
        assertTrue(m.startsWith("bad.yaml:" + lineOf(kd, "levels: [50") + ": grid[0].levels: 'kd' needs a zoo student keeping 50%"), m);

        String transfer = GOOD.replace("methods: [baseline, prune, kd]", "methods: [baseline, fretal]");
        m = fails(transfer);
        assertTrue(m.contains("grid[0].methods[1]: 'fretal' is a transfer method and needs 'targets'"), m);
        assertEquals(lineOf(transfer, "fretal"), Integer.parseInt(m.split(":")[1]), m);

        String inDomain = GOOD.replace("levels: [40, 10]", "levels: [40, 10]\n    targets: [{dataset: synth, generators: [vae8]}]");
        assertTrue(fails(inDomain).contains("'baseline' is an in-domain method and this block has 'targets'"), fails(inDomain));

        String noLevels = GOOD.replace("    levels: [40, 10]\n", "");
        assertTrue(fails(noLevels).contains("grid[0].methods: methods [prune, kd] take a level"), fails(noLevels));

        String size = GOOD.replace("size: 32\n    train", "size: 40\n    train");
        assertTrue(fails(size).contains("models.base.size: input size must be a positive multiple of 32, got 40"), fails(size));
    }

    @Test
    void wrongTypesAndDuplicateKeysNameTheLine() {
        String type = GOOD.replace("levels: [40, 10]", "levels: [forty, 10]");
        String m = fails(type);
        assertTrue(m.startsWith("bad.yaml:" + lineOf(type, "forty") + ": grid[0].levels[0]: "), m);
        String dup = GOOD.replace("    model: base\n", "    model: base\n    model: base\n");
        assertTrue(fails(dup).contains("Duplicate field 'model'"), fails(dup));
    }

    @Test
    void missingFolderDatasetIsReportedWithLayoutAndWhereToGetIt(@TempDir Path tmp) throws IOException {
        SpecLoader.Loaded l = SpecLoader.load(Path.of("experiments/table3.yaml"));
        ExperimentRunner r = new ExperimentRunner(l, tmp.resolve("out"), null);
        ExperimentRunner.MissingDataException e = assertThrows(ExperimentRunner.MissingDataException.class, () -> r.run(io.deepslim.workflow.JobListener.SILENT));
        assertTrue(e.getMessage().contains("dataset 'faces140k'") && e.getMessage().contains("140k-real-and-fake-faces")
                && e.getMessage().contains("real_vs_fake/real-vs-fake"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing ran or was written");
    }
}
