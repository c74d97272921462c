package io.deepslim.experiment;

import io.deepslim.data.Layouts;
import io.deepslim.data.synth.FakeFamily;
import io.deepslim.data.synth.SynthConfig;
import io.deepslim.data.synth.SynthGenerator;
import io.deepslim.workflow.JobListener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs a spec's grid cell by cell in this JVM. Finished cells are stored in {@code out}/results.jsonl
 * (durably, before the next cell starts), so a killed run resumes where it stopped and a re-run skips
 * finished cells; each cell has its own log ({@code out}/cells/ID/log.txt) and seed. Synthetic datasets
 * are generated once into {@code dataCache} and reused. Ends by writing the report.
 */
public final class ExperimentRunner {
    private final SpecLoader.Loaded loaded;
    private final Spec spec;
    private final Path out;
    private final Path dataCache;

    /** What a run did. */
    public record Summary(int cells, int ran, int reused, int unavailable, Path results, Report.Written report, double seconds) {}

    /** A dataset or model file the spec needs is not there; the message says what to get and where to put it. */
    public static final class MissingDataException extends IllegalArgumentException {
        public MissingDataException(String message) { super(message); }
    }

    /** @param dataCache where synthetic datasets are written (default {@code out}/data) */
    private final String device;

    public ExperimentRunner(SpecLoader.Loaded loaded, Path out, Path dataCache) { this(loaded, out, dataCache, "cpu"); }

    /**
     * A runner whose cells train on {@code device} ("cpu", "cuda"; see Devices.forUser), checked here;
     * the cells' models are still saved, tested and timed on the CPU, and their fingerprints do not
     * depend on the device (a run continued on another device reuses the finished cells).
     */
    public ExperimentRunner(SpecLoader.Loaded loaded, Path out, Path dataCache, String device) {
        this.device = device == null ? "cpu" : device;
        io.deepslim.engine.Devices.forUser(this.device);   // an unusable GPU stops the run before any cell
        this.loaded = loaded;
        this.spec = loaded.spec();
        this.out = out;
        this.dataCache = dataCache != null ? dataCache : out.resolve("data");
    }

    /** The folder each dataset is read from (synthetic ones: the cache folder for their settings). */
    public Map<String, Path> dataRoots() {
        Map<String, Path> m = new LinkedHashMap<>();
        spec.datasets().forEach((name, d) -> m.put(name, d.synthetic() != null
                ? dataCache.resolve("synth-" + d.synthetic().size() + "px-" + Plan.hash(d.synthetic())) : Path.of(d.path())));
        return m;
    }

    /** One paragraph per missing dataset folder or model file (empty when everything is there). */
    public List<String> missing() {
        List<String> out = new ArrayList<>();
        Map<String, Path> roots = dataRoots();
        spec.datasets().forEach((name, d) -> {
            if (d.synthetic() != null || Files.isDirectory(roots.get(name))) return;
            String layout = d.layout() == null || d.layout().equals("auto") ? null : d.layout();
            out.add(String.format("dataset '%s' (%s:%d): folder %s does not exist.%n    layout: %s%n    needs: %s", name, loaded.source(),
                    loaded.lineOf("/datasets/" + name), roots.get(name).toAbsolutePath(),
                    layout == null ? "auto (any supported layout)" : layout + ", which expects " + Layouts.byName(layout).expects(),
                    d.needs() == null ? "(no description in the spec)" : d.needs()));
        });
        spec.models().forEach((name, m) -> {
            if (m.file() != null && !Files.isRegularFile(Path.of(m.file()))) {
                out.add(String.format("model '%s' (%s:%d): model file %s does not exist", name, loaded.source(), loaded.lineOf("/models/" + name),
                        Path.of(m.file()).toAbsolutePath()));
            }
        });
        return out;
    }

    /** Runs every unfinished cell, then writes the report; {@code console} gets progress and log lines. */
    public Summary run(JobListener console) throws IOException {
        long t0 = System.nanoTime();
        List<String> missing = missing();
        if (!missing.isEmpty()) {
            throw new MissingDataException("spec " + loaded.source() + " needs data that is not here:\n  " + String.join("\n  ", missing)
                    + "\nPut the data there (or edit the paths in the spec), then run again; 'deepslim experiment validate' checks the spec alone.");
        }
        Files.createDirectories(out);
        Map<String, Path> roots = dataRoots();
        for (Map.Entry<String, Spec.DatasetDef> e : spec.datasets().entrySet()) {
            if (e.getValue().synthetic() != null) synthesize(e.getKey(), e.getValue().synthetic(), roots.get(e.getKey()), console);
        }
        ResultStore store = new ResultStore(out.resolve("results.jsonl"));
        List<Plan.Cell> cells = Plan.cells(spec);
        long done = cells.stream().filter(c -> store.finished(c) != null).count();
        console.log(String.format("experiment %s: %d cells (%d seeds), %d finished earlier, %d to run; results in %s", spec.name(), cells.size(),
                Plan.seeds(spec).size(), done, cells.size() - done, store.file()));
        CellRunner runner = new CellRunner(spec, out, roots, device);
        int ran = 0, unavailable = 0;
        double cellSeconds = 0;
        for (int k = 0; k < cells.size(); k++) {
            Plan.Cell c = cells.get(k);
            String tag = String.format("[%d/%d]", k + 1, cells.size());
            if (store.finished(c) != null) {
                console.log(tag + " " + c.id() + ": finished earlier, skipped");
                continue;
            }
            if (c.method().transfer() && !TransferCells.available()) {
                unavailable++;
                console.log(tag + " " + c.id() + ": " + TransferCells.UNAVAILABLE);
                continue;
            }
            if (store.stale(c)) console.log(tag + " " + c.id() + ": the spec changed since its stored result; running it again");
            long remaining = cells.subList(k, cells.size()).stream().filter(x -> store.finished(x) == null).count();
            console.log(String.format("%s %s: running (seed %d)%s", tag, c.id(), c.cellSeed(),
                    ran == 0 ? "" : String.format("; about %s left", duration(cellSeconds / ran * remaining))));
            Map<String, Object> row = runner.run(c, console);
            store.put(row);
            ran++;
            cellSeconds += ((Number) row.get("cell_seconds")).doubleValue();
            console.log(String.format("%s %s: done, accuracy %.4f, AUC %s, %.1f s", tag, c.id(), ((Number) row.get("accuracy")).doubleValue(),
                    row.get("roc_auc") == null ? "–" : String.format("%.4f", ((Number) row.get("roc_auc")).doubleValue()),
                    ((Number) row.get("cell_seconds")).doubleValue()));
        }
        List<String> unavailableIds = cells.stream().filter(c -> c.method().transfer() && !TransferCells.available()).map(Plan.Cell::id).toList();
        Report.Written w = Report.write(out, loaded, cells, store.rows(), unavailableIds, Environment.current());
        console.log("wrote " + w.html() + " (and report.md, results.json, results.csv)");
        return new Summary(cells.size(), ran, (int) done, unavailable, store.file(), w, (System.nanoTime() - t0) / 1e9);
    }

    /** Writes a synthetic dataset into {@code dir} once (via a temporary folder renamed at the end). */
    private static void synthesize(String name, Spec.Synthetic s, Path dir, JobListener console) throws IOException {
        if (Files.isDirectory(dir.resolve("test"))) return;
        List<FakeFamily> fams = s.families() == null ? List.of(FakeFamily.values()) : s.families().stream().map(FakeFamily::of).toList();
        Map<FakeFamily, Double> strengths = new LinkedHashMap<>();
        if (s.strength() != null) for (FakeFamily f : fams) strengths.put(f, s.strength());
        SynthConfig cfg = new SynthConfig(s.size(), s.train(), s.val(), s.test(), fams, strengths, s.jpeg() != null ? s.jpeg() : 90,
                s.seed() != null ? s.seed() : 1, Runtime.getRuntime().availableProcessors());
        Path tmp = dir.resolveSibling(dir.getFileName() + ".partial");
        deleteTree(tmp);
        console.log(String.format("dataset %s: generating %,d synthetic images into %s (once; reused by later runs)", name, cfg.total(), dir));
        try (JobListener.Progress pb = console.progress("synth " + name, cfg.total(), "img")) {
            long[] reported = {0};
            SynthGenerator.generate(tmp, cfg, (done, total) -> {
                synchronized (reported) {
                    if (done > reported[0]) {
                        pb.step(done - reported[0]);
                        reported[0] = done;
                    }
                }
            });
        }
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private static String duration(double s) {
        return s < 90 ? String.format("%.0f s", s) : s < 5400 ? String.format("%.0f min", s / 60) : String.format("%.1f h", s / 3600);
    }
}
