package io.deepslim.data;

import io.deepslim.train.DataSpec;

import java.nio.file.Path;
import java.util.List;

/**
 * Child-JVM entry of {@link DecodeBoundsTest}: loads {@code args[0]} (generic layout) at 32×32 with
 * {@code args[1]} workers through {@link DataSpec}, as training does, and prints what it loaded and skipped.
 */
public final class BombLoadMain {
    private BombLoadMain() {}

    public static void main(String[] args) throws Exception {
        DataSpec spec = new DataSpec(Path.of(args[0]), "generic", null, 0, Integer.parseInt(args[1]), false, false);
        List<Sample> s = spec.samples(Split.UNSPLIT);
        SkipLog skips = new SkipLog(m -> System.out.println("warn " + m));
        int n = 0;
        try (DataLoader l = spec.loader(s, TransformConfig.eval(32), LoaderConfig.evaluation(2), skips)) {
            for (Batch b : l.epoch(0)) {
                n += b.count();
                for (float v : b.images()) if (!Float.isFinite(v)) throw new IllegalStateException("non-finite pixel");
            }
        }
        System.out.println("loaded " + n + " skipped " + skips.count());
    }
}
