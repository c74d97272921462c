package io.deepslim.data;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Decodes JPEG/PNG/BMP files to {@link RgbImage} through ImageIO (TwelveMonkeys' readers handle CMYK
 * and YCCK JPEGs and odd BMPs). Dimensions are read from the header and checked against a cap before
 * any pixel is decoded, so decompression bombs are refused cheaply. JPEG EXIF orientation is applied.
 * Thread-safe: every call uses its own reader.
 */
public final class ImageDecoder {
    /** Default cap on width and on height. */
    public static final int DEFAULT_MAX_SIDE = 16384;
    /** Default cap on width × height (100 megapixels, ≈1.2 GB as float RGB). */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;
    /** Default cap on the file size. */
    public static final long DEFAULT_MAX_FILE_BYTES = 256L << 20;

    static {
        // the service files of plugin jars are found at ImageIO's first use only if they were on the
        // class path then; scanning again is cheap and makes the TwelveMonkeys readers visible
        ImageIO.scanForPlugins();
    }

    private final int maxSide;
    private final long maxPixels;
    private final long maxFileBytes;
    private final boolean applyExif;

    /** A decoder with the default caps that applies EXIF orientation. */
    public ImageDecoder() { this(DEFAULT_MAX_SIDE, DEFAULT_MAX_PIXELS, DEFAULT_MAX_FILE_BYTES, true); }

    /** A decoder refusing images wider or taller than {@code maxSide} or with more than {@code maxPixels} pixels. */
    public ImageDecoder(int maxSide, long maxPixels, long maxFileBytes, boolean applyExif) {
        if (maxSide <= 0 || maxPixels <= 0 || maxFileBytes <= 0) throw new IllegalArgumentException("caps must be positive");
        this.maxSide = maxSide;
        this.maxPixels = maxPixels;
        this.maxFileBytes = maxFileBytes;
        this.applyExif = applyExif;
    }

    /** Reads and decodes {@code file}. */
    public RgbImage decode(Path file) throws BadImageException {
        return decode(readBytes(file), file);
    }

    /** Decodes in-memory file bytes; {@code name} is only used in messages. */
    public RgbImage decode(byte[] bytes, Path name) throws BadImageException {
        if (bytes.length == 0) throw new BadImageException(name, "zero-byte file", null);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = readerFor(in, name);
            try {
                reader.setInput(in, true, true);
                checkSize(name, reader.getWidth(0), reader.getHeight(0));
                // readers report truncated/corrupt data as warnings and fill the rest with grey
                java.util.List<String> warnings = new java.util.ArrayList<>();
                reader.addIIOReadWarningListener((src, msg) -> warnings.add(msg));
                BufferedImage bi = reader.read(0);
                for (String w : warnings) {
                    String l = w.toLowerCase(java.util.Locale.ROOT);
                    if (l.contains("truncat") || l.contains("premature end") || l.contains("corrupt")) {
                        throw new BadImageException(name, "truncated or corrupt image data (" + w + ")", null);
                    }
                }
                RgbImage img = RgbImage.from(bi);
                return applyExif ? ExifOrientation.apply(img, ExifOrientation.read(bytes)) : img;
            } finally {
                reader.dispose();
            }
        } catch (BadImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO reports truncation and corruption with IIOException, but some readers throw
            // IndexOutOfBounds/IllegalArgument/NegativeArraySize on hostile input: all mean "bad file"
            throw new BadImageException(name, "cannot decode (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    /** Width and height from the header only, after the same checks as {@link #decode(Path)}. */
    public int[] probe(Path file) throws BadImageException {
        byte[] bytes = readBytes(file);
        if (bytes.length == 0) throw new BadImageException(file, "zero-byte file", null);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = readerFor(in, file);
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0), h = reader.getHeight(0);
                checkSize(file, w, h);
                return new int[]{w, h};
            } finally {
                reader.dispose();
            }
        } catch (BadImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BadImageException(file, "cannot read header (" + e.getMessage() + ")", e);
        }
    }

    private byte[] readBytes(Path file) throws BadImageException {
        try {
            long size = Files.size(file);
            if (size == 0) throw new BadImageException(file, "zero-byte file", null);
            if (size > maxFileBytes) throw new BadImageException(file, "file of " + size + " bytes is above the limit " + maxFileBytes, null);
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BadImageException(file, "cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static ImageReader readerFor(ImageInputStream in, Path name) throws IOException, BadImageException {
        Iterator<ImageReader> it = ImageIO.getImageReaders(in);
        if (!it.hasNext()) throw new BadImageException(name, "not a JPEG/PNG/BMP image (no ImageIO reader recognizes it)", null);
        return it.next();
    }

    private void checkSize(Path name, int w, int h) throws ImageTooLargeException, IIOException {
        if (w <= 0 || h <= 0) throw new IIOException("header has size " + w + "x" + h);
        if (w > maxSide || h > maxSide || (long) w * h > maxPixels) {
            throw new ImageTooLargeException(name, w, h, maxSide + "x" + maxSide + " and " + maxPixels + " pixels");
        }
    }
}
