package io.deepslim.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.color.ColorSpace;

/**
 * An RGB image as three float planes in [0,1], laid out CHW: {@code data[(c*height + y)*width + x]}.
 * The working format of every transform; mutable, owned by one thread at a time.
 */
public final class RgbImage {
    public final int width;
    public final int height;
    /** 3 × height × width values in [0,1]. */
    public final float[] data;

    public RgbImage(int width, int height, float[] data) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image size " + width + "x" + height);
        if (data.length != 3L * width * height) throw new IllegalArgumentException("data length " + data.length + " for " + width + "x" + height);
        this.width = width;
        this.height = height;
        this.data = data;
    }

    /** A black image. */
    public static RgbImage blank(int width, int height) { return new RgbImage(width, height, new float[3 * width * height]); }

    /** Number of pixels in one plane. */
    public int plane() { return width * height; }

    /** Value of channel {@code c} at (x, y). */
    public float get(int c, int x, int y) { return data[(c * height + y) * width + x]; }

    /**
     * Converts any decoded image to RGB: grayscale is replicated, palettes are looked up, alpha is dropped
     * (as PIL's convert("RGB") does). Gray rasters are read as samples, not through Java's gray colour
     * space, which would brighten them.
     */
    public static RgbImage from(BufferedImage bi) {
        int w = bi.getWidth(), h = bi.getHeight(), n = w * h;
        float[] d = new float[3 * n];
        Raster r = bi.getRaster();
        boolean gray = !(bi.getColorModel() instanceof IndexColorModel)
                && (bi.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY || r.getNumBands() <= 2);
        if (gray) {
            float scale = 1f / ((1 << bi.getColorModel().getComponentSize(0)) - 1);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    float v = row[x] * scale;
                    int i = y * w + x;
                    d[i] = v; d[n + i] = v; d[2 * n + i] = v;
                }
            }
        } else if (bi.getType() == BufferedImage.TYPE_3BYTE_BGR && r.getDataBuffer() instanceof DataBufferByte db
                && db.getNumBanks() == 1 && db.getData().length == 3 * n) {
            byte[] b = db.getData();
            for (int i = 0; i < n; i++) {
                d[i] = (b[3 * i + 2] & 0xFF) * (1f / 255);
                d[n + i] = (b[3 * i + 1] & 0xFF) * (1f / 255);
                d[2 * n + i] = (b[3 * i] & 0xFF) * (1f / 255);
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                bi.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int p = row[x], i = y * w + x;
                    d[i] = ((p >> 16) & 0xFF) * (1f / 255);
                    d[n + i] = ((p >> 8) & 0xFF) * (1f / 255);
                    d[2 * n + i] = (p & 0xFF) * (1f / 255);
                }
            }
        }
        return new RgbImage(w, h, d);
    }

    /** An 8-bit RGB copy (rounded, clamped). */
    public BufferedImage toBufferedImage() {
        BufferedImage bi = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] px = ((DataBufferInt) bi.getRaster().getDataBuffer()).getData();
        int n = plane();
        for (int i = 0; i < n; i++) {
            px[i] = (to8(data[i]) << 16) | (to8(data[n + i]) << 8) | to8(data[2 * n + i]);
        }
        return bi;
    }

    /** Rounds a [0,1] value to 0..255. */
    public static int to8(float v) {
        int q = Math.round(v * 255f);
        return q < 0 ? 0 : Math.min(q, 255);
    }

    /** Mirrors the image left-right in place. */
    public void flipHorizontal() {
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < height; y++) {
                int base = (c * height + y) * width;
                for (int a = base, b = base + width - 1; a < b; a++, b--) {
                    float t = data[a]; data[a] = data[b]; data[b] = t;
                }
            }
        }
    }

    /** A copy. */
    public RgbImage copy() { return new RgbImage(width, height, data.clone()); }
}
