package io.deepslim.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Synthbuster + RAISE: one folder per diffusion generator (all fake) beside a RAISE folder of camera
 * images (real). There is no split on disk, so each folder is split train/test by {@code seed}
 * (stratified: every folder keeps the same fraction). Accepted roots: a folder holding the RAISE
 * folder and the generator folders, or one holding {@code RAISE*} and {@code synthbuster/<generator>}.
 */
final class SynthbusterLayout implements Layout {
    private final double trainFraction;

    SynthbusterLayout(double trainFraction) {
        if (!(trainFraction > 0 && trainFraction < 1)) throw new IllegalArgumentException("trainFraction in (0,1): " + trainFraction);
        this.trainFraction = trainFraction;
    }

    @Override public String name() { return "synthbuster"; }

    @Override public String expects() {
        return "RAISE*/ (real images) beside <generator>/ folders of fakes (directly or under synthbuster/), split "
                + Math.round(trainFraction * 100) + "/" + Math.round((1 - trainFraction) * 100) + " by seed";
    }

    @Override public Dataset read(Path root, long seed) throws LayoutMismatch {
        Path raise = null;
        for (Path p : Dirs.subdirs(root)) if (Dirs.name(p).startsWith("raise")) { raise = p; break; }
        if (raise == null) throw new LayoutMismatch("no RAISE*/ folder of real images in " + root);
        Optional<Path> sb = Dirs.child(root, "synthbuster");
        Path genRoot = sb.orElse(root);
        List<Sample> out = new ArrayList<>(splitFolder(raise, 0, "raise", seed));
        int gens = 0;
        for (Path g : Dirs.subdirs(genRoot)) {
            if (g.equals(raise) || (sb.isPresent() && g.equals(sb.get())) || Dirs.name(g).startsWith("__")) continue;
            out.addAll(splitFolder(g, 1, Dirs.name(g), seed));
            gens++;
        }
        if (gens == 0) throw new LayoutMismatch("no generator folders beside " + raise);
        return new Dataset(name(), root, Dataset.REAL_FAKE, out);
    }

    /** The first round(f·n) files of a seeded shuffle go to train, the rest to test. */
    private List<Sample> splitFolder(Path dir, int label, String source, long seed) throws LayoutMismatch {
        List<Path> files = new ArrayList<>(Dirs.images(dir));
        if (files.isEmpty()) throw new LayoutMismatch("folder " + dir + " has no .jpg/.jpeg/.png/.bmp images");
        // the seed is mixed with the folder name so that folders of equal size get different shuffles
        SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, source.hashCode()));
        for (int i = files.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            Path t = files.get(i); files.set(i, files.get(j)); files.set(j, t);
        }
        int nTrain = (int) Math.round(trainFraction * files.size());
        List<Sample> out = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            out.add(new Sample(files.get(i), label, source, i < nTrain ? Split.TRAIN : Split.TEST));
        }
        return out;
    }
}
