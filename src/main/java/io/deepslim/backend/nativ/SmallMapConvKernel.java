package io.deepslim.backend.nativ;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The native dense convolution for small maps of {@code ds_small_conv_forward}: the input unfolded into
 * (Cin·kh·kw) × (batch·Ho·Wo) columns and multiplied with the weight read once per call in its own size,
 * bias, ReLU and a 2×2/2 max-pool fused. Fused inference takes it for ungrouped convs whose output map has
 * at most {@link #maxPositions()} positions (Ho × Wo, any batch): there Winograd F(4×4) has one or two tiles per
 * image and its transformed filter, 4× the weight's bytes, is what the layer's time goes into (vgg45m's 256→512
 * layer on a 4×4 map reads 19 MB for 4.7 M multiplies). The weight is packed once per content version.
 * {@code -Ddeepslim.conv.smallMap=off} switches it off; {@code -Ddeepslim.conv.smallMapPositions=N} moves the limit.
 */
public final class SmallMapConvKernel {
    private SmallMapConvKernel() {}

    /**
     * Default {@link #maxPositions()}: measured on vgg45m at 32 and 64 px, batch 1 and 8, layer by layer inside
     * whole forwards (weights come from memory as in a forward): 4×4 and 2×2 maps 1.3–2.9× faster than
     * Winograd, 8×8 maps 1.3–1.9× slower (benchmarks/results/2026-11-30-dense-small-map.md).
     */
    public static final int DEFAULT_MAX_POSITIONS = 16;

    private static final AtomicLong CALLS = new AtomicLong();

    /** How many times the native kernel has run in this JVM (tests check that a path really used it). */
    public static long calls() { return CALLS.get(); }

    /** The most output positions per image (Ho × Wo) this kernel takes; 0 when switched off. */
    public static int maxPositions() {
        if ("off".equals(System.getProperty("deepslim.conv.smallMap", "on"))) return 0;
        return Integer.getInteger("deepslim.conv.smallMapPositions", DEFAULT_MAX_POSITIONS);
    }

    /** The rule for fused inference: ungrouped, at least 16 output channels, 1 ≤ Ho × Wo ≤ {@link #maxPositions()}. */
    public static boolean wanted(int cout, int ho, int wo, ConvParams p) {
        long positions = (long) ho * wo;
        return p.groups() == 1 && cout >= 16 && positions >= 1 && positions <= maxPositions();
    }

    /** The kernel's name on {@code k}'s path, e.g. "dense small-map avx512-vnni" (for profiles and {@code info}). */
    public static String name(NativeKernels k) { return "dense small-map " + k.pathName(); }

    /** w (Cout, Cin, kh, kw) packed as [Cout/16][Cin·kh·kw][16], once per content version of w. */
    public static Tensor packedWeight(Tensor w) {
        if (w.dim() != 4) throw new IllegalArgumentException("small-map conv: weight " + java.util.Arrays.toString(w.shape()) + " is not 4-D");
        return w.packed("native.smallMapConv", t -> TensorScope.unscoped(() -> {
            int cout = t.size(0), k = t.size(1) * t.size(2) * t.size(3);
            Tensor u = Tensor.empty(t.device(), DType.F32, Math.toIntExact(NativeLibrary.ds_small_conv_packed_floats(cout, k)));
            NativeLibrary.ds_small_conv_pack(NativeKernels.addr(t.contiguousRaw()), cout, k, NativeKernels.addr(u));
            return u;
        }));
    }

    /**
     * y = conv(x, w) + bias, ReLU when {@code relu}, then the 2×2/2 max-pool when {@code pool} (y is then
     * (N, Cout, ⌊Ho/2⌋, ⌊Wo/2⌋)). Contiguous F32 host tensors; ungrouped.
     */
    public static void forward(NativeKernels k, Tensor x, Tensor w, Tensor bias, ConvParams p, boolean relu, boolean pool, Tensor y) {
        int n = x.size(0), cin = x.size(1), h = x.size(2), wd = x.size(3), cout = w.size(0), kh = w.size(2), kw = w.size(3);
        int ho = p.outH(h, kh), wo = p.outW(wd, kw);
        if (x.dim() != 4 || w.dim() != 4 || w.size(1) != cin || p.groups() != 1 || (bias != null && bias.numel() != cout)
                || y.dim() != 4 || y.size(0) != n || y.size(1) != cout || y.size(2) != (pool ? ho / 2 : ho) || y.size(3) != (pool ? wo / 2 : wo)
                || ho < 1 || wo < 1 || (pool && (ho < 2 || wo < 2))) {
            throw new IllegalArgumentException("small-map conv: shapes do not agree: x " + java.util.Arrays.toString(x.shape())
                    + ", weight " + java.util.Arrays.toString(w.shape()) + ", y " + java.util.Arrays.toString(y.shape())
                    + (pool ? " (pooled)" : "") + ", " + p);
        }
        Tensor u = packedWeight(w);
        NativeLibrary.ds_small_conv_forward(k.path(), k.threads(), NativeKernels.addr(x.contiguousRaw()), n, cin, h, wd,
                NativeKernels.addr(u), NativeKernels.addrOrNull(bias), cout, kh, kw, p.strideH(), p.strideW(), p.padH(), p.padW(),
                p.dilationH(), p.dilationW(), relu ? 1 : 0, pool ? 1 : 0, NativeKernels.addr(y), ho, wo);
        CALLS.incrementAndGet();
    }
}
