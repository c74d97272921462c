package io.deepslim.data;

/** Separable Gaussian blur with edge-clamped borders (radius ⌈3σ⌉), in place. */
public final class GaussianBlur {
    private GaussianBlur() {}

    /** Blurs every channel of {@code img} with standard deviation {@code sigma} pixels; σ < 0.05 is a no-op. */
    public static void apply(RgbImage img, double sigma) {
        if (sigma < 0.05) return;
        int r = (int) Math.ceil(3 * sigma);
        float[] k = new float[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) sum += k[i + r] = (float) Math.exp(-0.5 * i * i / (sigma * sigma));
        for (int i = 0; i < k.length; i++) k[i] /= (float) sum;
        int w = img.width, h = img.height;
        float[] line = new float[Math.max(w, h)];
        float[] d = img.data;
        for (int c = 0; c < 3; c++) {
            int p0 = c * w * h;
            for (int y = 0; y < h; y++) {
                int row = p0 + y * w;
                System.arraycopy(d, row, line, 0, w);
                for (int x = 0; x < w; x++) {
                    float acc = 0;
                    for (int j = -r; j <= r; j++) acc += k[j + r] * line[clamp(x + j, w)];
                    d[row + x] = acc;
                }
            }
            for (int x = 0; x < w; x++) {
                for (int y = 0; y < h; y++) line[y] = d[p0 + y * w + x];
                for (int y = 0; y < h; y++) {
                    float acc = 0;
                    for (int j = -r; j <= r; j++) acc += k[j + r] * line[clamp(y + j, h)];
                    d[p0 + y * w + x] = acc;
                }
            }
        }
    }

    private static int clamp(int i, int n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }
}
