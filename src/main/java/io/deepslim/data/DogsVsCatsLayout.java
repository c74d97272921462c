package io.deepslim.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Dogs vs Cats, a non-deepfake task A: {@code {train,test}/{cats,dogs}}; label 0 = cat, 1 = dog. */
final class DogsVsCatsLayout implements Layout {
    private static final String[] CATS = {"cats", "cat"};
    private static final String[] DOGS = {"dogs", "dog"};

    @Override public String name() { return "dogs-vs-cats"; }

    @Override public String expects() { return "{train,test}/{cats,dogs}/ (label 0 = cats, 1 = dogs)"; }

    @Override public Dataset read(Path root, long seed) throws LayoutMismatch {
        List<Sample> out = new ArrayList<>();
        boolean any = false;
        for (Path p : Dirs.subdirs(root)) {
            Optional<Split> s = Split.fromFolder(p.getFileName().toString());
            if (s.isEmpty()) continue;
            if (Dirs.child(p, CATS).isEmpty() && Dirs.child(p, DOGS).isEmpty()) continue;
            any = true;
            out.addAll(ClassFolders.pair(p, s.get(), CATS, DOGS, "cats", "dogs"));
        }
        if (!any) throw new LayoutMismatch("no train/ or test/ folder holding cats/ and dogs/ in " + root);
        return new Dataset(name(), root, List.of("cat", "dog"), out);
    }
}
