package io.deepslim.data;

import java.nio.file.Path;

/** A file that cannot be used as an image: unreadable, zero bytes, not an image, truncated or too large. */
public class BadImageException extends Exception {
    private final Path path;

    public BadImageException(Path path, String reason, Throwable cause) {
        super(path + ": " + reason, cause);
        this.path = path;
    }

    /** The offending file (may be null for in-memory data). */
    public Path path() { return path; }
}
