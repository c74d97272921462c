package io.deepslim.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The known dataset layouts: read a folder with a named layout or detect which one fits. */
public final class Layouts {
    /** Train fraction of layouts that split by seed (Synthbuster), as in the paper: 60/40. */
    public static final double SYNTHBUSTER_TRAIN_FRACTION = 0.6;

    private Layouts() {}

    /** All layouts in detection order: the most specific (named folders) first, the generic last. */
    public static List<Layout> all() {
        return List.of(
                new SynthbusterLayout(SYNTHBUSTER_TRAIN_FRACTION),
                new SimpleLayouts.Faces140k(),
                new SimpleLayouts.DeepfakeReal(),
                new DogsVsCatsLayout(),
                new ForenSynthsLayout(),
                new SimpleLayouts.SplitFolders(),
                new SimpleLayouts.Generic());
    }

    /** Names accepted by {@link #byName(String)}. */
    public static List<String> names() {
        return all().stream().map(Layout::name).toList();
    }

    /** The layout called {@code name} (case-insensitive). */
    public static Layout byName(String name) {
        for (Layout l : all()) if (l.name().equalsIgnoreCase(name.trim())) return l;
        throw new IllegalArgumentException("unknown layout '" + name + "'; known: " + String.join(", ", names()));
    }

    /** Reads {@code root} with the first layout that fits; throws one message listing every layout tried. */
    public static Dataset detect(Path root, long seed) {
        checkFolder(root);
        StringBuilder why = new StringBuilder();
        for (Layout l : all()) {
            try {
                return l.read(root, seed);
            } catch (LayoutMismatch m) {
                why.append(String.format(Locale.ROOT, "%n  %-14s expects %s%n  %-14s   -> %s", l.name(), l.expects(), "", m.getMessage()));
            }
        }
        throw new IllegalArgumentException("no known dataset layout at " + root + ". Layouts tried:" + why);
    }

    /** Reads {@code root} with {@code layoutName}, or detects the layout when it is null, empty or "auto". */
    public static Dataset read(Path root, String layoutName, long seed) {
        if (layoutName == null || layoutName.isBlank() || layoutName.equalsIgnoreCase("auto")) return detect(root, seed);
        Layout l = byName(layoutName);
        checkFolder(root);
        try {
            return l.read(root, seed);
        } catch (LayoutMismatch m) {
            throw new IllegalArgumentException("folder " + root + " is not in the " + l.name() + " layout: "
                    + m.getMessage() + ". It expects " + l.expects() + ". Other layouts: "
                    + all().stream().map(Layout::name).filter(n -> !n.equals(l.name())).collect(Collectors.joining(", ")));
        }
    }

    private static void checkFolder(Path root) {
        if (!Files.isDirectory(root)) throw new IllegalArgumentException("dataset folder " + root + " does not exist or is not a folder");
    }
}
