package io.deepslim.data.synth;

import java.util.Arrays;
import java.util.Locale;

/**
 * The synthetic fake "generators". Each leaves a different trace, as real GAN/diffusion families do.
 * Keep the order: a family's ordinal is part of its images' seeds.
 */
public enum FakeFamily {
    /** Transposed-conv 2× upsampling with a fixed random 4×4 kernel: unequal phase gains → checkerboard (period 2). */
    TCONV,
    /** Nearest 2× upsampling then a fixed 3×3 conv: no checkerboard, a weak high-frequency deficit. */
    RESIZECONV,
    /** 8×8-block decoder from a few DCT-like latents plus a fixed per-block pattern: period-8 spectrum. */
    VAE8,
    /** A real camera photo with an elliptical region swapped in from a generated image: local inconsistency. */
    BLEND,
    /** 4× bicubic re-upsampling of a low-resolution image plus sharpening: super-resolution-like. */
    SR;

    /** Lower-case name used in folder names and on the command line. */
    public String id() { return name().toLowerCase(Locale.ROOT); }

    /** The family called {@code id} (case-insensitive). */
    public static FakeFamily of(String id) {
        for (FakeFamily f : values()) if (f.id().equalsIgnoreCase(id.trim())) return f;
        throw new IllegalArgumentException("unknown family '" + id + "'; known: "
                + String.join(", ", Arrays.stream(values()).map(FakeFamily::id).toList()));
    }
}
