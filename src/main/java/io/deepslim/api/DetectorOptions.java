package io.deepslim.api;

import io.deepslim.data.ImageDecoder;

/**
 * How a {@link Detector} is set up; immutable, built with the {@code with…} methods from
 * {@link #defaults()}.
 *
 * @param threshold     call an image fake when p_fake ≥ this (default 0.5; see {@link Calibration} to pick one)
 * @param threads       images a batch call decodes and preprocesses in parallel (default: available cores);
 *                      the convolution kernels use the CPU backend's own pool
 * @param device        "cpu" (default), or "cuda" for the first NVIDIA GPU (runs the unfused model there;
 *                      refused with the reason when no usable GPU is found)
 * @param maxImageBytes largest encoded image accepted (default 256 MiB)
 * @param maxImageSide  largest width or height accepted, checked from the header before decoding (default 16384)
 * @param maxImagePixels largest width × height accepted (default 100 megapixels)
 * @param fuse          run the fused inference graph on the CPU: batch norm folded into the convolutions, ReLU and pooling
 *                      joined to the kernels, for dense and compressed models (default true; same results up to float rounding)
 */
public record DetectorOptions(double threshold, int threads, String device, long maxImageBytes, int maxImageSide,
                              long maxImagePixels, boolean fuse) {
    /** Validates every field. */
    public DetectorOptions {
        if (!(threshold >= 0 && threshold <= 1)) throw new IllegalArgumentException("threshold must be in [0,1]: " + threshold);
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1: " + threads);
        if (device == null || device.isBlank()) throw new IllegalArgumentException("device must be named (\"cpu\")");
        if (maxImageBytes < 1 || maxImageSide < 1 || maxImagePixels < 1) throw new IllegalArgumentException("image caps must be positive");
    }

    /** Threshold 0.5, all cores, CPU, the image decoder's default caps, fusion on. */
    public static DetectorOptions defaults() {
        return new DetectorOptions(0.5, Runtime.getRuntime().availableProcessors(), "cpu", ImageDecoder.DEFAULT_MAX_FILE_BYTES,
                ImageDecoder.DEFAULT_MAX_SIDE, ImageDecoder.DEFAULT_MAX_PIXELS, true);
    }

    /** Same options with another decision threshold. */
    public DetectorOptions withThreshold(double t) {
        return new DetectorOptions(t, threads, device, maxImageBytes, maxImageSide, maxImagePixels, fuse);
    }

    /** Same options with another batch parallelism. */
    public DetectorOptions withThreads(int n) {
        return new DetectorOptions(threshold, n, device, maxImageBytes, maxImageSide, maxImagePixels, fuse);
    }

    /** Same options on another device ("cpu" or "cuda"). */
    public DetectorOptions withDevice(String d) {
        return new DetectorOptions(threshold, threads, d, maxImageBytes, maxImageSide, maxImagePixels, fuse);
    }

    /** Same options with other image caps. */
    public DetectorOptions withImageLimits(long maxBytes, int maxSide, long maxPixels) {
        return new DetectorOptions(threshold, threads, device, maxBytes, maxSide, maxPixels, fuse);
    }

    /** Same options with batch-norm fusion on or off. */
    public DetectorOptions withFusion(boolean on) {
        return new DetectorOptions(threshold, threads, device, maxImageBytes, maxImageSide, maxImagePixels, on);
    }
}
