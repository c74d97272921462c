package io.deepslim.workflow;

import io.deepslim.io.ModelFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks of user-given paths that say what is wrong (instead of a bare path or "Is a directory"). */
public final class Inputs {
    private Inputs() {}

    /** Loads a model file, naming the option when the path is missing, a folder or unreadable. */
    public static ModelFile.Loaded model(String option, Path file) throws IOException {
        requireModelFile(option, file);
        return ModelFile.load(file);
    }

    /** Fails unless {@code file} is an existing, readable regular file. */
    public static void requireModelFile(String option, Path file) {
        if (file == null) throw new IllegalArgumentException(option + " is required");
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + ": " + file + " is a folder; expected a model file (.safetensors)"
                    + (Files.isRegularFile(file.resolve("model.safetensors")) ? ", e.g. " + file.resolve("model.safetensors") : ""));
        }
        if (!Files.exists(file)) throw new IllegalArgumentException(option + ": model file " + file + " does not exist");
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(option + ": " + file + " is not a regular file");
        if (!Files.isReadable(file)) throw new IllegalArgumentException(option + ": " + file + " is not readable (permissions)");
    }

    /** Fails when a folder to write into exists as something else (a file). */
    public static void requireFolderOrAbsent(String option, Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(option + ": " + dir + " is an existing file; expected a folder (new or existing)");
        }
    }

    /** Fails when an output file path is an existing folder, or its parent exists as a file. */
    public static void requireWritableFile(String option, Path file) {
        if (Files.isDirectory(file)) throw new IllegalArgumentException(option + ": " + file + " is a folder; expected a file name to write");
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && Files.exists(parent) && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(option + ": " + parent + " is a file, so " + file.getFileName() + " cannot be written inside it");
        }
    }
}
