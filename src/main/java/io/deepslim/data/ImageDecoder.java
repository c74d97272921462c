package io.deepslim.data;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
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
 * any pixel is decoded, so decompression bombs are refused cheaply. Images above the full-decode budget
 * are decoded with source subsampling (every k-th pixel and row), so one decode never holds more than
 * about 16 bytes × budget whatever the header says. JPEG EXIF orientation is applied.
 * Thread-safe: every call uses its own reader.
 */
public final class ImageDecoder {
    /** Default cap on width and on height. */
    public static final int DEFAULT_MAX_SIDE = 16384;
    /** Default cap on width × height: 50 megapixels (larger headers are refused unread). */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;
    /** Default full-resolution decode budget: 16 megapixels (≈ 256 MB transient as image + float RGB). */
    public static final long DEFAULT_MAX_DECODE_PIXELS = 16_000_000L;
    /** A subsampled decode keeps at least this many times the requested side, for crops and area resizing. */
    static final int OVERSAMPLE = 4;
    /** Default cap on the file size. */
    public static final long DEFAULT_MAX_FILE_BYTES = 256L << 20;

    private static boolean pluginsRegistered; // guarded by ImageDecoder.class; no static initializer touches ImageIO

    private final int maxSide;
    private final long maxPixels;
    private final long maxFileBytes;
    private final long maxDecodePixels;
    private final boolean applyExif;

    /** A decoder with the default caps that applies EXIF orientation. */
    public ImageDecoder() { this(DEFAULT_MAX_SIDE, DEFAULT_MAX_PIXELS, DEFAULT_MAX_FILE_BYTES, true); }

    /** A decoder refusing images wider or taller than {@code maxSide} or with more than {@code maxPixels} pixels. */
    public ImageDecoder(int maxSide, long maxPixels, long maxFileBytes, boolean applyExif) {
        this(maxSide, maxPixels, maxFileBytes, DEFAULT_MAX_DECODE_PIXELS, applyExif);
    }

    /** As above; images over {@code maxDecodePixels} are decoded subsampled to fit that budget. */
    public ImageDecoder(int maxSide, long maxPixels, long maxFileBytes, long maxDecodePixels, boolean applyExif) {
        if (maxSide <= 0 || maxPixels <= 0 || maxFileBytes <= 0 || maxDecodePixels <= 0) {
            throw new IllegalArgumentException("decoder caps must be positive: side " + maxSide + ", pixels " + maxPixels
                    + ", file bytes " + maxFileBytes + ", decode pixels " + maxDecodePixels);
        }
        this.maxSide = maxSide;
        this.maxPixels = maxPixels;
        this.maxFileBytes = maxFileBytes;
        this.maxDecodePixels = maxDecodePixels;
        this.applyExif = applyExif;
    }

    /** This decoder with another cap on width × height (headers above it are refused). */
    public ImageDecoder withMaxPixels(long pixels) {
        return new ImageDecoder(maxSide, pixels, maxFileBytes, maxDecodePixels, applyExif);
    }

    /** This decoder with another full-resolution decode budget (larger images are subsampled to fit). */
    public ImageDecoder withMaxDecodePixels(long pixels) {
        return new ImageDecoder(maxSide, maxPixels, maxFileBytes, pixels, applyExif);
    }

    /** The cap on width × height. */
    public long maxPixels() { return maxPixels; }

    /**
     * Registers the ImageIO plugins on the class path (TwelveMonkeys' readers), once per JVM; later
     * calls do nothing. Called at the first decode; plugin jars are found at ImageIO's first use only if
     * they were on the class path then, so one explicit scan makes them visible.
     */
    public static void registerPlugins() {
        synchronized (ImageDecoder.class) {
            if (pluginsRegistered) return;
            ImageIO.scanForPlugins();
            pluginsRegistered = true;
        }
    }

    /** Reads and decodes {@code file} (subsampled only when above the decode budget). */
    public RgbImage decode(Path file) throws BadImageException {
        return decode(readBytes(file), file, 0);
    }

    /**
     * Reads and decodes {@code file} for use at {@code side}×{@code side}: an image above the decode
     * budget is subsampled by the largest integer factor that keeps its shorter side at least
     * 4·{@code side} (and at least by what the budget needs); smaller images decode at full resolution.
     */
    public RgbImage decode(Path file, int side) throws BadImageException {
        return decode(readBytes(file), file, side);
    }

    /** Decodes in-memory file bytes; {@code name} is only used in messages. */
    public RgbImage decode(byte[] bytes, Path name) throws BadImageException {
        return decode(bytes, name, 0);
    }

    /** Decodes in-memory file bytes for use at {@code side} (0: no size hint); see {@link #decode(Path, int)}. */
    public RgbImage decode(byte[] bytes, Path name, int side) throws BadImageException {
        if (bytes.length == 0) throw new BadImageException(name, "zero-byte file", null);
        registerPlugins();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = readerFor(in, name);
            try {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0), h = reader.getHeight(0);
                checkSize(name, w, h);
                ImageReadParam param = reader.getDefaultReadParam();
                int k = subsampling(w, h, side);
                if (k > 1) param.setSourceSubsampling(k, k, 0, 0);
                // readers report truncated/corrupt data as warnings and fill the rest with grey
                java.util.List<String> warnings = new java.util.ArrayList<>();
                reader.addIIOReadWarningListener((src, msg) -> warnings.add(msg));
                BufferedImage bi = reader.read(0, param);
                for (String warning : warnings) {
                    String l = warning.toLowerCase(java.util.Locale.ROOT);
                    if (l.contains("truncat") || l.contains("premature end") || l.contains("corrupt")) {
                        throw new BadImageException(name, "truncated or corrupt image data (" + warning + ")", null);
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

    /** Subsampling factor for a w×h image used at {@code side} (0: unknown): 1 within the decode budget. */
    int subsampling(int w, int h, int side) {
        if ((long) w * h <= maxDecodePixels) return 1;
        int k = (int) Math.ceil(Math.sqrt((double) w * h / maxDecodePixels)); // enough to fit the budget
        while ((long) ceilDiv(w, k) * ceilDiv(h, k) > maxDecodePixels) k++;
        if (side > 0) k = Math.max(k, Math.min(w, h) / (OVERSAMPLE * side)); // no finer than the use needs
        return Math.max(1, k);
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    /** Width and height from the header only, after the same checks as {@link #decode(Path)}. */
    public int[] probe(Path file) throws BadImageException {
        byte[] bytes = readBytes(file);
        if (bytes.length == 0) throw new BadImageException(file, "zero-byte file", null);
        registerPlugins();
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
            throw new ImageTooLargeException(name, w, h, maxSide + " per side and " + maxPixels + " pixels, the max-pixels setting");
        }
    }
}
