package io.deepslim.data;

/**
 * Separable resampling of a crop of an {@link RgbImage}. Per axis: area averaging (each output pixel is
 * the exact coverage-weighted mean of the source pixels under it, as OpenCV's INTER_AREA) when the axis
 * shrinks or keeps its size, bilinear with half-pixel centres (PyTorch's align_corners=False) when it
 * grows. Area averaging does not alias when downscaling large photos; bilinear does not blur upscales.
 */
public final class Resize {
    private Resize() {}

    /** Resizes the whole image to {@code outW} × {@code outH}. */
    public static RgbImage resize(RgbImage src, int outW, int outH) {
        return crop(src, 0, 0, src.width, src.height, outW, outH);
    }

    /** Resizes the crop ({@code x0}, {@code y0}, {@code cw} × {@code ch}) of {@code src} to {@code outW} × {@code outH}. */
    public static RgbImage crop(RgbImage src, int x0, int y0, int cw, int ch, int outW, int outH) {
        if (x0 < 0 || y0 < 0 || cw <= 0 || ch <= 0 || x0 + cw > src.width || y0 + ch > src.height) {
            throw new IllegalArgumentException("crop " + x0 + "," + y0 + " " + cw + "x" + ch + " outside " + src.width + "x" + src.height);
        }
        Taps tx = taps(cw, outW), ty = taps(ch, outH);
        int sw = src.width, sh = src.height;
        float[] tmp = new float[3 * ch * outW]; // horizontal pass: 3 × ch × outW
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < ch; y++) {
                int srow = (c * sh + y0 + y) * sw + x0, trow = (c * ch + y) * outW;
                for (int o = 0; o < outW; o++) {
                    float acc = 0;
                    int s = tx.start[o], base = o * tx.width;
                    for (int k = 0; k < tx.count[o]; k++) acc += tx.weight[base + k] * src.data[srow + s + k];
                    tmp[trow + o] = acc;
                }
            }
        }
        float[] out = new float[3 * outH * outW];
        for (int c = 0; c < 3; c++) {
            for (int o = 0; o < outH; o++) {
                int s = ty.start[o], base = o * ty.width, orow = (c * outH + o) * outW;
                for (int k = 0; k < ty.count[o]; k++) {
                    float w = ty.weight[base + k];
                    int trow = (c * ch + s + k) * outW;
                    for (int x = 0; x < outW; x++) out[orow + x] += w * tmp[trow + x];
                }
            }
        }
        return new RgbImage(outW, outH, out);
    }

    /** Per output index: first source index, number of taps, and weights (row-major, {@code width} per output). */
    record Taps(int[] start, int[] count, float[] weight, int width) {}

    static Taps taps(int in, int out) {
        if (out <= in) {
            double scale = (double) in / out;
            int width = (int) Math.ceil(scale) + 1;
            int[] start = new int[out], count = new int[out];
            float[] w = new float[out * width];
            for (int o = 0; o < out; o++) {
                double a = o * scale, b = Math.min(in, (o + 1) * scale);
                int i0 = (int) Math.floor(a), i1 = Math.min(in, (int) Math.ceil(b));
                start[o] = i0;
                int n = 0;
                for (int i = i0; i < i1; i++) {
                    double cover = Math.min(b, i + 1) - Math.max(a, i);
                    w[o * width + n++] = (float) (cover / scale);
                }
                count[o] = n;
            }
            return new Taps(start, count, w, width);
        }
        int[] start = new int[out], count = new int[out];
        float[] w = new float[out * 2];
        for (int o = 0; o < out; o++) {
            double pos = (o + 0.5) * in / out - 0.5;
            if (pos <= 0) { start[o] = 0; count[o] = 1; w[2 * o] = 1; continue; }
            if (pos >= in - 1) { start[o] = in - 1; count[o] = 1; w[2 * o] = 1; continue; }
            int i0 = (int) Math.floor(pos);
            float f = (float) (pos - i0);
            start[o] = i0; count[o] = 2;
            w[2 * o] = 1 - f; w[2 * o + 1] = f;
        }
        return new Taps(start, count, w, 2);
    }
}
