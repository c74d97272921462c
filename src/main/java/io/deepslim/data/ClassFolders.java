package io.deepslim.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads a pair of class folders (real/fake or any two names) into samples; shared by the readers. */
final class ClassFolders {
    static final String[] REAL = {"0_real", "real"};
    static final String[] FAKE = {"1_fake", "fake"};

    private ClassFolders() {}

    /** True when {@code dir} holds a real-like and a fake-like folder (they may still be empty). */
    static boolean hasRealFake(Path dir) {
        return Dirs.child(dir, REAL).isPresent() && Dirs.child(dir, FAKE).isPresent();
    }

    /** Samples of {@code dir}/{real,fake} (or {0_real,1_fake}), labels 0/1, with the given source names. */
    static List<Sample> realFake(Path dir, Split split, String realSource, String fakeSource) throws LayoutMismatch {
        return pair(dir, split, REAL, FAKE, realSource, fakeSource);
    }

    /** Samples of two class folders under {@code dir}: label 0 from one of {@code names0}, 1 from {@code names1}. */
    static List<Sample> pair(Path dir, Split split, String[] names0, String[] names1, String source0, String source1)
            throws LayoutMismatch {
        List<Sample> out = new ArrayList<>();
        out.addAll(one(dir, split, names0, 0, source0));
        out.addAll(one(dir, split, names1, 1, source1));
        return out;
    }

    private static List<Sample> one(Path dir, Split split, String[] names, int label, String source) throws LayoutMismatch {
        Optional<Path> d = Dirs.child(dir, names);
        if (d.isEmpty()) throw new LayoutMismatch("no folder " + String.join(" or ", names) + "/ in " + dir);
        List<Path> files = Dirs.images(d.get());
        if (files.isEmpty()) throw new LayoutMismatch("class folder " + d.get() + " has no .jpg/.jpeg/.png/.bmp images");
        List<Sample> out = new ArrayList<>(files.size());
        for (Path f : files) out.add(new Sample(f, label, source, split));
        return out;
    }
}
