package io.deepslim.data;

/** Reads the EXIF orientation tag of a JPEG from its bytes and applies it to an image. */
final class ExifOrientation {
    private ExifOrientation() {}

    /** The orientation (1..8) in the JPEG's APP1 Exif segment, or 1 when absent or unreadable. */
    static int read(byte[] b) {
        if (b.length < 4 || (b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8) return 1;
        int i = 2;
        while (i + 4 <= b.length) {
            if ((b[i] & 0xFF) != 0xFF) return 1;
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xDA || marker == 0xD9) return 1; // pixels start: no EXIF before them
            int len = u16(b, i + 2, true);
            if (len < 2) return 1;
            if (marker == 0xE1 && i + 10 <= b.length && b[i + 4] == 'E' && b[i + 5] == 'x' && b[i + 6] == 'i'
                    && b[i + 7] == 'f' && b[i + 8] == 0 && b[i + 9] == 0) {
                return fromTiff(b, i + 10, Math.min(b.length, i + 2 + len));
            }
            i += 2 + len;
        }
        return 1;
    }

    private static int fromTiff(byte[] b, int t, int end) {
        if (t + 8 > end) return 1;
        boolean big;
        if (b[t] == 'M' && b[t + 1] == 'M') big = true;
        else if (b[t] == 'I' && b[t + 1] == 'I') big = false;
        else return 1;
        long ifd = u32(b, t + 4, big);
        if (ifd < 8 || t + ifd + 2 > end) return 1;
        int p = (int) (t + ifd);
        int n = u16(b, p, big);
        for (int k = 0; k < n; k++) {
            int e = p + 2 + 12 * k;
            if (e + 12 > end) return 1;
            if (u16(b, e, big) == 0x0112) {
                int v = u16(b, e + 8, big);
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int i, boolean big) {
        int a = b[i] & 0xFF, c = b[i + 1] & 0xFF;
        return big ? (a << 8) | c : (c << 8) | a;
    }

    private static long u32(byte[] b, int i, boolean big) {
        long hi = u16(b, big ? i : i + 2, big), lo = u16(b, big ? i + 2 : i, big);
        return (hi << 16) | lo;
    }

    /** The image as it should be displayed for EXIF orientation {@code o} (1 returns it unchanged). */
    static RgbImage apply(RgbImage src, int o) {
        if (o <= 1 || o > 8) return src;
        int w = src.width, h = src.height;
        boolean swap = o >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        float[] out = new float[3 * ow * oh];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx, sy;
                switch (o) {
                    case 2: sx = w - 1 - x; sy = y; break;
                    case 3: sx = w - 1 - x; sy = h - 1 - y; break;
                    case 4: sx = x; sy = h - 1 - y; break;
                    case 5: sx = y; sy = x; break;
                    case 6: sx = y; sy = h - 1 - x; break;
                    case 7: sx = w - 1 - y; sy = h - 1 - x; break;
                    default: sx = w - 1 - y; sy = x; break; // 8
                }
                for (int c = 0; c < 3; c++) out[(c * oh + y) * ow + x] = src.data[(c * h + sy) * w + sx];
            }
        }
        return new RgbImage(ow, oh, out);
    }
}
