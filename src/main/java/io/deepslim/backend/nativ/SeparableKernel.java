package io.deepslim.backend.nativ;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.Tensor;

/**
 * The native 3×3 pad-1 convolution of {@code ds_separable3x3_forward}: depthwise (groups = Cin,
 * any channel multiplier) or dense with few input channels, optionally followed by a 1×1
 * convolution, with bias, ReLU and a 2×2 max-pool fused. Engine code checks {@link #supports}
 * and {@link #kernelsFor} and keeps its Java path otherwise.
 */
public final class SeparableKernel {
    private SeparableKernel() {}

    private static final java.util.concurrent.atomic.AtomicLong CALLS = new java.util.concurrent.atomic.AtomicLong();

    /** How many times the native kernel has run in this JVM (tests check that a path really used it). */
    public static long calls() { return CALLS.get(); }

    /** True when {@code p} is a 3×3 kernel's geometry this kernel runs: padding 1, stride 1 or 2 (same both ways), undilated. */
    public static boolean supports(int kh, int kw, ConvParams p) {
        return kh == 3 && kw == 3 && p.padH() == 1 && p.padW() == 1 && p.strideH() == p.strideW()
                && (p.strideH() == 1 || p.strideH() == 2) && p.dilationH() == 1 && p.dilationW() == 1;
    }

    /** The best kernels when {@code x} is in host memory and the library loaded, else null. */
    public static NativeKernels kernelsFor(Tensor x) {
        NativeKernels k = NativeKernels.get().orElse(null);
        return k != null && NativeKernels.onHost(x) ? k : null;
    }

    /**
     * y = [maxpool2](relu?(pw · (conv3x3(x, sw, groups, stride) + sb) + pb)); pw null: no 1×1 stage.
     * x (N, Cin, H, W), sw (Cmid, Cin/groups, 3, 3), pw (Cout, Cmid[, 1, 1]), y sized by the caller
     * (as in deepslim_native.h). All contiguous F32 host tensors; sb and pb may be null.
     */
    public static void forward(NativeKernels k, Tensor x, Tensor sw, Tensor sb, int groups, int stride, Tensor pw, Tensor pb,
                               boolean relu, boolean pool, Tensor y) {
        int n = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3), cmid = sw.size(0);
        int cout = pw == null ? cmid : pw.size(0);
        int ho = (h - 1) / stride + 1, wo = (w - 1) / stride + 1;
        if (pool) {
            ho /= 2;
            wo /= 2;
        }
        if (sw.dim() != 4 || sw.size(2) != 3 || sw.size(3) != 3 || cin % groups != 0 || cmid % groups != 0
                || sw.size(1) != cin / groups || (pw != null && pw.numel() != (long) cout * cmid)
                || y.dim() != 4 || y.size(0) != n || y.size(1) != cout || y.size(2) != ho || y.size(3) != wo) {
            throw new IllegalArgumentException("separable3x3: shapes do not agree: x " + java.util.Arrays.toString(x.shape())
                    + ", 3x3 weight " + java.util.Arrays.toString(sw.shape()) + ", groups " + groups
                    + (pw == null ? "" : ", 1x1 weight " + java.util.Arrays.toString(pw.shape())) + ", y " + java.util.Arrays.toString(y.shape()));
        }
        NativeLibrary.ds_separable3x3_forward(k.path(), k.threads(), NativeKernels.addr(x.contiguousRaw()), n, cin, h, w,
                NativeKernels.addr(sw.contiguousRaw()), NativeKernels.addrOrNull(sb), cmid, groups, stride,
                NativeKernels.addrOrNull(pw), NativeKernels.addrOrNull(pb), cout, relu ? 1 : 0, pool ? 1 : 0, NativeKernels.addr(y));
        CALLS.incrementAndGet();
    }
}
