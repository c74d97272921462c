package io.deepslim.data;

/**
 * What the pipeline does to each image: output size S, per-channel normalization, and the augmentations,
 * each applied with its own probability. Order: blur → JPEG re-compression → crop → resize to S×S → flip
 * → scale to [0,1] → (x − mean) / std. Without a crop the whole image is resized to S×S (aspect ratio
 * not kept). A crop takes a random window of side fraction in [cropMinScale, 1] of each side.
 */
public record TransformConfig(int size, float[] mean, float[] std,
                              double flipProb,
                              double cropProb, double cropMinScale,
                              double blurProb, double blurSigmaMin, double blurSigmaMax,
                              double jpegProb, int jpegQualityMin, int jpegQualityMax) {
    /** ImageNet statistics, the default normalization (what ImageNet-initialized CNNs and CNNDetection use). */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    public TransformConfig {
        if (size <= 0) throw new IllegalArgumentException("size must be positive: " + size);
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("mean/std need 3 values");
        for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("std must be > 0");
        mean = mean.clone();
        std = std.clone();
        prob(flipProb); prob(cropProb); prob(blurProb); prob(jpegProb);
        if (!(cropMinScale > 0 && cropMinScale <= 1)) throw new IllegalArgumentException("cropMinScale in (0,1]: " + cropMinScale);
        if (blurSigmaMin < 0 || blurSigmaMax < blurSigmaMin) throw new IllegalArgumentException("blur sigma range " + blurSigmaMin + ".." + blurSigmaMax);
        if (jpegQualityMin < 1 || jpegQualityMax > 100 || jpegQualityMax < jpegQualityMin) {
            throw new IllegalArgumentException("JPEG quality range " + jpegQualityMin + ".." + jpegQualityMax);
        }
    }

    /** Evaluation: resize to S×S, ImageNet normalization, no augmentation. */
    public static TransformConfig eval(int size) {
        return new TransformConfig(size, IMAGENET_MEAN, IMAGENET_STD, 0, 0, 1, 0, 0, 0, 0, 100, 100);
    }

    /** Training as in CNNDetection: flip 0.5, blur σ∈[0,3] and JPEG quality∈[30,100] each with probability {@code p}. */
    public static TransformConfig cnnDetection(int size, double p) {
        return eval(size).withFlip(0.5).withBlur(p, 0, 3).withJpeg(p, 30, 100);
    }

    /** Same settings, with values left in [0,1] (mean 0, std 1). */
    public TransformConfig withoutNormalization() { return withNormalization(new float[]{0, 0, 0}, new float[]{1, 1, 1}); }

    public TransformConfig withNormalization(float[] m, float[] s) {
        return new TransformConfig(size, m, s, flipProb, cropProb, cropMinScale, blurProb, blurSigmaMin, blurSigmaMax, jpegProb, jpegQualityMin, jpegQualityMax);
    }

    public TransformConfig withSize(int s) {
        return new TransformConfig(s, mean, std, flipProb, cropProb, cropMinScale, blurProb, blurSigmaMin, blurSigmaMax, jpegProb, jpegQualityMin, jpegQualityMax);
    }

    public TransformConfig withFlip(double p) {
        return new TransformConfig(size, mean, std, p, cropProb, cropMinScale, blurProb, blurSigmaMin, blurSigmaMax, jpegProb, jpegQualityMin, jpegQualityMax);
    }

    public TransformConfig withCrop(double p, double minScale) {
        return new TransformConfig(size, mean, std, flipProb, p, minScale, blurProb, blurSigmaMin, blurSigmaMax, jpegProb, jpegQualityMin, jpegQualityMax);
    }

    public TransformConfig withBlur(double p, double sigmaMin, double sigmaMax) {
        return new TransformConfig(size, mean, std, flipProb, cropProb, cropMinScale, p, sigmaMin, sigmaMax, jpegProb, jpegQualityMin, jpegQualityMax);
    }

    public TransformConfig withJpeg(double p, int qMin, int qMax) {
        return new TransformConfig(size, mean, std, flipProb, cropProb, cropMinScale, blurProb, blurSigmaMin, blurSigmaMax, p, qMin, qMax);
    }

    /** True when some augmentation can fire (so results depend on the random stream). */
    public boolean augments() { return flipProb > 0 || cropProb > 0 || blurProb > 0 || jpegProb > 0; }

    @Override public float[] mean() { return mean.clone(); }
    @Override public float[] std() { return std.clone(); }

    private static void prob(double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("probability must be in [0,1]: " + p);
    }
}
