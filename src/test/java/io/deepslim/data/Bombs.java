package io.deepslim.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Decompression bombs for tests: PNGs of one colour whose rows compress ~1000:1, written row by row
 * so the test JVM never holds the pixels. A header-only bomb declares its size with a few bytes of data.
 */
final class Bombs {
    private Bombs() {}

    /** A complete w×h 8-bit RGB PNG filled with {@code rgb}: every pixel decodes; {@code small}: compress hard (slower). */
    static Path png(Path file, int w, int h, int rgb, boolean small) {
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(small ? Deflater.BEST_COMPRESSION : Deflater.BEST_SPEED);
        try (DeflaterOutputStream d = new DeflaterOutputStream(z, deflater, 1 << 16)) {
            byte[] row = new byte[1 + 3 * w]; // filter byte 0 (none), then RGB triples
            for (int x = 0; x < w; x++) {
                row[1 + 3 * x] = (byte) (rgb >> 16);
                row[2 + 3 * x] = (byte) (rgb >> 8);
                row[3 + 3 * x] = (byte) rgb;
            }
            for (int y = 0; y < h; y++) d.write(row);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deflater.end();
        }
        return write(file, w, h, z.toByteArray());
    }

    /** A PNG whose header declares w×h but whose data stops after a few bytes (refused or bad, never large). */
    static Path headerOnly(Path file, int w, int h) {
        return write(file, w, h, Arrays.copyOf(new byte[]{0x78, 0x01}, 16));
    }

    private static Path write(Path file, int w, int h, byte[] idat) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
                out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
                ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
                DataOutputStream d = new DataOutputStream(ihdr);
                d.writeInt(w);
                d.writeInt(h);
                d.write(new byte[]{8, 2, 0, 0, 0}); // 8 bits, truecolour, deflate, adaptive filter, no interlace
                chunk(out, "IHDR", ihdr.toByteArray());
                chunk(out, "IDAT", idat);
                chunk(out, "IEND", new byte[0]);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(OutputStream o, String type, byte[] data) throws IOException {
        DataOutputStream out = new DataOutputStream(o);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
