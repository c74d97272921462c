package io.deepslim.data;

import java.nio.file.Path;

/** The header announces dimensions above the decoder's cap; thrown before any pixel is decoded. */
public final class ImageTooLargeException extends BadImageException {
    public ImageTooLargeException(Path path, int width, int height, String limit) {
        super(path, "image header says " + width + "x" + height + ", above the limit " + limit + " (refused before decoding)", null);
    }
}
