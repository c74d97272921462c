package io.deepslim.infer;

import io.deepslim.backend.nativ.SeparableKernel;
import io.deepslim.backend.nativ.WinogradKernel;
import io.deepslim.compress.prune.PrunedConv2d;
import io.deepslim.io.ModelFile;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Layers;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.nn.Sequential;

/**
 * Rewrites a trained network for inference: inside every {@link Sequential} of the tree (the zoo
 * blocks, a CAE's encoder, …) each Conv2d → BatchNorm2d [→ ReLU] run becomes one
 * {@link FusedConv2d}, and an ungrouped Conv2d → 1x1 Conv2d → BatchNorm2d [→ ReLU] run (a
 * separable block with a dense spatial conv) one composed {@link FusedConv2d}; a pruned conv → BN
 * run becomes one pruned conv with BN folded in (same mask), and the ReLU and 2x2 max-pool after it
 * join its sparse kernel call ({@link FusedPrunedConv2d}); in the heads a plain or pruned Linear [→ ReLU] becomes
 * one {@link FusedLinear} and evaluation-mode Dropout an identity. Everything else — other compressed
 * layers (int8, low-rank), adapters and other custom modules, whose forward is
 * not a plain chain — is kept as it is. The source model is not modified: the work is done on a
 * copy made through the model-file tree ({@link ModelFile#copy}), so any network that saves fuses.
 */
public final class InferenceFusion {
    private InferenceFusion() {}

    /** A fused evaluation-mode copy of {@code src}; logits equal src.eval()'s up to float rounding. */
    public static ZooNet fuse(ZooNet src) { return (ZooNet) fuse((Module) src); }

    /**
     * As {@link #fuse(ZooNet)}; {@code depthFirst} false runs the feature blocks one after the other on the
     * whole batch, keeping every map until the caller's scope closes (the graph before depth-first
     * execution, for comparisons); true is the default (see {@link DepthFirstRunner}).
     */
    public static ZooNet fuse(ZooNet src, boolean depthFirst) {
        ZooNet net = (ZooNet) fuse(src, (DepthFirstRunner.Rule) null);
        if (!depthFirst) net.setFeatureRunner(null);
        return net;
    }

    /** fuse(src) with the depth-first rule {@code rule} (null: from the system properties) for a detector's feature blocks. */
    static Module fuse(Module src, DepthFirstRunner.Rule rule) {
        Module net = fuse(src);
        if (net instanceof ZooNet z && rule != null) z.setFeatureRunner(new DepthFirstRunner(rule));
        return net;
    }

    /**
     * A fused evaluation-mode copy of any network built from registered layer types (see
     * {@code docs/model-files.md}); logits equal src.eval()'s up to float rounding. A network with
     * a module of an unregistered class cannot be copied: IllegalArgumentException naming it.
     */
    public static Module fuse(Module src) {
        Module net = ModelFile.copy(src);
        net.eval();
        java.util.Set<io.deepslim.tensor.Storage> before = storages(net);
        fuseAll(net);
        // the fused copy is inference-only and private: its pruned layers' weights never change, so the sparse
        // kernels skip their per-call check that the pack still matches the dense weight and mask
        freezeSparse(net);
        Int8Chain.link(net);
        net.eval();  // the layers fusion made are new (training mode)
        // the copy is private: free the conv/BN tensors the fused layers replaced now, not at the next GC
        java.util.Set<io.deepslim.tensor.Storage> after = storages(net);
        // (never one the source still uses: a copied pruned layer shares its bias with the source, int8 codes are shared)
        java.util.Set<io.deepslim.tensor.Storage> source = storages(src);
        for (io.deepslim.tensor.Storage s : before) if (!after.contains(s) && !source.contains(s)) s.close();
        // a detector's blocks run depth-first where the maps are large, maps released once consumed
        if (net instanceof ZooNet z) z.setFeatureRunner(new DepthFirstRunner(DepthFirstRunner.Rule.fromProperties()));
        return net;
    }

    /**
     * The graph inference runs on {@code device}: on the host the fused copy (dense and compressed models alike; the
     * native kernels work on host memory), on any other device the plain module moved there. What `predict`, `serve`
     * and {@code Detector} run.
     */
    public static Module forInference(Module net, io.deepslim.backend.Device device) {
        net.eval();
        return device.isHost() ? fuse(net) : net.to(device);
    }

    private static void freezeSparse(Module m) {
        if (m instanceof PrunedConv2d pc) pc.sparseKernel().freeze();
        for (Module c : m.children().values()) freezeSparse(c);
    }

    private static java.util.Set<io.deepslim.tensor.Storage> storages(Module net) {
        java.util.Set<io.deepslim.tensor.Storage> out = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (io.deepslim.tensor.Tensor t : net.stateDict().values()) out.add(t.storage());
        for (io.deepslim.tensor.Tensor t : net.parameters()) out.add(t.storage());
        return out;
    }

    private static void fuseAll(Module m) {
        if (m instanceof Sequential seq) fuseBlock(seq);
        for (Module c : m.children().values()) fuseAll(c);
    }

    /**
     * Sparsity from which a pruned conv that the native Winograd kernel would run dense goes sparse instead.
     * Against that kernel the sparse one breaks even at about 90% per vgg45m layer (224, batch 1, 2 threads,
     * load 1.5, LayerProfile, 90%-sparse / dense ms for layers 2-8: 4.71/5.51, 2.30/2.49, 4.31/3.95, 2.30/2.31,
     * 4.22/4.63, 3.17/3.24, 1.17/0.91) and the 90%-pruned model ran 0.87-0.92× dense in two CompressVersus runs,
     * while 95% is 1.2-1.5× faster on every layer (1.24× whole model) and 70-80%-sparse models ran 0.6× dense on
     * the sparse kernel: so dense below 92%. Then the sparse kernel got the column-split AVX-512 layout (1.1-1.3×
     * per layer at 80-90%) and its threads the persistent pool: whole vgg45m with every conv sparse, one thread,
     * CPU time, 85/88/90/92% sparse ran 1.02-1.09/1.19-1.26/1.33-1.40/1.55× dense (90%: 1.15-1.21× before);
     * 2 threads, wall, machine loaded (load 9-12), 90% 1.44-2.22× (1.09-1.39× before); with the idle 2-thread
     * figure above times the measured kernel gain, 90% ≈ 1.0-1.08×, 88% just below 1 — so dense below 89.5%
     * (not 90%: round-half-even pruning counts leave a 90%-pruned layer at e.g. 1555/1728 = 89.99%)
     * (benchmarks/results/2026-11-30-sparse-pool-models.md). {@code -Ddeepslim.sparse.winogradBreakEven=F} overrides.
     */
    static final double WINOGRAD_SPARSE_BREAK_EVEN = 0.895;

    /** {@link #WINOGRAD_SPARSE_BREAK_EVEN}, or {@code -Ddeepslim.sparse.winogradBreakEven=F} read at each fuse (A/B runs). */
    static double winogradSparseBreakEven() {
        return Double.parseDouble(System.getProperty("deepslim.sparse.winogradBreakEven", String.valueOf(WINOGRAD_SPARSE_BREAK_EVEN)));
    }

    /**
     * Sparsity from which a pruned conv below {@link #WINOGRAD_SPARSE_BREAK_EVEN} still runs sparse on the maps the
     * sparse small-map path takes (≤ 128 output positions) and dense (the Winograd block) on larger ones: 80%-pruned
     * vgg45m at 32 px, whose deep maps are 8×8 to 2×2, ran 1.64× dense with its convs sparse against 1.05× baked dense,
     * while 70% ran 0.96× (and at 64 px, most of whose maps are larger, 80% sparse everywhere only tied and 70% lost:
     * 0.80×; CompressVersus --fuse-property deepslim.sparse.winogradBreakEven=0.65, 7 rounds,
     * benchmarks/results/2026-11-30-mixed-small-map-break-even.md). That was against the dense graph of that time; once
     * dense convs got the small-map kernel (≤ 16 positions) and the Winograd Cout split, the mixed layers lost to plain
     * dense: 80% pruned 0.75× / 0.97× / 0.95× (32 px, 32 px batch 8, 64 px) against 0.96× / 1.01× / 1.02× with this
     * break-even off (CompressVersus --only prune20,prune30 --fuse-property deepslim.sparse.smallMapBreakEven=0.9,
     * 9 rounds, benchmarks/results/2026-11-30-mixed-break-even-after-small-map-dense.md). So it is off (1.0) by default;
     * {@code -Ddeepslim.sparse.smallMapBreakEven=F} turns the mixed mode on from sparsity F (read at each fuse).
     */
    static final double SMALL_MAP_SPARSE_BREAK_EVEN = 1.0;

    static double smallMapSparseBreakEven() {
        return Double.parseDouble(System.getProperty("deepslim.sparse.smallMapBreakEven", String.valueOf(SMALL_MAP_SPARSE_BREAK_EVEN)));
    }

    /** Whether the sparse kernel would leave this pruned conv dense (auto mode, sparsity below its break-even). */
    static boolean runsDense(PrunedConv2d pc) {
        if (pc.sparseKernel().mode() != io.deepslim.backend.nativ.SparseKernel.Mode.AUTO) return false;
        double breakEven = io.deepslim.backend.nativ.SparseKernel.convBreakEven(pc.in, pc.params);
        // baked dense, this layer would run the native Winograd kernel: a higher bar (lower on small maps: see sparseOnSmallMapsOnly)
        if (winogradCompetes(pc)) breakEven = Math.max(breakEven, Math.min(winogradSparseBreakEven(), smallMapSparseBreakEven()));
        return pc.maskedWeight().sparsity() < breakEven;
    }

    /** A 3x3 pruned conv whose dense form would run the native Winograd kernel. */
    private static boolean winogradCompetes(PrunedConv2d pc) {
        return pc.kernel == 3 && nativeWinogradBeatsDirect(pc.in, pc.out, pc.params);
    }

    /** Whether a pruned conv that stays pruned runs sparse on small maps only (below the Winograd break-even, auto mode). */
    static boolean sparseOnSmallMapsOnly(PrunedConv2d pc) {
        return pc.sparseKernel().mode() == io.deepslim.backend.nativ.SparseKernel.Mode.AUTO && winogradCompetes(pc)
                && pc.maskedWeight().sparsity() < winogradSparseBreakEven();
    }

    /**
     * A pruned conv → BN run: BN folded into weight_orig and bias (per output channel, so the
     * mask and the sparse kernel still apply); the ReLU and pool that follow are wrapped around it
     * afterwards ({@link FusedPrunedConv2d}), so the pruned layer itself stays a plain pruned conv.
     */
    private static PrunedConv2d foldPruned(PrunedConv2d pc, BatchNorm2d bn) {
        java.util.Map<String, io.deepslim.tensor.Tensor> s = pc.stateDict();
        Conv2d plain = new Conv2d(pc.in, pc.out, pc.kernel, pc.params, s.get("weight_orig"), s.get("bias"));
        java.util.Map<String, io.deepslim.tensor.Tensor> f = FusedConv2d.fold(plain, bn, false).stateDict();
        return new PrunedConv2d(new Conv2d(pc.in, pc.out, pc.kernel, pc.params, f.get("weight"), f.get("bias")), s.get("weight_mask"));
    }

    /**
     * Most input channels for which a dense 3x3 conv without a following pool runs as the direct
     * native kernel (a first layer; vgg45m's 64→128 @112: 5.2–5.4 ms against 7.8–8.4 with Winograd at
     * batch 1, 41 against 57–62 at batch 8; student20's 64→64 @7 no slower); {@code -Ddeepslim.directMaxCin=N}
     * overrides (4: first layers only, the earlier rule).
     */
    static final int DIRECT_MAX_CIN = Integer.getInteger("deepslim.directMaxCin", 64);

    /**
     * Most input channels for which a dense 3x3 conv followed by a 2x2 max-pool runs as the direct
     * native kernel with the pool in its epilogue (student20's 32→64 @112 and 64→128 @56: the
     * pre-pool map and the separate pool pass cost more than Winograd saves on so few channels);
     * {@code -Ddeepslim.directPooledMaxCin=N} overrides (0: never).
     */
    static final int DIRECT_POOLED_MAX_CIN = Integer.getInteger("deepslim.directPooledMaxCin", 64);

    /**
     * Most input channels for which a dense 3x3 conv on a map at most {@link #DIRECT_SMALL_MAP_MAX_WIDTH}
     * columns wide runs as the direct native kernel (wider inputs keep the backend's conv): student20's
     * 128→128 @28 / @14 (+pool) and 128→64 @7, single-thread CPU ms direct / Java Winograd / im2col
     * 1.5 / 1.9–2.5 / 4.7, 0.46 / 0.87–1.28 / 1.68, 0.10 / 0.61 / 0.40 (LayerProfile, loaded machine,
     * benchmarks/results/2026-11-30-students3-cpu-224.md) — used only without the native Winograd kernel, which
     * is faster still (see {@link #nativeWinogradBeatsDirect}); {@code -Ddeepslim.directSmallMapMaxCin=N} overrides (0: never).
     */
    static final int DIRECT_SMALL_MAP_MAX_CIN = Integer.getInteger("deepslim.directSmallMapMaxCin", 128);

    /** Widest input map that {@link #DIRECT_SMALL_MAP_MAX_CIN} applies to; {@code -Ddeepslim.directSmallMapMaxWidth=N} overrides. */
    static final int DIRECT_SMALL_MAP_MAX_WIDTH = Integer.getInteger("deepslim.directSmallMapMaxWidth", 28);

    /**
     * True when a dense stride-1 3x3 conv with cin ≥ 16 and cout ≥ 32 input/output channels should stay a
     * FusedConv2d (native Winograd F(4x4), pool in its output transform) rather than go to the direct kernel:
     * measured side by side, one thread, AVX-512: vgg45m's 64→64 @224+pool 11.5 vs 33 ms, 64→128 @112 4.2
     * vs 13.5, student20's 32→64 @112+pool 1.1 vs 2.3, 16→32 @112+pool 0.37 vs 0.58; but 16→16 @56 0.13
     * vs 0.09. Needs the native library and the switch on ({@code -Ddeepslim.winograd.native=off}) at fusion time.
     */
    static boolean nativeWinogradBeatsDirect(int cin, int cout, io.deepslim.backend.ConvParams p) {
        return cin >= WinogradKernel.MIN_CHANNELS && cout >= 2 * WinogradKernel.MIN_CHANNELS && WinogradKernel.supports(3, 3, p)
                && WinogradKernel.enabled() && io.deepslim.backend.nativ.NativeKernels.get().isPresent();
    }

    /**
     * Whether a pruned conv takes the ReLU and pool after it into its call ({@link FusedPrunedConv2d});
     * {@code -Ddeepslim.fusion.prunedEpilogue=false} keeps them separate layers (the earlier graph, for A/B
     * benchmarks), read at each fuse.
     */
    static boolean prunedEpilogue() { return !"false".equals(System.getProperty("deepslim.fusion.prunedEpilogue")); }

    /** The first index from {@code i} whose module is not an Identity (seq.size() if none). */
    private static int nextNonIdentity(Sequential seq, int i) {
        while (i < seq.size() && seq.get(i) instanceof Layers.Identity) i++;
        return i;
    }

    /** A 2x2, stride-2, unpadded max-pool. */
    static boolean isPool2(Module m) {
        return m instanceof Layers.MaxPool2d mp && mp.kernel() == 2 && mp.stride() == 2 && mp.padding() == 0;
    }

    static void fuseBlock(Sequential seq) {
        // a pruned conv below its sparse break-even runs dense anyway: as a plain conv on orig ⊙ mask it also
        // gets every dense fusion below (BN, ReLU, direct kernel, pool in the conv), which a pruned layer does not
        for (int i = 0; i < seq.size(); i++) {
            if (seq.get(i) instanceof PrunedConv2d pc && runsDense(pc)) seq.replaceChild(String.valueOf(i), pc.baked());
        }
        // a depthwise 3x3 conv → 1x1 conv → BN [→ ReLU] [→ 2x2 max-pool] run (student10's blocks 2-5): one
        // native pass whose intermediate map stays in cache
        for (int i = 0; i + 2 < seq.size(); i++) {
            Module a = seq.get(i), p = seq.get(i + 1), b = seq.get(i + 2);
            if (a.getClass() != Conv2d.class || p.getClass() != Conv2d.class || !(b instanceof BatchNorm2d)) continue;
            Conv2d dw = (Conv2d) a, pw = (Conv2d) p;
            if (dw.groups != dw.in || dw.in < 2 || !SeparableKernel.supports(dw.kernel, dw.kernel, dw.params)
                    || !FusedConv2d.isPointwise(pw) || pw.in != dw.out) continue;
            int j = i + 3;
            boolean relu = j < seq.size() && seq.get(j) instanceof Layers.ReLU;
            if (relu) j++;
            boolean pool = j < seq.size() && isPool2(seq.get(j));
            if (pool) j++;
            FusedConv2d point = FusedConv2d.fold(pw, (BatchNorm2d) b, relu);
            seq.replaceChild(String.valueOf(i), new FusedSeparable3x3(dw.params, dw.weight(), dw.bias(), point.foldedWeight(),
                    point.foldedBias(), relu, pool, dw.in + "→" + dw.out + " dw3x3 ·1x1→" + pw.out + " +BN" + (relu ? "+ReLU" : "")
                    + (pool ? "+maxpool2" : "")));
            for (int q = i + 1; q < j; q++) seq.replaceChild(String.valueOf(q), new Layers.Identity());
        }
        // an ungrouped conv → 1x1 conv → BN [→ ReLU] run (student10's first block): one composed conv,
        // fewer multiply-adds and no intermediate map
        for (int i = 0; i + 2 < seq.size(); i++) {
            Module a = seq.get(i), p = seq.get(i + 1), b = seq.get(i + 2);
            if (a.getClass() != Conv2d.class || p.getClass() != Conv2d.class || !(b instanceof BatchNorm2d)) continue;
            Conv2d conv = (Conv2d) a, pw = (Conv2d) p;
            if (conv.groups != 1 || !FusedConv2d.isPointwise(pw) || pw.in != conv.out) continue;
            boolean relu = i + 3 < seq.size() && seq.get(i + 3) instanceof Layers.ReLU;
            seq.replaceChild(String.valueOf(i), FusedConv2d.foldPair(conv, pw, (BatchNorm2d) b, relu));
            for (int j = i + 1; j <= i + (relu ? 3 : 2); j++) seq.replaceChild(String.valueOf(j), new Layers.Identity());
        }
        for (int i = 0; i + 1 < seq.size(); i++) {
            Module a = seq.get(i), b = seq.get(i + 1);
            if (a instanceof PrunedConv2d pc && b instanceof BatchNorm2d bn) {
                seq.replaceChild(String.valueOf(i), foldPruned(pc, bn));
                seq.replaceChild(String.valueOf(i + 1), new Layers.Identity());
                continue;
            }
            if (a.getClass() != Conv2d.class || !(b instanceof BatchNorm2d)) continue;
            boolean relu = i + 2 < seq.size() && seq.get(i + 2) instanceof Layers.ReLU;
            seq.replaceChild(String.valueOf(i), FusedConv2d.fold((Conv2d) a, (BatchNorm2d) b, relu));
            seq.replaceChild(String.valueOf(i + 1), new Layers.Identity());
            if (relu) seq.replaceChild(String.valueOf(i + 2), new Layers.Identity());
        }
        // a pruned conv (BN folded above) [→ ReLU] [→ 2x2 max-pool]: both in the sparse kernel's epilogue, so the
        // full-size map is never written and no separate ReLU/pool pass reads it back
        for (int i = 0; i < seq.size(); i++) {
            if (!(seq.get(i) instanceof PrunedConv2d pc)) continue;
            boolean mixed = sparseOnSmallMapsOnly(pc);  // dense on large maps: needs the wrapper even without an epilogue
            if (!prunedEpilogue() && !mixed) continue;
            int j = nextNonIdentity(seq, i + 1);
            boolean relu = prunedEpilogue() && j < seq.size() && seq.get(j) instanceof Layers.ReLU;
            int k = relu ? nextNonIdentity(seq, j + 1) : j;
            boolean pool = prunedEpilogue() && k < seq.size() && isPool2(seq.get(k));
            if (!relu && !pool && !mixed) continue;
            seq.replaceChild(String.valueOf(i), new FusedPrunedConv2d(pc, relu, pool, mixed));
            if (relu) seq.replaceChild(String.valueOf(j), new Layers.Identity());
            if (pool) seq.replaceChild(String.valueOf(k), new Layers.Identity());
        }
        // the heads: an evaluation-mode Dropout is the identity; a plain Linear [→ ReLU] one FusedLinear (small
        // batches: one native pass over the weight with bias and ReLU, no GEMM call and separate ReLU op)
        for (int i = 0; i < seq.size(); i++) {
            if (seq.get(i) instanceof Layers.Dropout) {
                seq.replaceChild(String.valueOf(i), new Layers.Identity());
                continue;
            }
            // a pruned Linear too, on its masked weight: at batch 1 and 8 the dense native pass beat the sparse kernel at
            // every sparsity measured (60-95%; 128→256 up to 6272→256 and 2048→2048: 1.4-10× faster; tiny 128→256 at
            // 95% was 1.4× the other way, 6 µs), so pruning no longer makes the heads slower than the dense model's
            if (seq.get(i).getClass() != Linear.class && !(seq.get(i) instanceof io.deepslim.compress.prune.PrunedLinear)) continue;
            Linear lin = seq.get(i) instanceof io.deepslim.compress.prune.PrunedLinear pl ? (Linear) pl.baked() : (Linear) seq.get(i);
            int j = nextNonIdentity(seq, i + 1);
            boolean relu = j < seq.size() && seq.get(j) instanceof Layers.ReLU;
            seq.replaceChild(String.valueOf(i), new FusedLinear(lin.weight(), lin.bias(), relu));
            if (relu) seq.replaceChild(String.valueOf(j), new Layers.Identity());
        }
        // an int8 conv → BN [→ ReLU] run: BN into the int8 scales and bias, ReLU into the kernel's epilogue
        for (int i = 0; i + 1 < seq.size(); i++) {
            Module a = seq.get(i), b = seq.get(i + 1);
            if (!(a instanceof io.deepslim.compress.quant.Int8Conv2d q) || q.relu || !(b instanceof BatchNorm2d)) continue;
            boolean relu = i + 2 < seq.size() && seq.get(i + 2) instanceof Layers.ReLU;
            seq.replaceChild(String.valueOf(i), io.deepslim.compress.quant.Int8Conv2d.foldBatchNorm(q, (BatchNorm2d) b, relu));
            seq.replaceChild(String.valueOf(i + 1), new Layers.Identity());
            if (relu) seq.replaceChild(String.valueOf(i + 2), new Layers.Identity());
        }
        // an int8 conv followed by a 2x2 max-pool: the pool in the int8 kernel (no float map, no separate pass)
        for (int i = 0; i < seq.size(); i++) {
            if (!(seq.get(i) instanceof io.deepslim.compress.quant.Int8Conv2d q) || q.pool) continue;
            int j = i + 1;
            while (j < seq.size() && seq.get(j) instanceof Layers.Identity) j++;
            if (j < seq.size() && isPool2(seq.get(j))) {
                seq.replaceChild(String.valueOf(i), q.pooled());
                seq.replaceChild(String.valueOf(j), new Layers.Identity());
            }
        }
        // a folded 3x3 conv with up to DIRECT_MAX_CIN input channels (a first layer, vgg45m's 64→128), or up to DIRECT_POOLED_MAX_CIN
        // when a 2x2 max-pool follows: the direct native kernel with the pool in its epilogue (im2col
        // with K = 27 does not pay; on few channels the pre-pool map costs more than Winograd saves)
        for (int i = 0; i < seq.size(); i++) {
            if (!(seq.get(i) instanceof FusedConv2d f)) continue;
            int[] ws = f.foldedWeight().shape();
            if (f.params().groups() != 1 || !SeparableKernel.supports(ws[2], ws[3], f.params())) continue;
            int j = i + 1;
            while (j < seq.size() && seq.get(j) instanceof Layers.Identity) j++;
            boolean pool = j < seq.size() && isPool2(seq.get(j));
            // more channels: direct on small maps only (decided per call on the input's width)
            boolean smallOnly = ws[1] > (pool ? Math.max(DIRECT_MAX_CIN, DIRECT_POOLED_MAX_CIN) : DIRECT_MAX_CIN);
            if (smallOnly && ws[1] > DIRECT_SMALL_MAP_MAX_CIN) continue;
            // the native Winograd kernel beats direct on small maps too (student20's 128→128 @28 / @14 +pool:
            // 0.38 / 0.19 ms against 0.85 / 0.41 direct, 2 threads, load 1.8), so the small-map rule only
            // applies where that kernel is off or absent
            if (nativeWinogradBeatsDirect(ws[1], ws[0], f.params())) continue;
            FusedSeparable3x3 direct = new FusedSeparable3x3(f.params(), f.foldedWeight(), f.foldedBias(), null, null,
                    f.relu(), pool, f.description() + (pool ? "+maxpool2" : "") + " direct");
            if (smallOnly) direct.withWideFallback(pool ? f.withMaxPool2() : f, DIRECT_SMALL_MAP_MAX_WIDTH);
            seq.replaceChild(String.valueOf(i), direct);
            if (pool) seq.replaceChild(String.valueOf(j), new Layers.Identity());
        }
        // any other folded conv followed by a 2x2 max-pool (vgg45m's blocks): the pool in the conv's call, so
        // the backend can pool in its output transform and the full-size map is never written (no argmax either)
        for (int i = 0; i < seq.size(); i++) {
            if (!(seq.get(i) instanceof FusedConv2d f) || f.pools()) continue;
            int j = i + 1;
            while (j < seq.size() && seq.get(j) instanceof Layers.Identity) j++;
            if (j < seq.size() && isPool2(seq.get(j))) {
                seq.replaceChild(String.valueOf(i), f.withMaxPool2());
                seq.replaceChild(String.valueOf(j), new Layers.Identity());
            }
        }
    }
}
