package io.deepslim.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** An immutable list of samples read from one layout, with its class names and count summaries. */
public final class Dataset {
    /** Class names of deepfake datasets: index 0 = real, 1 = fake. */
    public static final List<String> REAL_FAKE = List.of("real", "fake");

    private final String layout;
    private final Path root;
    private final List<String> classNames;
    private final List<Sample> samples;

    public Dataset(String layout, Path root, List<String> classNames, List<Sample> samples) {
        if (classNames.size() != 2) throw new IllegalArgumentException("two class names expected, got " + classNames);
        this.layout = layout;
        this.root = root;
        this.classNames = List.copyOf(classNames);
        this.samples = List.copyOf(samples);
    }

    /** Name of the layout this dataset was read with. */
    public String layout() { return layout; }

    /** The folder it was read from. */
    public Path root() { return root; }

    /** Names of label 0 and label 1. */
    public List<String> classNames() { return classNames; }

    /** All samples, in a stable order (sorted paths within each folder). */
    public List<Sample> samples() { return samples; }

    public int size() { return samples.size(); }

    /** The samples of one split, as a dataset of the same layout. */
    public Dataset split(Split s) {
        List<Sample> out = new ArrayList<>();
        for (Sample x : samples) if (x.split() == s) out.add(x);
        return new Dataset(layout, root, classNames, out);
    }

    /** True when some sample belongs to {@code s}. */
    public boolean has(Split s) {
        for (Sample x : samples) if (x.split() == s) return true;
        return false;
    }

    /** The samples of one generator/source name. */
    public Dataset generator(String g) {
        List<Sample> out = new ArrayList<>();
        for (Sample x : samples) if (x.generator().equals(g)) out.add(x);
        return new Dataset(layout, root, classNames, out);
    }

    /** Counts keyed split → class name → generator → n (sorted maps, for stable printing). */
    public Map<Split, Map<String, Map<String, Integer>>> counts() {
        Map<Split, Map<String, Map<String, Integer>>> m = new TreeMap<>();
        for (Sample x : samples) {
            m.computeIfAbsent(x.split(), k -> new TreeMap<>())
                    .computeIfAbsent(classNames.get(x.label()), k -> new TreeMap<>())
                    .merge(x.generator(), 1, Integer::sum);
        }
        return m;
    }

    /** Number of samples with label {@code label}. */
    public int count(int label) {
        int n = 0;
        for (Sample x : samples) if (x.label() == label) n++;
        return n;
    }

    /** A human-readable table: one line per split/class/generator. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append("layout ").append(layout).append(" at ").append(root).append(": ")
                .append(samples.size()).append(" images (")
                .append(classNames.get(0)).append(' ').append(count(0)).append(", ")
                .append(classNames.get(1)).append(' ').append(count(1)).append(")\n");
        counts().forEach((split, byClass) -> byClass.forEach((cls, byGen) -> byGen.forEach((gen, n) ->
                sb.append(String.format("  %-8s %-6s %-20s %8d%n", split.folderName(), cls, gen, n)))));
        return sb.toString();
    }

    @Override public String toString() { return "Dataset[" + layout + ", " + samples.size() + " samples]"; }
}
