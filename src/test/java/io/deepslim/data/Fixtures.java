package io.deepslim.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Builds tiny image files for dataset fixtures. */
final class Fixtures {
    private Fixtures() {}

    /** Writes a w×h random-colour image (PNG, JPEG or BMP by extension) and returns its path. */
    static Path image(Path file, int w, int h, long seed) {
        BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) bi.setRGB(x, y, r.nextInt(1 << 24));
        String name = file.getFileName().toString().toLowerCase();
        String fmt = name.endsWith(".png") ? "png" : name.endsWith(".bmp") ? "bmp" : "jpeg";
        try {
            Files.createDirectories(file.getParent());
            if (fmt.equals("jpeg")) Files.write(file, JpegCodec.encode(bi, 90));
            else if (!ImageIO.write(bi, fmt, file.toFile())) throw new IOException("no writer for " + fmt);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Writes {@code n} tiny PNGs named 0.png.. into {@code dir}. */
    static void images(Path dir, int n) {
        for (int i = 0; i < n; i++) image(dir.resolve(i + ".png"), 8, 8, dir.hashCode() * 31L + i);
    }

    /** Writes raw bytes to a file (for corrupt inputs). */
    static Path bytes(Path file, byte[] b) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
