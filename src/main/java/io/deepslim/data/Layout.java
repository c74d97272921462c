package io.deepslim.data;

import java.nio.file.Path;

/** A folder convention that maps files to samples (labels, generators, splits). */
public interface Layout {
    /** Short name used on the command line, e.g. "forensynths". */
    String name();

    /** One line describing the folders this layout expects. */
    String expects();

    /**
     * Reads the dataset under {@code root}.
     *
     * @param seed used only by layouts that split by chance (Synthbuster)
     * @throws LayoutMismatch when the folders do not have this layout's shape or a class folder is empty
     */
    Dataset read(Path root, long seed) throws LayoutMismatch;
}
