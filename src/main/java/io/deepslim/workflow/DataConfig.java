package io.deepslim.workflow;

import io.deepslim.data.ImageDecoder;
import io.deepslim.train.DataSpec;

import java.nio.file.Path;
import java.util.List;

/**
 * Which dataset a job reads and how.
 *
 * @param data       dataset folder in any supported layout
 * @param layout     layout name, or "auto"
 * @param generators generator folders to use (null or empty: all)
 * @param workers    image decode threads (0 = one per core)
 * @param cache      decode once into a uint8 cache next to the data
 * @param strict     fail on the first unreadable image instead of skipping it
 * @param maxPixels  skip images whose header declares more pixels than this, without decoding them
 */
public record DataConfig(Path data, String layout, List<String> generators, int workers, boolean cache, boolean strict, long maxPixels) {
    public DataConfig {
        if (data == null) throw new IllegalArgumentException("--data is required");
        if (layout == null) layout = "auto";
        if (workers < 0) throw new IllegalArgumentException("--workers must be ≥ 0 (0 = one per core), got " + workers);
        if (maxPixels <= 0) throw new IllegalArgumentException("--max-pixels must be > 0, got " + maxPixels);
        generators = generators == null ? List.of() : List.copyOf(generators);
    }

    /** With the decoder's default pixel cap. */
    public DataConfig(Path data, String layout, List<String> generators, int workers, boolean cache, boolean strict) {
        this(data, layout, generators, workers, cache, strict, ImageDecoder.DEFAULT_MAX_PIXELS);
    }

    /** All generators, auto layout, one decode thread per core. */
    public static DataConfig of(Path data) { return new DataConfig(data, "auto", List.of(), 0, false, false); }

    /** The same dataset restricted to {@code generators}. */
    public DataConfig withGenerators(List<String> generators) { return new DataConfig(data, layout, generators, workers, cache, strict, maxPixels); }

    /** The dataset with its train/val split seeded by {@code seed} (checks the folder and generators). */
    public DataSpec spec(long seed) {
        return new DataSpec(data, layout, generators.isEmpty() ? null : generators, seed, workers, cache, strict).maxPixels(maxPixels);
    }
}
