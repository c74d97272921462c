package io.deepslim.backend.nativ;

import io.deepslim.backend.ConvParams;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;

/**
 * The inference kernel choice of one pruned layer: its masked weight packed once as CSR and run
 * by the native sparse kernels when the layer is sparse enough to beat dense, else dense. The pack
 * is rebuilt when the mask version changes or a kept weight was edited in place (checked per call
 * in O(nonzeros)). Not seen: an in-place write that re-enables pruned entries of the mask buffer
 * without {@code applyMask}; call {@link #invalidate()} after such an edit.
 */
public final class SparseKernel {
    /**
     * Sparsity from which the sparse kernel is used, per layer kind. Stride-1 convs compete with the
     * dense Winograd F(4×4) path; measured per layer, single thread, CPU time, the two alternating
     * (benchmarks/results/2026-11-30-sparse-layers-224-cpu.md): ungrouped convs with at most
     * {@link #SMALL_CONV_CHANNELS} input channels (vgg45m 3→64, 64→64, 64→128 @224/112) win from 50%
     * (1.2–2.2×), wider ones break even between 50% (128→128 @112) and 75% (256→512 @28), so they
     * use {@link #CONV_BREAK_EVEN}; below it a pruned conv stays dense and pruning does not make a
     * layer slower. Strided convs run the portable loop, which needs more sparsity to win.
     * Since then the dense side got faster for the small-channel layers (a direct native kernel with
     * the max-pool fused, which a sparse layer does not get): whole fused vgg45m, 2 threads, wall clock,
     * idle machine, small-channel break-even 50% vs 75% — 60%/70%-sparse models 0.83×/0.84× vs 1.03×/0.89×
     * of dense at 224 px, 0.78×/0.82× vs 1.11×/0.93× at 64 px (benchmarks/results/2026-11-30-compress-models-
     * vgg45m-*-final-idle*.md), so the small-channel default became 75% too. Then the sparse call got the
     * ReLU and pool in its epilogue as well ({@code infer.FusedPrunedConv2d}): per layer, one thread, CPU
     * time, the convs with up to 128 input channels (vgg45m layers 1-5) beat the dense fused ones at 70%
     * sparsity (1.1-1.4×) and lose at 60% (0.86-0.98×), the 256/512-channel ones still lose at 70%
     * (benchmarks/results/2026-11-30-pruned-profile-*.md); whole 70%-sparse vgg45m 1.07-1.10× vs 1.00-1.02× of
     * dense with 128 channels / 68% instead of 64 / 75%. All three are overridable
     * ({@code -Ddeepslim.sparse.smallConvBreakEven}, {@code -Ddeepslim.sparse.convBreakEven},
     * {@code -Ddeepslim.sparse.smallConvChannels}) for tuning.
     */
    public static final double SMALL_CONV_BREAK_EVEN = Double.parseDouble(System.getProperty("deepslim.sparse.smallConvBreakEven", "0.68")),
            CONV_BREAK_EVEN = Double.parseDouble(System.getProperty("deepslim.sparse.convBreakEven", "0.75")), STRIDED_CONV_BREAK_EVEN = 0.8, LINEAR_BREAK_EVEN = 0.6;

    /**
     * Ungrouped stride-1 convs with at most {@link #RGB_CONV_CHANNELS} input channels (a detector's RGB layer), whose dense
     * form is the direct native kernel: at 80% sparsity the sparse call tied it at 224 px (1.58 vs 1.66 ms) and lost at
     * 32 px (0.06-0.10 vs 0.04 ms; LayerProfile, 2 threads, 2026-11-30), which made 80%-pruned vgg45m 0.92-0.97x dense
     * at 32 and 64 px; at 90% it won at 224 px (1.18 ms). {@code -Ddeepslim.sparse.rgbConvBreakEven} overrides.
     */
    public static final double RGB_CONV_BREAK_EVEN = Double.parseDouble(System.getProperty("deepslim.sparse.rgbConvBreakEven", "0.85"));

    /** Most input channels of a conv that {@link #RGB_CONV_BREAK_EVEN} applies to. */
    public static final int RGB_CONV_CHANNELS = 4;

    /** Ungrouped stride-1 convs with at most this many input channels use {@link #SMALL_CONV_BREAK_EVEN} ({@code -Ddeepslim.sparse.smallConvChannels}). */
    public static final int SMALL_CONV_CHANNELS = Integer.getInteger("deepslim.sparse.smallConvChannels", 128);

    /** The break-even sparsity of a conv with cin input channels and these parameters. */
    public static double convBreakEven(int cin, ConvParams p) {
        if (p.strideH() != 1 || p.strideW() != 1) return STRIDED_CONV_BREAK_EVEN;
        if (p.groups() == 1 && cin <= RGB_CONV_CHANNELS) return RGB_CONV_BREAK_EVEN;
        return p.groups() == 1 && cin <= SMALL_CONV_CHANNELS ? SMALL_CONV_BREAK_EVEN : CONV_BREAK_EVEN;
    }

    /** Kernel policy: by break-even, or forced (tests, benchmarks). */
    public enum Mode { AUTO, SPARSE, DENSE }

    private volatile Mode mode = Mode.AUTO;
    private volatile NativeKernels kernels;  // null: the best path, resolved on first use
    private SparseWeights packed;  // guarded by this (layers are shared by predicting threads)
    private long packedVersion = Long.MIN_VALUE;
    private volatile String last = "dense (not run yet)";
    private volatile boolean frozen;  // weights fixed for good: no per-call content check

    /** Forces or frees the choice; returns this. */
    public SparseKernel mode(Mode m) {
        this.mode = m;
        return this;
    }

    /** Runs on these kernels (e.g. a forced path) instead of the best one; returns this. */
    public SparseKernel use(NativeKernels k) {
        this.kernels = k;
        return this;
    }

    /**
     * Declares the layer's weights fixed (an inference-only copy such as a fused graph): the pack is then reused
     * without the per-call O(nonzeros) check that kept values still match, which reads the whole dense weight and
     * mask (vgg45m's 256→512 conv: 9.4 MB a call, a third of a 90%-pruned 32 px forward). A mask-version change
     * still repacks. Returns this.
     */
    public SparseKernel freeze() {
        this.frozen = true;
        return this;
    }

    /** True once {@link #freeze()} was called. */
    public boolean frozen() { return frozen; }

    /** Drops the packed weights; the next inference call repacks. */
    public synchronized void invalidate() {
        packed = null;
        packedVersion = Long.MIN_VALUE;
    }

    /** The current policy. */
    public Mode mode() { return mode; }

    /** What the last inference call ran, e.g. "sparse-csr avx2 (90.0% sparse)" or "dense (30.0% sparse < 50%)". */
    public String lastChoice() { return last; }

    /**
     * y = conv(x, orig ⊙ mask) + bias (ReLU if {@code relu}) on the sparse kernel, or null when this
     * layer should run dense (below break-even, native library absent, or x not in host memory).
     */
    public Tensor conv(Tensor x, Tensor orig, Tensor mask, long maskVersion, Tensor bias, ConvParams p, boolean relu) {
        return conv(x, orig, mask, maskVersion, bias, p, relu, false);
    }

    /**
     * As {@link #conv(Tensor, Tensor, Tensor, long, Tensor, ConvParams, boolean)}, then, with {@code pool},
     * a 2×2 stride-2 max-pool in the same native call: y is (n, cout, ho/2, wo/2) and the full-size
     * map is never stored. Null (run dense) also when the map is smaller than the pool window.
     */
    public Tensor conv(Tensor x, Tensor orig, Tensor mask, long maskVersion, Tensor bias, ConvParams p, boolean relu, boolean pool) {
        NativeKernels k = resolve(x);
        if (k == null) return null;
        SparseWeights sw = current(orig, mask, maskVersion);
        int[] ws = orig.shape();
        if (!choose(k, sw, convBreakEven(ws[1] * p.groups(), p))) return null;
        int n = x.size(0), cin = x.size(1), h = x.size(2), w = x.size(3);
        int ho = p.outH(h, ws[2]), wo = p.outW(w, ws[3]);
        if (cin != ws[1] * p.groups() || ho <= 0 || wo <= 0) return null;  // the dense path words the error
        if (pool && (ho < 2 || wo < 2)) return null;
        if (NativeLibrary.ds_sparse_conv_small_map(k.path(), ho, wo) == 1) last = last.replaceFirst(" \\(", " small-map (");
        Tensor xc = x.contiguousRaw();
        Tensor y = pool ? Tensor.empty(x.device(), DType.F32, n, ws[0], ho / 2, wo / 2) : Tensor.empty(x.device(), DType.F32, n, ws[0], ho, wo);
        NativeLibrary.ds_sparse_conv2d_forward_pack(sw.id, k.path(), k.threads(), NativeKernels.addr(xc), n, cin, h, w,
                sw.rowptr.address(), sw.kidx.address(), sw.vals.address(), NativeKernels.addrOrNull(bias),
                ws[0], ws[2], ws[3], p.strideH(), p.strideW(), p.padH(), p.padW(), p.dilationH(), p.dilationW(),
                p.groups(), relu ? 1 : 0, pool ? 1 : 0, NativeKernels.addr(y), ho, wo);
        return y;
    }

    /** y = x · (orig ⊙ mask)ᵀ + bias on the sparse kernel for 2-D x, or null to run dense. */
    public Tensor linear(Tensor x, Tensor orig, Tensor mask, long maskVersion, Tensor bias, boolean relu) {
        NativeKernels k = resolve(x);
        if (k == null || x.dim() != 2 || x.size(1) != orig.size(1)) return null;
        SparseWeights sw = current(orig, mask, maskVersion);
        if (!choose(k, sw, LINEAR_BREAK_EVEN)) return null;
        Tensor xc = x.contiguousRaw();
        Tensor y = Tensor.empty(x.device(), DType.F32, x.size(0), orig.size(0));
        NativeLibrary.ds_sparse_linear_forward(k.path(), k.threads(), NativeKernels.addr(xc), x.size(0), x.size(1),
                sw.rowptr.address(), sw.kidx.address(), sw.vals.address(), NativeKernels.addrOrNull(bias),
                orig.size(0), relu ? 1 : 0, NativeKernels.addr(y));
        return y;
    }

    private NativeKernels resolve(Tensor x) {
        if (mode == Mode.DENSE) {
            last = "dense (forced)";
            return null;
        }
        NativeKernels k = kernels != null ? kernels : NativeKernels.get().orElse(null);
        if (k == null) last = "dense (native kernels unavailable)";
        else if (!NativeKernels.onHost(x) || x.dtype() != DType.F32) {
            last = "dense (input not in host memory)";
            return null;
        }
        return k;
    }

    private synchronized SparseWeights current(Tensor orig, Tensor mask, long maskVersion) {
        if (packed == null || packedVersion != maskVersion || !frozen && !packed.matches(orig, mask)) {
            packed = SparseWeights.pack(orig, mask);
            packedVersion = maskVersion;
        }
        return packed;
    }

    private boolean choose(NativeKernels k, SparseWeights sw, double breakEven) {
        double s = sw.sparsity();
        if (mode == Mode.AUTO && s < breakEven) {
            last = String.format("dense (%.1f%% sparse < break-even %.0f%%)", 100 * s, 100 * breakEven);
            return false;
        }
        last = String.format("sparse-csr %s (%.1f%% sparse)", k.pathName(), 100 * s);
        return true;
    }
}
