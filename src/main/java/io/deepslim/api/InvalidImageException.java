package io.deepslim.api;

/**
 * The one exception {@link Detector} throws for input that is not a usable image: unreadable, empty,
 * not a JPEG/PNG/BMP, truncated or corrupt, or above the size caps of {@link DetectorOptions}. The
 * detector is unaffected and keeps working. The message names the input and the reason.
 */
public final class InvalidImageException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An exception with a one-line reason and its underlying cause (may be null). */
    public InvalidImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
