package io.deepslim.train;

import io.deepslim.data.DataLoader;
import io.deepslim.data.Dataset;
import io.deepslim.data.ImageCache;
import io.deepslim.data.ImageDecoder;
import io.deepslim.data.ImageSource;
import io.deepslim.data.Layouts;
import io.deepslim.data.LoaderConfig;
import io.deepslim.data.Preprocessor;
import io.deepslim.data.Sample;
import io.deepslim.data.SkipLog;
import io.deepslim.data.Split;
import io.deepslim.data.TransformConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which images a job uses: a dataset root in any supported layout, an optional generator filter,
 * and the loaders built from it (optionally through a preprocessed cache next to the data).
 */
public final class DataSpec {
    private final Dataset dataset;
    private final List<String> generators;
    private final long seed;
    private final int workers;
    private final boolean cache, strict;
    private long maxPixels = ImageDecoder.DEFAULT_MAX_PIXELS;

    public DataSpec(Path root, String layout, List<String> generators, long seed, int workers, boolean cache, boolean strict) {
        if (!Files.isDirectory(root)) throw new IllegalArgumentException("data folder " + root + " does not exist");
        this.dataset = Layouts.read(root, layout == null ? "auto" : layout, seed);
        this.generators = generators == null ? List.of() : List.copyOf(generators);
        this.seed = seed;
        this.workers = workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
        this.cache = cache;
        this.strict = strict;
        Set<String> known = new TreeSet<>();
        for (Sample s : dataset.samples()) known.add(s.generator());
        for (String g : this.generators) {
            if (!known.contains(g)) throw new IllegalArgumentException("generator '" + g + "' not in " + root + " (has " + known + ")");
        }
    }

    /** Sets the cap on an image's width × height (larger headers are skipped as bad files, unread); returns this. */
    public DataSpec maxPixels(long pixels) {
        if (pixels <= 0) throw new IllegalArgumentException("--max-pixels must be > 0, got " + pixels);
        this.maxPixels = pixels;
        return this;
    }

    public Dataset dataset() { return dataset; }

    /** Samples of {@code split} passing the generator filter. */
    public List<Sample> samples(Split split) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : dataset.samples()) {
            if (s.split() == split && (generators.isEmpty() || generators.contains(s.generator()))) out.add(s);
        }
        return out;
    }

    /**
     * Training and validation samples: the dataset's val split when it has one, else a seeded 10%
     * of the training split (stratified by label).
     */
    public List<List<Sample>> trainVal() {
        List<Sample> train = samples(dataset.has(Split.TRAIN) ? Split.TRAIN : Split.UNSPLIT);
        List<Sample> val = samples(Split.VAL);
        if (train.isEmpty()) throw new IllegalArgumentException("no training images in " + dataset.root() + " for generators " + generators);
        if (!val.isEmpty()) return List.of(train, val);
        List<Sample> shuffled = new ArrayList<>(train);
        java.util.Collections.shuffle(shuffled, new java.util.Random(seed));
        List<Sample> t = new ArrayList<>(), v = new ArrayList<>();
        int[] seen = new int[2];
        int[] total = {0, 0};
        for (Sample s : shuffled) total[s.label() == 1 ? 1 : 0]++;
        for (Sample s : shuffled) {
            int c = s.label() == 1 ? 1 : 0;
            if (seen[c]++ < Math.max(1, total[c] / 10)) v.add(s); else t.add(s);
        }
        return List.of(t, v);
    }

    /** Samples to evaluate: the named split, or the test split if present, else everything. */
    public List<Sample> evalSamples(String splitName) {
        if (splitName != null && !splitName.equals("auto")) {
            Split s = Split.fromFolder(splitName).orElseThrow(() -> new IllegalArgumentException("unknown split '" + splitName + "' (train, val, test)"));
            List<Sample> out = samples(s);
            if (out.isEmpty()) throw new IllegalArgumentException("no images in split " + splitName + " of " + dataset.root());
            return out;
        }
        for (Split s : new Split[]{Split.TEST, Split.UNSPLIT, Split.VAL}) if (!samples(s).isEmpty()) return samples(s);
        throw new IllegalArgumentException("no evaluation images in " + dataset.root());
    }

    /** A loader over {@code samples} with the given transforms. */
    public DataLoader loader(List<Sample> samples, TransformConfig tf, LoaderConfig lc, SkipLog skips) throws IOException {
        ImageDecoder decoder = new ImageDecoder().withMaxPixels(maxPixels);
        ImageSource src;
        if (cache) {
            Path file = dataset.root().resolve(".deepslim-cache").resolve("s" + tf.size() + "-" + Integer.toHexString(samples.hashCode()) + ".u8");
            Files.createDirectories(file.getParent());
            src = ImageCache.openOrBuild(file, samples, tf.size(), decoder, workers, skips, strict);
        } else {
            src = ImageSource.files(samples, decoder, tf.size()); // large images decoded subsampled near S
        }
        return new DataLoader(src, new Preprocessor(tf, decoder), lc.withWorkers(workers).withStrict(strict), skips);
    }

    /** What identifies the data of a run (for checkpoints and provenance). */
    public Map<String, Object> fingerprint() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", dataset.root().toAbsolutePath().normalize().toString());
        m.put("layout", dataset.layout());
        m.put("generators", generators.isEmpty() ? "all" : String.join(",", generators));
        return m;
    }
}
