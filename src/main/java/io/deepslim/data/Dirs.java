package io.deepslim.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** Case-insensitive folder lookups and image listing shared by the layout readers. */
final class Dirs {
    /** File name extensions treated as images (lower case). */
    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp");

    private Dirs() {}

    /** The sub-folders of {@code dir}, sorted by name; empty when {@code dir} is not a folder. */
    static List<Path> subdirs(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).filter(p -> !hidden(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** The first sub-folder of {@code dir} whose name equals one of {@code names}, ignoring case. */
    static Optional<Path> child(Path dir, String... names) {
        for (String n : names) {
            for (Path p : subdirs(dir)) {
                if (p.getFileName().toString().equalsIgnoreCase(n)) return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Image files under {@code dir} (recursively), sorted by path so reading order is stable. */
    static List<Path> images(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            List<Path> out = new ArrayList<>(s.filter(Files::isRegularFile).filter(p -> !hidden(p))
                    .filter(Dirs::isImageName).toList());
            out.sort(null);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** True when the file name ends with a known image extension. */
    static boolean isImageName(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    /** Lower-case file name of a folder, used as a generator name. */
    static String name(Path p) {
        return p.getFileName().toString().toLowerCase(Locale.ROOT);
    }
}
