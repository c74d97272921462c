package io.deepslim.backend;

/** Geometry of a 2-D convolution: stride, padding, dilation (height, width) and groups. */
public record ConvParams(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {
    public ConvParams {
        if (strideH < 1 || strideW < 1) throw new IllegalArgumentException("conv2d: stride must be ≥ 1, got " + strideH + "x" + strideW);
        if (padH < 0 || padW < 0) throw new IllegalArgumentException("conv2d: padding must be ≥ 0, got " + padH + "x" + padW);
        if (dilationH < 1 || dilationW < 1) throw new IllegalArgumentException("conv2d: dilation must be ≥ 1");
        if (groups < 1) throw new IllegalArgumentException("conv2d: groups must be ≥ 1, got " + groups);
    }

    /** Square stride/padding, no dilation. */
    public static ConvParams of(int stride, int pad, int groups) { return new ConvParams(stride, stride, pad, pad, 1, 1, groups); }

    /** Output height for input height h and kernel height kh. */
    public int outH(int h, int kh) { return Math.floorDiv(h + 2 * padH - dilationH * (kh - 1) - 1, strideH) + 1; }

    public int outW(int w, int kw) { return Math.floorDiv(w + 2 * padW - dilationW * (kw - 1) - 1, strideW) + 1; }
}
