package io.deepslim.backend.nativ;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * The native int8 path of one int8 layer: weights packed once (rows padded to a multiple of 4,
 * row sums precomputed), u8×s8 / s8×s8 GEMM with int32 accumulation and the reference's float
 * epilogue, so results equal {@code CpuBackend}'s int8 kernels bit for bit. Int8 codes are
 * immutable once a layer is built, so the pack is keyed by the codes tensor's identity.
 */
public final class Int8Kernel {
    /** Longest reduction whose int32 sum cannot overflow (as the Java reference). */
    private static final int MAX_K = Integer.MAX_VALUE / (128 * 127);

    private volatile NativeKernels kernels;
    private volatile Packed packed;  // published whole: layers are shared by predicting threads
    private volatile String last = "java (not run yet)";

    private record Packed(Tensor codes, BytePointer wpack, IntPointer wsum) {}

    /** Runs on these kernels (e.g. a forced path) instead of the best one; returns this. */
    public Int8Kernel use(NativeKernels k) {
        this.kernels = k;
        return this;
    }

    /** What the last call ran: "int8 avx2", or why the Java kernel ran. */
    public String lastChoice() { return last; }

    /** The kernels to use for {@code x}, or null (the caller runs its Java path). */
    public NativeKernels kernelsFor(Tensor x) {
        NativeKernels k = kernels != null ? kernels : NativeKernels.get().orElse(null);
        if (k == null) last = "java (native kernels unavailable)";
        else if (!NativeKernels.onHost(x)) last = "java (input not in host memory)";
        else return k;
        return null;
    }

    /** {min, max} of contiguous F32 {@code x} (native). */
    public static float[] minMax(Tensor x) {
        Tensor c = x.contiguousRaw();
        try (FloatPointer out = new FloatPointer(2)) {
            NativeLibrary.ds_min_max(NativeKernels.addr(c), c.numel(), out.address());
            return new float[]{out.get(0), out.get(1)};
        }
    }

    /** q = clamp(rint(x / scale) + zero, −128, 127) into I8 {@code q} (native, same rounding as the reference). */
    public static void quantize(NativeKernels k, Tensor x, float scale, int zero, Tensor q) {
        Tensor c = x.contiguousRaw();
        if (q.dtype() != DType.I8 || !q.isContiguous() || q.numel() != c.numel() || !(scale > 0) || zero < -128 || zero > 127) {
            throw new IllegalArgumentException("quantize: needs an I8 output of " + c.numel() + " codes, scale > 0, zero point in [-128, 127]");
        }
        NativeLibrary.ds_quantize_s8(k.threads(), NativeKernels.addr(c), c.numel(), scale, zero, NativeKernels.addr(q));
    }

    /** y (M, N) = int8 GEMM of xq (M, K) and wq (N, K); false when the reduction is too long (Java path reports it). */
    public boolean linear(NativeKernels k, Tensor xq, float xs, int xz, Tensor wq, Tensor wScale, Tensor bias, boolean relu, Tensor y) {
        int m = xq.size(0), kk = xq.size(1), n = wq.size(0);
        if (kk > MAX_K) return false;
        Packed pk = pack(wq, n, kk);
        Tensor sc = wScale.contiguousRaw();
        NativeLibrary.ds_int8_linear_forward(k.path(), k.threads(), NativeKernels.addr(xq.contiguousRaw()), m, kk, xs, xz,
                pk.wpack().address(), pk.wsum().address(), NativeKernels.addr(sc), (int) sc.numel(), NativeKernels.addrOrNull(bias),
                n, relu ? 1 : 0, NativeKernels.addr(y));
        last = "int8 " + k.pathName();
        return true;
    }

    /** y (N, Cout, Ho, Wo) = int8 convolution of xq with wq (Cout, Cin/g, kh, kw); false as {@link #linear}. */
    public boolean conv(NativeKernels k, Tensor xq, float xs, int xz, Tensor wq, Tensor wScale, Tensor bias, ConvParams p,
                        boolean relu, Tensor y) {
        return conv(k, xq, xs, xz, wq, wScale, bias, p, relu, false, 0f, 0, y);
    }

    /**
     * The convolution [+ ReLU] [+ 2x2 stride-2 max-pool when {@code pool}; y is then (N, Cout, ⌊Ho/2⌋, ⌊Wo/2⌋)],
     * stored as floats, or — {@code outScale > 0}, y I8 — as the int8 codes the next layer's input
     * quantization (outScale, outZero) gives them: equal to conv → ReLU → pool → quantize in the reference.
     */
    public boolean conv(NativeKernels k, Tensor xq, float xs, int xz, Tensor wq, Tensor wScale, Tensor bias, ConvParams p,
                        boolean relu, boolean pool, float outScale, int outZero, Tensor y) {
        int[] ws = wq.shape();
        int kk = ws[1] * ws[2] * ws[3];
        if (kk > MAX_K) return false;
        int ho = p.outH(xq.size(2), ws[2]), wo = p.outW(xq.size(3), ws[3]);
        boolean q8 = outScale > 0;
        if (y.dtype() != (q8 ? DType.I8 : DType.F32) || !y.isContiguous() || y.size(2) != (pool ? ho / 2 : ho) || y.size(3) != (pool ? wo / 2 : wo)
                || outZero < -128 || outZero > 127) {
            throw new IllegalArgumentException("int8 conv: output must be contiguous " + (q8 ? "I8" : "F32") + " of " + (pool ? ho / 2 : ho) + "x"
                    + (pool ? wo / 2 : wo) + " (zero point in [-128, 127]), got " + y);
        }
        Packed pk = packConv(wq, p.groups());
        Tensor sc = wScale.contiguousRaw();
        NativeLibrary.ds_int8_conv2d_forward(k.path(), k.threads(), NativeKernels.addr(xq.contiguousRaw()),
                xq.size(0), xq.size(1), xq.size(2), xq.size(3), xs, xz, pk.wpack().address(), pk.wsum().address(),
                NativeKernels.addr(sc), (int) sc.numel(), NativeKernels.addrOrNull(bias), ws[0], ws[2], ws[3],
                p.strideH(), p.strideW(), p.padH(), p.padW(), p.dilationH(), p.dilationW(), p.groups(), relu ? 1 : 0,
                pool ? 1 : 0, q8 ? outScale : 0f, outZero, NativeKernels.addr(y), ho, wo);
        last = "int8 " + k.pathName();
        return true;
    }

    /** Packs conv codes (Cout, Cin/g, kh, kw) natively (padded rows + the direct kernel's channel blocks), once per codes tensor. */
    private Packed packConv(Tensor wq, int groups) {
        Packed p = packed;
        if (p != null && p.codes() == wq) return p;
        int[] s = wq.shape();
        Tensor c = wq.contiguousRaw();
        BytePointer out = new BytePointer(NativeLibrary.ds_int8_conv2d_packed_bytes(s[0], s[1], s[2], s[3], groups));
        IntPointer sums = new IntPointer(s[0]);
        NativeLibrary.ds_int8_conv2d_pack(NativeKernels.addr(c), s[0], s[1], s[2], s[3], groups, out.address(), sums.address());
        p = new Packed(wq, out, sums);
        packed = p;
        return p;
    }

    /** Packs rows of k codes into rows of k4 (zero padded) and their sums, once per codes tensor. */
    private Packed pack(Tensor wq, int rows, int k) {
        Packed p = packed;
        if (p != null && p.codes() == wq) return p;
        byte[] codes = new byte[rows * k];
        Tensor c = wq.contiguousRaw();
        c.byteBuffer().get(c.offset(), codes);
        int k4 = NativeLibrary.ds_int8_packed_k(k);
        byte[] padded = new byte[rows * k4];
        int[] sums = new int[rows];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(codes, r * k, padded, r * k4, k);
            for (int i = 0; i < k; i++) sums[r] += codes[r * k + i];
        }
        p = new Packed(wq, new BytePointer(padded), new IntPointer(sums));
        packed = p;
        return p;
    }
}
