package io.deepslim.backend.nativ;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The native Winograd F(4×4, 3×3) convolution of {@code ds_winograd_f4_forward}: stride 1, padding 1,
 * ungrouped, with bias, ReLU and a 2×2/2 max-pool fused into the output transform. The filter is
 * transformed once per weight version ({@link #packedFilter}). Engine code checks {@link #wanted}
 * and keeps its Java path otherwise; {@code -Ddeepslim.winograd.native=off} switches it off.
 */
public final class WinogradKernel {
    private WinogradKernel() {}

    /** Fewer channels than this on either side: the transforms cost more than the multiplies saved (as the Java Winograd rule). */
    public static final int MIN_CHANNELS = 16;

    private static final AtomicLong CALLS = new AtomicLong(), FILTER_CALLS = new AtomicLong();

    /** How many times the native kernel has run in this JVM (tests check that a path really used it). */
    public static long calls() { return CALLS.get(); }

    /** How many times the native backward-filter has run in this JVM (tests check that a path really used it). */
    public static long backwardFilterCalls() { return FILTER_CALLS.get(); }

    /** False when {@code -Ddeepslim.winograd.native=off} (or {@code deepslim.winograd=off}) is set. */
    public static boolean enabled() {
        return !"off".equals(System.getProperty("deepslim.winograd.native", "on"))
                && !"off".equals(System.getProperty("deepslim.winograd", "auto"));
    }

    /** True for the geometry this kernel computes: 3×3, stride 1, padding 1, undilated, ungrouped. */
    public static boolean supports(int kh, int kw, ConvParams p) {
        return kh == 3 && kw == 3 && p.strideH() == 1 && p.strideW() == 1 && p.padH() == 1 && p.padW() == 1
                && p.dilationH() == 1 && p.dilationW() == 1 && p.groups() == 1;
    }

    /**
     * The rule for inference: enabled, a supported geometry, at least {@link #MIN_CHANNELS} channels
     * in and out and a map of at least 4×4 (where the Java backend would pick Winograd F(4×4)).
     */
    public static boolean wanted(int cin, int cout, int h, int w, int kh, int kw, ConvParams p) {
        return enabled() && supports(kh, kw, p) && cin >= MIN_CHANNELS && cout >= MIN_CHANNELS && Math.min(h, w) >= 4;
    }

    /** The kernel's name on {@code k}'s path, e.g. "winograd-native F4 avx512-vnni" (for profiles and {@code info}). */
    public static String name(NativeKernels k) { return "winograd-native F4 " + k.pathName(); }

    /** The transformed filter U of w (Cout, Cin, 3, 3), built once per content version of w. */
    public static Tensor packedFilter(Tensor w) {
        if (w.dim() != 4 || w.size(2) != 3 || w.size(3) != 3) {
            throw new IllegalArgumentException("winograd: weight " + java.util.Arrays.toString(w.shape()) + " is not (Cout, Cin, 3, 3)");
        }
        return w.packed("native.winogradF4", t -> TensorScope.unscoped(() -> {
            int cout = t.size(0), cin = t.size(1);
            long floats = NativeLibrary.ds_winograd_f4_packed_floats(cin, cout);
            Tensor u = Tensor.empty(t.device(), DType.F32, Math.toIntExact(floats));
            NativeLibrary.ds_winograd_f4_pack(NativeKernels.addr(t.contiguousRaw()), cout, cin, NativeKernels.addr(u));
            return u;
        }));
    }

    /**
     * The transformed filter of the transposed, 180°-rotated w' (Cin, Cout, 3, 3) — w'[ci][co][i][j] =
     * w[co][ci][2-i][2-j] — so that the gradient of a 3×3 pad-1 conv with respect to its input is the same
     * kernel run on dy; built once per content version of w.
     */
    public static Tensor packedFilterTransposed(Tensor w) {
        if (w.dim() != 4 || w.size(2) != 3 || w.size(3) != 3) {
            throw new IllegalArgumentException("winograd: weight " + java.util.Arrays.toString(w.shape()) + " is not (Cout, Cin, 3, 3)");
        }
        return w.packed("native.winogradF4.transposed", t -> TensorScope.unscoped(() -> {
            int cout = t.size(0), cin = t.size(1);
            float[] src = t.contiguousRaw().toFloatArray(), dst = new float[src.length];
            for (int co = 0; co < cout; co++)
                for (int ci = 0; ci < cin; ci++)
                    for (int i = 0; i < 3; i++)
                        for (int j = 0; j < 3; j++) dst[((ci * cout + co) * 3 + 2 - i) * 3 + 2 - j] = src[((co * cin + ci) * 3 + i) * 3 + j];
            Tensor wt = Tensor.of(dst, cin, cout, 3, 3);
            try {
                long floats = NativeLibrary.ds_winograd_f4_packed_floats(cout, cin);
                Tensor u = Tensor.empty(t.device(), DType.F32, Math.toIntExact(floats));
                NativeLibrary.ds_winograd_f4_pack(NativeKernels.addr(wt), cin, cout, NativeKernels.addr(u));
                return u;
            } finally {
                wt.close();
            }
        }));
    }

    /**
     * dx (N, Cin, H, W) = the gradient of a 3×3 stride-1 pad-1 conv with weight w (Cout, Cin, 3, 3) with respect to
     * its input, for dy (N, Cout, H, W): the forward kernel on dy with {@link #packedFilterTransposed}(w).
     */
    public static void backwardData(NativeKernels k, Tensor dy, Tensor w, Tensor dx) {
        int n = dy.size(0), cout = dy.size(1), h = dy.size(2), wd = dy.size(3), cin = w.size(1);
        if (dy.dim() != 4 || w.dim() != 4 || w.size(0) != cout || dx.dim() != 4 || dx.size(0) != n || dx.size(1) != cin
                || dx.size(2) != h || dx.size(3) != wd) {
            throw new IllegalArgumentException("winograd backward-data: shapes do not agree: dy " + java.util.Arrays.toString(dy.shape())
                    + ", weight " + java.util.Arrays.toString(w.shape()) + ", dx " + java.util.Arrays.toString(dx.shape()));
        }
        Tensor u = packedFilterTransposed(w);
        NativeLibrary.ds_winograd_f4_forward(k.path(), k.threads(), NativeKernels.addr(dy.contiguousRaw()), n, cout, h, wd,
                NativeKernels.addr(u), 0L, cin, 0, 0, NativeKernels.addr(dx));
        CALLS.incrementAndGet();
    }

    /**
     * y = [maxpool2](relu?(conv3x3(x, w) + bias)) with U = {@link #packedFilter}(w). x (N, Cin, H, W),
     * y (N, Cout, H, W) or (N, Cout, ⌊H/2⌋, ⌊W/2⌋) pooled; contiguous F32 host tensors; bias may be null.
     */
    public static void forward(NativeKernels k, Tensor x, Tensor w, Tensor bias, boolean relu, boolean pool, Tensor y) {
        int n = x.size(0), cin = x.size(1), h = x.size(2), wd = x.size(3), cout = w.size(0);
        int yh = pool ? h / 2 : h, yw = pool ? wd / 2 : wd;
        if (x.dim() != 4 || w.dim() != 4 || w.size(1) != cin || (bias != null && bias.numel() != cout)
                || y.dim() != 4 || y.size(0) != n || y.size(1) != cout || y.size(2) != yh || y.size(3) != yw) {
            throw new IllegalArgumentException("winograd: shapes do not agree: x " + java.util.Arrays.toString(x.shape())
                    + ", weight " + java.util.Arrays.toString(w.shape()) + ", y " + java.util.Arrays.toString(y.shape())
                    + (pool ? " (pooled)" : ""));
        }
        Tensor u = packedFilter(w);
        NativeLibrary.ds_winograd_f4_forward(k.path(), k.threads(), NativeKernels.addr(x.contiguousRaw()), n, cin, h, wd,
                NativeKernels.addr(u), NativeKernels.addrOrNull(bias), cout, relu ? 1 : 0, pool ? 1 : 0, NativeKernels.addr(y));
        CALLS.incrementAndGet();
    }

    /**
     * False when the kernel is off ({@link #enabled}) or {@code -Ddeepslim.winograd.native.bwf=off} (backward-filter
     * only, for A/B runs); {@code =always} skips {@link #wantedBackwardFilter}'s size thresholds (for measuring).
     */
    public static boolean backwardFilterEnabled() {
        return enabled() && !"off".equals(System.getProperty("deepslim.winograd.native.bwf", "on"));
    }

    /**
     * The rule for the backward-filter ({@link #backwardFilter}), the same as {@link #wanted}'s: a supported geometry,
     * at least {@link #MIN_CHANNELS} channels in and out, a map of at least 4×4. Measured against the im2col +
     * OpenBLAS path (single-thread CPU time, batch 32, benchmarks/results/2026-11-30-train-bwf-layers.md): vgg45m's
     * 64×64 layers 2–8 take 0.3–0.55× its time; 32→32 @32 0.6×, 16→16 @32 0.6×, 16→64 @64 1.0×; left out as
     * slower or no faster: the first layer (3→64 @64: 2.4×, the output-gradient transform dominates) and maps
     * under 4×4 (3×3: 1.0×, 2×2: 0.9×, one tile mostly padding).
     */
    public static boolean wantedBackwardFilter(int cin, int cout, int h, int w, int kh, int kw, ConvParams p) {
        if (!backwardFilterEnabled() || !supports(kh, kw, p)) return false;
        // "always": every supported geometry (measuring the shapes the rule leaves out)
        if ("always".equals(System.getProperty("deepslim.winograd.native.bwf"))) return true;
        return cin >= MIN_CHANNELS && cout >= MIN_CHANNELS && Math.min(h, w) >= 4;
    }

    /**
     * dw (Cout, Cin, 3, 3) = the gradient of a 3×3 stride-1 pad-1 conv with respect to its weight, for input
     * x (N, Cin, H, W) and output gradient dy (N, Cout, H, W); overwritten. Contiguous F32 host tensors.
     */
    public static void backwardFilter(NativeKernels k, Tensor x, Tensor dy, Tensor dw) {
        int n = x.size(0), cin = x.size(1), h = x.size(2), wd = x.size(3), cout = dy.size(1);
        if (x.dim() != 4 || dy.dim() != 4 || dy.size(0) != n || dy.size(2) != h || dy.size(3) != wd || dw.dim() != 4
                || dw.size(0) != cout || dw.size(1) != cin || dw.size(2) != 3 || dw.size(3) != 3) {
            throw new IllegalArgumentException("winograd backward-filter: shapes do not agree: x " + java.util.Arrays.toString(x.shape())
                    + ", dy " + java.util.Arrays.toString(dy.shape()) + ", dw " + java.util.Arrays.toString(dw.shape()));
        }
        NativeLibrary.ds_winograd_f4_backward_filter(k.path(), k.threads(), NativeKernels.addr(x.contiguousRaw()),
                NativeKernels.addr(dy.contiguousRaw()), n, cin, h, wd, cout, NativeKernels.addr(dw));
        FILTER_CALLS.incrementAndGet();
    }
}
