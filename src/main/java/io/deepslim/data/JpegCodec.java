package io.deepslim.data;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;

/** In-memory JPEG encoding at a given quality (baseline, 4:2:0), used by augmentation and the synthetic writer. */
public final class JpegCodec {
    private JpegCodec() {}

    /** Encodes {@code img} (any RGB BufferedImage) as JPEG with {@code quality} in 1..100. */
    public static byte[] encode(BufferedImage img, int quality) {
        if (quality < 1 || quality > 100) throw new IllegalArgumentException("JPEG quality 1..100, got " + quality);
        BufferedImage rgb = img;
        if (img.getType() != BufferedImage.TYPE_INT_RGB && img.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
            rgb.getGraphics().drawImage(img, 0, 0, null);
        }
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
        if (!it.hasNext()) throw new IllegalStateException("no JPEG writer in ImageIO");
        ImageWriter w = it.next();
        ByteArrayOutputStream bos = new ByteArrayOutputStream(16 + img.getWidth() * img.getHeight());
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bos)) {
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality / 100f);
            w.setOutput(out);
            w.write(null, new IIOImage(rgb, null, null), p);
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding failed", e);
        } finally {
            w.dispose();
        }
        return bos.toByteArray();
    }

    /** Compresses and decompresses {@code img} at {@code quality}: the JPEG artifacts, back as floats. */
    public static RgbImage roundTrip(RgbImage img, int quality) {
        byte[] bytes = encode(img.toBufferedImage(), quality);
        try {
            return new ImageDecoder().decode(bytes, null);
        } catch (BadImageException e) {
            throw new IllegalStateException("could not decode a JPEG just written", e);
        }
    }
}
