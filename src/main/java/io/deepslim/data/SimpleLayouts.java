package io.deepslim.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Layouts whose class folders sit at a fixed depth: generic, split folders, 140k faces, DeepFake-and-real. */
final class SimpleLayouts {
    private SimpleLayouts() {}

    /** {@code root/{real,fake}} or {@code root/{0_real,1_fake}}: one unsplit set. */
    static final class Generic implements Layout {
        @Override public String name() { return "generic"; }
        @Override public String expects() { return "root/{real,fake}/ or root/{0_real,1_fake}/ holding images"; }
        @Override public Dataset read(Path root, long seed) throws LayoutMismatch {
            return new Dataset(name(), root, Dataset.REAL_FAKE, ClassFolders.realFake(root, Split.UNSPLIT, "real", "fake"));
        }
    }

    /** {@code root/{train,valid|val|validation,test}/{real,fake}}. */
    static final class SplitFolders implements Layout {
        @Override public String name() { return "split"; }
        @Override public String expects() {
            return "root/{train,valid|val|validation,test}/ each holding {real,fake}/ or {0_real,1_fake}/";
        }
        @Override public Dataset read(Path root, long seed) throws LayoutMismatch {
            return new Dataset(name(), root, Dataset.REAL_FAKE, readSplits(root, "real", "fake"));
        }
    }

    /** Samples of every split folder under {@code dir}; at least one split folder must exist. */
    static List<Sample> readSplits(Path dir, String realSource, String fakeSource) throws LayoutMismatch {
        List<Sample> out = new ArrayList<>();
        boolean any = false;
        for (Path p : Dirs.subdirs(dir)) {
            Optional<Split> s = Split.fromFolder(p.getFileName().toString());
            if (s.isEmpty()) continue;
            any = true;
            out.addAll(ClassFolders.realFake(p, s.get(), realSource, fakeSource));
        }
        if (!any) throw new LayoutMismatch("no train/val/test folder in " + dir);
        return out;
    }

    /** 140k Real and Fake Faces: {@code real_vs_fake/real-vs-fake/{train,valid,test}/{real,fake}}. */
    static final class Faces140k implements Layout {
        @Override public String name() { return "140k"; }
        @Override public String expects() {
            return "real_vs_fake/real-vs-fake/{train,valid,test}/{real,fake}/ (root may be any level of that path)";
        }
        @Override public Dataset read(Path root, long seed) throws LayoutMismatch {
            String n = nameOf(root);
            List<Sample> s;
            Optional<Split> single = Split.fromFolder(n);
            if (single.isPresent() && root.getParent() != null && isInner(nameOf(root.getParent()))) {
                s = ClassFolders.realFake(root, single.get(), "ffhq", "stylegan");
            } else {
                s = readSplits(base(root), "ffhq", "stylegan");
            }
            return new Dataset(name(), root, Dataset.REAL_FAKE, s);
        }

        private static Path base(Path root) throws LayoutMismatch {
            Optional<Path> outer = Dirs.child(root, "real_vs_fake");
            if (outer.isPresent()) {
                return Dirs.child(outer.get(), "real-vs-fake", "real_vs_fake").orElse(outer.get());
            }
            Optional<Path> inner = Dirs.child(root, "real-vs-fake");
            if (inner.isPresent()) return inner.get();
            if (isInner(nameOf(root))) return root;
            throw new LayoutMismatch("no real_vs_fake/ or real-vs-fake/ folder at " + root);
        }

        private static boolean isInner(String n) { return n.equals("real-vs-fake") || n.equals("real_vs_fake"); }
    }

    /** "DeepFake and real images": {@code Dataset/{Train,Validation,Test}/{Real,Fake}}. */
    static final class DeepfakeReal implements Layout {
        @Override public String name() { return "deepfake-real"; }
        @Override public String expects() { return "Dataset/{Train,Validation,Test}/{Real,Fake}/ (root = Dataset/ or its parent)"; }
        @Override public Dataset read(Path root, long seed) throws LayoutMismatch {
            Path base;
            if (nameOf(root).equals("dataset") && Dirs.child(root, "train", "validation", "test").isPresent()) {
                base = root;
            } else {
                base = Dirs.child(root, "dataset").orElseThrow(() -> new LayoutMismatch("no Dataset/ folder at " + root));
            }
            return new Dataset(name(), root, Dataset.REAL_FAKE, readSplits(base, "real", "fake"));
        }
    }

    static String nameOf(Path p) {
        Path f = p.toAbsolutePath().normalize().getFileName();
        return f == null ? "" : f.toString().toLowerCase(Locale.ROOT);
    }
}
