package io.deepslim.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.*;

class DecodeTest {
    @TempDir Path tmp;
    private final ImageDecoder dec = new ImageDecoder();

    @Test void grayscalePngBecomesRgbWithoutBrightening() throws Exception {
        BufferedImage g = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = g.getRaster();
        for (int y = 0; y < 3; y++) for (int x = 0; x < 4; x++) r.setSample(x, y, 0, 20 * (x + 4 * y));
        Path f = tmp.resolve("g.png");
        ImageIO.write(g, "png", f.toFile());
        RgbImage img = dec.decode(f);
        assertEquals(4, img.width);
        assertEquals(3, img.height);
        for (int y = 0; y < 3; y++) for (int x = 0; x < 4; x++) {
            float want = 20 * (x + 4 * y) / 255f;
            for (int c = 0; c < 3; c++) assertEquals(want, img.get(c, x, y), 1e-6, "channel " + c);
        }
    }

    @Test void paletteAndAlphaPngs() throws Exception {
        byte[] red = {(byte) 255, 0}, green = {0, (byte) 128}, blue = {0, 64};
        BufferedImage p = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(1, 2, red, green, blue));
        p.getRaster().setSample(1, 0, 0, 1);
        Path f = tmp.resolve("p.png");
        ImageIO.write(p, "png", f.toFile());
        RgbImage img = dec.decode(f);
        assertEquals(1f, img.get(0, 0, 0), 1e-6);
        assertEquals(128 / 255f, img.get(1, 1, 0), 1e-6);
        assertEquals(64 / 255f, img.get(2, 1, 0), 1e-6);

        BufferedImage a = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        a.setRGB(0, 0, 0x10203040);
        Path fa = tmp.resolve("a.png");
        ImageIO.write(a, "png", fa.toFile());
        RgbImage ia = dec.decode(fa);
        assertEquals(0x20 / 255f, ia.get(0, 0, 0), 1e-6); // alpha dropped, colour kept
        assertEquals(0x40 / 255f, ia.get(2, 0, 0), 1e-6);
    }

    @Test void bmpDecodes() throws Exception {
        Path f = Fixtures.image(tmp.resolve("x.bmp"), 5, 4, 3);
        RgbImage img = dec.decode(f);
        BufferedImage ref = ImageIO.read(f.toFile());
        assertEquals(((ref.getRGB(2, 1) >> 8) & 0xFF) / 255f, img.get(1, 2, 1), 1e-6);
    }

    /** A 4-channel (CMYK, no Adobe marker) JPEG written through the JDK writer's raster path; TwelveMonkeys converts it to RGB. */
    @Test void cmykJpegDecodes() throws Exception {
        int w = 16, h = 8;
        WritableRaster r = Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, w, h, 4, null);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
            r.setPixel(x, y, new int[]{x < w / 2 ? 255 : 0, 255, 255, 255}); // left: no ink, right: full cyan
        }
        ImageWriter jdk = null;
        for (Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
            ImageWriter wr = it.next();
            if (wr.getClass().getName().startsWith("com.sun.")) jdk = wr;
        }
        assertNotNull(jdk, "JDK JPEG writer");
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bos)) {
            jdk.setOutput(out);
            jdk.write(null, new IIOImage(r, null, null), jdk.getDefaultWriteParam());
        }
        Path f = Files.write(tmp.resolve("cmyk.jpg"), bos.toByteArray());
        RgbImage img = dec.decode(f);
        assertEquals(w, img.width);
        // whatever the ink convention (Adobe inverted or not), the two halves must decode to different colours
        // with equal red/green/blue relations inside each half, and the decode must not fail
        new ImageDecoder(); // its class initializer rescans the ImageIO plugins
        assertTrue(ImageIO.getImageReadersByFormatName("jpeg").next().getClass().getName().startsWith("com.twelvemonkeys"),
                "TwelveMonkeys' JPEG reader (CMYK/YCCK aware) must come first");
        double diff = 0;
        for (int c = 0; c < 3; c++) {
            assertEquals(img.get(c, 1, 3), img.get(c, 5, 6), 0.05, "left half uniform");
            assertEquals(img.get(c, 10, 3), img.get(c, 14, 6), 0.05, "right half uniform");
            diff += Math.abs(img.get(c, 2, 4) - img.get(c, 13, 4));
        }
        assertTrue(diff > 0.3, "halves of different ink decode to different colours");
    }

    @Test void exifOrientationRotates() throws Exception {
        byte[] jpeg = JpegCodec.encode(new BufferedImage(6, 2, BufferedImage.TYPE_INT_RGB), 90);
        byte[] exif = {(byte) 0xFF, (byte) 0xE1, 0, 34, 'E', 'x', 'i', 'f', 0, 0,
                'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0};
        ByteBuffer b = ByteBuffer.allocate(jpeg.length + exif.length);
        b.put(jpeg, 0, 2).put(exif).put(jpeg, 2, jpeg.length - 2);
        assertEquals(6, ExifOrientation.read(b.array()));
        Path f = Files.write(tmp.resolve("rot.jpg"), b.array());
        RgbImage img = dec.decode(f);
        assertEquals(2, img.width);
        assertEquals(6, img.height);
        RgbImage plain = new ImageDecoder(ImageDecoder.DEFAULT_MAX_SIDE, ImageDecoder.DEFAULT_MAX_PIXELS, ImageDecoder.DEFAULT_MAX_FILE_BYTES, false).decode(f);
        assertEquals(6, plain.width);
    }

    @Test void orientationMapsPixels() {
        RgbImage src = RgbImage.blank(3, 2);
        src.data[0 * 3 + 2] = 1; // red at (x=2, y=0): top-right
        RgbImage r6 = ExifOrientation.apply(src, 6); // 90° clockwise: top-right goes to bottom-right
        assertEquals(2, r6.width);
        assertEquals(1f, r6.get(0, 1, 2));
        RgbImage r8 = ExifOrientation.apply(src, 8); // 90° counter-clockwise: top-right goes to top-left
        assertEquals(1f, r8.get(0, 0, 0));
        RgbImage r3 = ExifOrientation.apply(src, 3);
        assertEquals(1f, r3.get(0, 0, 1));
    }

    /** A PNG whose header claims 100000×100000 and that has no pixel data at all. */
    static byte[] pngBomb(int w, int h) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12);
        b.put(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(b, "IHDR", ihdr.array());
        chunk(b, "IEND", new byte[0]);
        return b.array();
    }

    private static void chunk(ByteBuffer b, String type, byte[] data) {
        b.putInt(data.length).put(type.getBytes()).put(data);
        CRC32 crc = new CRC32();
        crc.update(type.getBytes());
        crc.update(data);
        b.putInt((int) crc.getValue());
    }

    @Test void oversizedHeaderRefusedBeforeDecoding() throws Exception {
        Path f = Files.write(tmp.resolve("bomb.png"), pngBomb(100_000, 100_000));
        long t0 = System.nanoTime();
        assertThrows(ImageTooLargeException.class, () -> dec.decode(f));
        assertThrows(ImageTooLargeException.class, () -> dec.probe(f));
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "refusal should be immediate");
        Path ok = Fixtures.image(tmp.resolve("ok.png"), 64, 64, 1);
        ImageDecoder small = new ImageDecoder(32, 1_000_000, 1 << 20, true);
        assertThrows(ImageTooLargeException.class, () -> small.decode(ok));
        assertThrows(ImageTooLargeException.class, () -> new ImageDecoder(100, 1000, 1 << 20, true).decode(ok)); // 4096 px > 1000
    }

    @Test void badFilesThrowBadImage() throws Exception {
        Path good = Fixtures.image(tmp.resolve("good.jpg"), 32, 32, 1);
        byte[] g = Files.readAllBytes(good);
        Path zero = Fixtures.bytes(tmp.resolve("zero.png"), new byte[0]);
        Path text = Fixtures.bytes(tmp.resolve("text.jpg"), "not an image at all".getBytes());
        Path trunc = Fixtures.bytes(tmp.resolve("trunc.jpg"), java.util.Arrays.copyOf(g, g.length / 3));
        byte[] pngBytes = Files.readAllBytes(Fixtures.image(tmp.resolve("good.png"), 32, 32, 2));
        Path truncPng = Fixtures.bytes(tmp.resolve("trunc.png"), java.util.Arrays.copyOf(pngBytes, pngBytes.length / 2));
        // a truncated JPEG decodes "successfully" with grey fill; the reader's warnings make it a bad file
        for (Path p : new Path[]{zero, text, truncPng, trunc}) {
            BadImageException e = assertThrows(BadImageException.class, () -> dec.decode(p), p.toString());
            assertEquals(p, e.path());
        }
        assertEquals(32, dec.decode(good).width);
    }
}
