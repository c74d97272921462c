package io.deepslim.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One image of a dataset: where it is, its class (0 = real / task-A class 0, 1 = fake / class 1),
 * the generator or source that produced it ("real", "progan", "raise", ...) and its split.
 */
public record Sample(Path path, int label, String generator, Split split) {
    public Sample {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(generator, "generator");
        Objects.requireNonNull(split, "split");
        if (label != 0 && label != 1) throw new IllegalArgumentException("label must be 0 or 1, got " + label);
    }

    /** The same sample moved to another split. */
    public Sample withSplit(Split s) { return new Sample(path, label, generator, s); }
}
