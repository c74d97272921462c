package io.deepslim.data;

/** Thrown by a {@link Layout} when a folder does not have its shape; the message says what was missing. */
public final class LayoutMismatch extends Exception {
    public LayoutMismatch(String reason) { super(reason, null, false, false); }
}
