package io.deepslim.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ForenSynths / CNNDetection: {@code {train,val,test}/<generator>/[<class>/]{0_real,1_fake}}. Every
 * sample (real and fake) keeps its generator folder's name, so metrics can be reported per generator.
 * The root may also be one split folder (or any folder) holding generator folders directly.
 */
final class ForenSynthsLayout implements Layout {
    @Override public String name() { return "forensynths"; }

    @Override public String expects() {
        return "{train,val,test}/<generator>/[<class>/]{0_real,1_fake}/ (or <generator>/... without split folders)";
    }

    @Override public Dataset read(Path root, long seed) throws LayoutMismatch {
        List<Sample> out = new ArrayList<>();
        boolean anySplit = false;
        for (Path p : Dirs.subdirs(root)) {
            Optional<Split> s = Split.fromFolder(p.getFileName().toString());
            if (s.isEmpty()) continue;
            anySplit = true;
            out.addAll(generators(p, s.get()));
        }
        if (!anySplit) {
            Split s = Split.fromFolder(SimpleLayouts.nameOf(root)).orElse(Split.UNSPLIT);
            out.addAll(generators(root, s));
        }
        return new Dataset(name(), root, Dataset.REAL_FAKE, out);
    }

    /** Samples of every generator folder in {@code dir}; at least one must exist. */
    private static List<Sample> generators(Path dir, Split split) throws LayoutMismatch {
        if (ClassFolders.hasRealFake(dir)) {
            throw new LayoutMismatch(dir + " holds 0_real/1_fake directly; expected <generator>/ folders in between");
        }
        List<Sample> out = new ArrayList<>();
        for (Path gen : Dirs.subdirs(dir)) {
            String g = Dirs.name(gen);
            if (ClassFolders.hasRealFake(gen)) {
                out.addAll(ClassFolders.realFake(gen, split, g, g));
                continue;
            }
            List<Path> classes = Dirs.subdirs(gen);
            boolean anyClass = false;
            for (Path c : classes) {
                if (!ClassFolders.hasRealFake(c)) continue;
                anyClass = true;
                out.addAll(ClassFolders.realFake(c, split, g, g));
            }
            if (!anyClass) throw new LayoutMismatch("generator folder " + gen + " has no 0_real/1_fake (directly or in class folders)");
        }
        if (out.isEmpty()) throw new LayoutMismatch("no <generator>/ folders in " + dir);
        return out;
    }
}
