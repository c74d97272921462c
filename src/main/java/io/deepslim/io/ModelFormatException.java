package io.deepslim.io;

import java.io.IOException;

/** A model or tensor file is malformed: its header, offsets or sizes break the format's rules. */
public class ModelFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public ModelFormatException(String message) { super(message); }

    public ModelFormatException(String message, Throwable cause) { super(message, cause); }
}
