package io.deepslim.backend.cpu;

import io.deepslim.tensor.DType;
import io.deepslim.tensor.Storage;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.lang.ref.WeakReference;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Winograd convolution for 3×3, stride-1, padding-1, ungrouped layers. The output is cut into
 * m×m tiles; tiles are processed in blocks of whole tile rows (across the batch). Per block:
 * the input transform writes V (t², Cin, P) from Java arrays, t² OpenBLAS sgemms give
 * M[ξ] (Cout, P) = U[ξ] (Cout, Cin) · V[ξ], and the output transform writes y with bias and
 * ReLU fused. The filter transform U is computed once per weight and cached; every call checks
 * the cached copy of the weight against the tensor's current content (a vectorized compare),
 * so in-place updates (training steps, state-dict loads) are picked up.
 */
final class WinogradConv {
    /** V + M of one block at most this many floats (8 MiB), unless one tile row needs more. */
    static final int BLOCK_BUDGET = 1 << 21;
    /** A block should have at least this many tiles so its GEMMs stay efficient. */
    static final int MIN_BLOCK_TILES = 96;
    /** Cached filter transforms kept (least recently used dropped first). */
    static final int CACHE_SIZE = 64;

    private final CpuBackend be;
    private final ThreadLocal<Storage[]> workspace = ThreadLocal.withInitial(() -> new Storage[2]);
    private final List<Filter> cache = new ArrayList<>();

    WinogradConv(CpuBackend be) { this.be = be; }

    /** Smallest input and output channel counts for which the transforms pay (measured: see docs). */
    static final int MIN_CHANNELS = 16;

    /**
     * The algorithm rule, in one place: Winograd for 3×3, stride-1, padding-1, undilated,
     * ungrouped convolutions with at least {@link #MIN_CHANNELS} input and output channels
     * (the first RGB layer, K = 27, stays on im2col); F(4×4) unless the map is under 4 pixels
     * high or wide (then a 4×4 tile is mostly padding and F(2×2) measured faster). The system
     * property {@code deepslim.winograd} = {@code off}, {@code f2} or {@code f4} overrides the
     * choice (for benchmarks); {@code auto} (the default) is the rule. Null means "not Winograd".
     * Measured single-threaded CPU ms, F4 / F2 / im2col: 64→64 @224 33 / 52 / 66; 256→512 @28
     * 10 / 15 / 23; 512→128 @14 3.4 / 3.1 / 4.6; batch 32: 256→512 @4 10 / 13 / 26, 512→128 @2 6.3 / 3.0 / 10.
     */
    static WinogradTransform choose(int n, int cin, int cout, int h, int w, int kh, int kw, io.deepslim.backend.ConvParams p) {
        String mode = System.getProperty("deepslim.winograd", "auto");
        if (mode.equals("off")) return null;
        if (kh != 3 || kw != 3 || p.strideH() != 1 || p.strideW() != 1 || p.padH() != 1 || p.padW() != 1
                || p.dilationH() != 1 || p.dilationW() != 1 || p.groups() != 1) return null;
        if (cin < MIN_CHANNELS || cout < MIN_CHANNELS) return null;
        if (mode.equals("f2")) return WinogradTransform.F2;
        if (mode.equals("f4")) return WinogradTransform.F4;
        return Math.min(h, w) < 4 ? WinogradTransform.F2 : WinogradTransform.F4;
    }

    /** A transformed filter: U (t², rows, cols) and the weight content it was computed from. */
    private static final class Filter {
        final WeakReference<Tensor> weight;
        final WinogradTransform tf;
        final boolean flipped;
        final Storage copy, u;

        Filter(Tensor w, WinogradTransform tf, boolean flipped, Storage copy, Storage u) {
            this.weight = new WeakReference<>(w);
            this.tf = tf;
            this.flipped = flipped;
            this.copy = copy;
            this.u = u;
        }

        boolean matches(Tensor w, WinogradTransform tf, boolean flipped) {
            if (weight.get() != w || this.tf != tf || this.flipped != flipped || u.isReleased()) return false;
            int n = (int) w.numel();
            FloatBuffer now = w.buffer().duplicate().position(w.offset()).limit(w.offset() + n).slice();
            FloatBuffer then = copy.floats().duplicate().position(0).limit(n).slice();
            return now.mismatch(then) < 0;
        }

        void close() {
            copy.close();
            u.close();
        }
    }

    /** The transformed filter of w (Cout, Cin, 3, 3), from the cache when w has not changed. */
    private Storage filter(Tensor w, WinogradTransform tf, boolean flipped) {
        synchronized (cache) {
            for (int i = 0; i < cache.size(); i++) {
                Filter f = cache.get(i);
                if (f.matches(w, tf, flipped)) {
                    if (i > 0) cache.add(0, cache.remove(i));
                    return f.u;
                }
            }
            for (int i = cache.size() - 1; i >= 0; i--) {
                Filter f = cache.get(i);
                if (f.weight.get() == null || f.weight.get() == w && f.tf == tf && f.flipped == flipped) cache.remove(i).close();
            }
            float[] wv = w.toFloatArray();
            int[] s = w.shape();
            float[] u = tf.filter(wv, s[0], s[1], flipped);
            Storage copy = TensorScope.unscoped(() -> Storage.uninitialized(DType.F32, wv.length));
            copy.floats().put(0, wv, 0, wv.length);
            Storage us = TensorScope.unscoped(() -> Storage.uninitialized(DType.F32, u.length));
            us.floats().put(0, u, 0, u.length);
            cache.add(0, new Filter(w, tf, flipped, copy, us));
            while (cache.size() > CACHE_SIZE) cache.remove(cache.size() - 1).close();
            return us;
        }
    }

    /**
     * y (N, Cout, H, W) = conv3×3(x (N, Cin, H, W), w, pad 1) + bias, then max(·, 0) when
     * {@code relu}. With {@code flipped}, w is (Cin, Cout, 3, 3) and the transposed convolution
     * is computed instead (backward data: dx = convᵀ(dy, w)).
     */
    void forward(Tensor x, Tensor w, Tensor bias, boolean relu, Tensor y, WinogradTransform tf, boolean flipped) {
        forward(x, w, bias, relu, false, y, tf, flipped);
    }

    /**
     * The forward convolution followed by a 2×2 stride-2 max-pool, for inference: y is
     * (N, Cout, ⌊H/2⌋, ⌊W/2⌋). Output tiles start at even rows and columns (m is even), so every
     * pool window lies inside one tile: the pool is done on the block's output rows while they are
     * in cache and the full-size map never reaches memory; no argmax is kept.
     */
    void forwardMaxPool2(Tensor x, Tensor w, Tensor bias, boolean relu, Tensor y, WinogradTransform tf) {
        forward(x, w, bias, relu, true, y, tf, false);
    }

    private void forward(Tensor x, Tensor w, Tensor bias, boolean relu, boolean pool, Tensor y, WinogradTransform tf, boolean flipped) {
        int n = x.size(0), cin = x.size(1), h = x.size(2), wd = x.size(3), cout = y.size(1);
        Storage u = filter(w, tf, flipped);
        float[] b = new float[cout];
        if (bias != null) bias.buffer().get(bias.offset(), b, 0, cout);
        Plan plan = new Plan(tf, n, cin, cout, h, wd);
        int blocks = (plan.tileRows + plan.rowsPerBlock - 1) / plan.rowsPerBlock, threads = be.par.threads();
        if (blocks >= 2 * threads || threads == 1) {
            // enough blocks: each runs start to end on one thread, in that thread's workspace
            be.par.forEach(blocks, 1L << 40, blk -> {
                Block k = plan.block(blk, workspace.get());
                k.transformInput(x, 0, cin);
                k.multiply(u, 0, tf.t * tf.t);
                k.transformOutput(y, b, relu, pool, 0, cout);
            });
            return;
        }
        // few blocks (small maps): the three phases of each block split across threads
        Storage[] ws = workspace.get();
        int cChunks = Math.min(cin, 4 * threads), kChunks = Math.min(cout, 4 * threads), tt = tf.t * tf.t;
        for (int blk = 0; blk < blocks; blk++) {
            Block k = plan.block(blk, ws);
            be.par.forEach(cChunks, 1L << 40, c -> k.transformInput(x, c * cin / cChunks, (c + 1) * cin / cChunks));
            be.par.forEach(tt, 1L << 40, xi -> k.multiply(u, xi, xi + 1));
            be.par.forEach(kChunks, 1L << 40, c -> k.transformOutput(y, b, relu, pool, c * cout / kChunks, (c + 1) * cout / kChunks));
        }
    }

    /** Tiling of one call: tile rows across the batch, grouped into blocks. */
    private final class Plan {
        final WinogradTransform tf;
        final int n, cin, cout, h, w, th, tw, tileRows, rowsPerBlock;

        Plan(WinogradTransform tf, int n, int cin, int cout, int h, int w) {
            this.tf = tf;
            this.n = n;
            this.cin = cin;
            this.cout = cout;
            this.h = h;
            this.w = w;
            this.th = (h + tf.m - 1) / tf.m;
            this.tw = (w + tf.m - 1) / tf.m;
            this.tileRows = n * th;
            long perRow = (long) tf.t * tf.t * (cin + cout) * tw;
            int byBudget = (int) Math.max(1, BLOCK_BUDGET / perRow);
            int byTiles = (MIN_BLOCK_TILES + tw - 1) / tw;
            int rows = Math.min(tileRows, Math.max(1, Math.min(byBudget, Math.max(byTiles, 1))));
            int blocks = (tileRows + rows - 1) / rows, threads = be.par.threads();
            if (blocks >= 2 * threads && blocks % threads != 0) {
                // whole blocks per thread: round the count up to a multiple of the threads (vgg45m @224: 7 → 8
                // blocks on 2 threads, else one thread runs 4 blocks while the other runs 3); smaller blocks stay in budget
                int even = (blocks + threads - 1) / threads * threads;
                rows = (tileRows + even - 1) / even;
            }
            this.rowsPerBlock = rows;
        }

        Block block(int index, Storage[] ws) {
            int r0 = index * rowsPerBlock, r1 = Math.min(tileRows, r0 + rowsPerBlock);
            int p = (r1 - r0) * tw, tt = tf.t * tf.t;
            return new Block(this, r0, r1, p, grow(ws, 0, (long) tt * cin * p), grow(ws, 1, (long) tt * cout * p));
        }

        private static Storage grow(Storage[] ws, int slot, long floats) {
            Storage s = ws[slot];
            if (s == null || s.isReleased() || s.length() < floats) {
                if (s != null) s.close();
                s = TensorScope.unscoped(() -> Storage.uninitialized(DType.F32, floats));
                ws[slot] = s;
            }
            return s;
        }
    }

    /** Tile rows [r0, r1) of a plan: P = (r1 − r0)·tw tiles, V (t², Cin, P), M (t², Cout, P). */
    private final class Block {
        final Plan pl;
        final WinogradTransform tf;
        final int r0, r1, p;
        final Storage v, mOut;

        Block(Plan pl, int r0, int r1, int p, Storage v, Storage mOut) {
            this.pl = pl;
            this.tf = pl.tf;
            this.r0 = r0;
            this.r1 = r1;
            this.p = p;
            this.v = v;
            this.mOut = mOut;
        }

        /** V[·][c][·] for input channels [c0, c1). */
        void transformInput(Tensor x, int c0, int c1) {
            int t = tf.t, m = tf.m, tt = t * t, stride = pl.tw * m + 2, hw = pl.h * pl.w, chunk = WinogradTransform.CHUNK;
            Scratch sc = Scratch.get();
            // per tile row of the block: its t input rows, zero-padded (column −1 at index 0)
            float[] rows = sc.flat((r1 - r0) * t * stride);
            float[][] d = sc.rows(0, tt), tmp = sc.rows(1, tt), vr = sc.rows(2, tt);
            FloatBuffer xb = x.buffer(), vb = v.floats();
            for (int c = c0; c < c1; c++) {
                java.util.Arrays.fill(rows, 0, (r1 - r0) * t * stride, 0f);
                for (int r = r0; r < r1; r++) {
                    int n = r / pl.th, tr = r % pl.th, plane = x.offset() + (n * pl.cin + c) * hw;
                    for (int i = 0; i < t; i++) {
                        int ih = tr * m - 1 + i;
                        if (ih >= 0 && ih < pl.h) xb.get(plane + ih * pl.w, rows, ((r - r0) * t + i) * stride + 1, pl.w);
                    }
                }
                for (int q0 = 0; q0 < p; q0 += chunk) {
                    int nq = Math.min(chunk, p - q0);
                    // d[r·t + s][q] = input tile q's element (r, s), one run of tiles in a tile row at a time
                    for (int q = 0; q < nq; ) {
                        int tile = q0 + q, jt = tile % pl.tw, run = Math.min(nq - q, pl.tw - jt);
                        int src = (tile / pl.tw) * t * stride + jt * m;
                        for (int r = 0; r < t; r++) {
                            for (int s = 0; s < t; s++) {
                                float[] dr = d[r * t + s];
                                int o = src + r * stride + s;
                                for (int j = 0; j < run; j++) dr[q + j] = rows[o + j * m];
                            }
                        }
                        q += run;
                    }
                    tf.input(d, tmp, vr, nq);
                    for (int xi = 0; xi < tt; xi++) vb.put((xi * pl.cin + c) * p + q0, vr[xi], 0, nq);
                }
            }
        }

        /** M[ξ] = U[ξ] · V[ξ] for ξ in [xi0, xi1). */
        void multiply(Storage u, int xi0, int xi1) {
            for (int xi = xi0; xi < xi1; xi++) {
                be.gemm.sgemm(false, false, pl.cout, p, pl.cin, 1f, u.floatPointer(0), u.floats(), xi * pl.cout * pl.cin, pl.cin,
                        v.floatPointer(0), v.floats(), xi * pl.cin * p, p, 0f, mOut.floatPointer(0), mOut.floats(), xi * pl.cout * p, p);
            }
        }

        /** y rows of output channels [k0, k1) for this block's tiles, bias and ReLU applied, 2×2-max-pooled when {@code pool}. */
        void transformOutput(Tensor y, float[] bias, boolean relu, boolean pool, int k0, int k1) {
            int t = tf.t, m = tf.m, tt = t * t, hw = pl.h * pl.w, mm = m * m, stride = pl.tw * m, chunk = WinogradTransform.CHUNK;
            Scratch sc = Scratch.get();
            // the block's output rows for one channel: (r1 − r0)·m rows of tw·m columns (pooled: half of each)
            float[] out = sc.flat((r1 - r0) * m * stride);
            float[][] ml = sc.rows(0, tt), tmp = sc.rows(1, m * t), res = sc.rows(2, mm);
            FloatBuffer mb = mOut.floats(), yb = y.buffer();
            for (int k = k0; k < k1; k++) {
                for (int q0 = 0; q0 < p; q0 += chunk) {
                    int nq = Math.min(chunk, p - q0);
                    for (int xi = 0; xi < tt; xi++) mb.get((xi * pl.cout + k) * p + q0, ml[xi], 0, nq);
                    tf.output(ml, tmp, res, nq, bias[k]);
                    if (pool) {
                        poolChunk(res, tmp[0], relu, q0, nq, out);
                        continue;
                    }
                    if (relu) {
                        for (float[] row : res) {
                            for (int j = 0; j < nq; j++) row[j] = Math.max(row[j], 0f);
                        }
                    }
                    for (int q = 0; q < nq; ) {
                        int tile = q0 + q, jt = tile % pl.tw, run = Math.min(nq - q, pl.tw - jt);
                        int dst = (tile / pl.tw) * m * stride + jt * m;
                        for (int a = 0; a < m; a++) {
                            for (int b = 0; b < m; b++) {
                                float[] rr = res[a * m + b];
                                int o = dst + a * stride + b;
                                for (int j = 0; j < run; j++) out[o + j * m] = rr[q + j];
                            }
                        }
                        q += run;
                    }
                }
                if (pool) {
                    storePooled(out, yb, y.offset(), k);
                    continue;
                }
                for (int r = r0; r < r1; r++) {
                    int n = r / pl.th, tr = r % pl.th, plane = y.offset() + (n * pl.cout + k) * hw;
                    for (int a = 0; a < m && tr * m + a < pl.h; a++) {
                        yb.put(plane + (tr * m + a) * pl.w, out, ((r - r0) * m + a) * stride, pl.w);
                    }
                }
            }
        }

        /**
         * 2×2 max-pool of a chunk of output tiles (res: m² rows, element a·m + b of tile q at res[a·m+b][q])
         * into the pooled block rows (out: (r1 − r0)·m/2 rows of tw·m/2 columns). The max over the four
         * elements of each window runs over the chunk's tiles (contiguous, vectorized), then a quarter of
         * the data is scattered; ReLU after the max (relu(max) = max(relu)). Math.max propagates NaN.
         */
        private void poolChunk(float[][] res, float[] max, boolean relu, int q0, int nq, float[] out) {
            int m = tf.m, h2 = m / 2, pstride = pl.tw * h2;
            for (int a = 0; a < h2; a++) {
                for (int c = 0; c < h2; c++) {
                    float[] e00 = res[2 * a * m + 2 * c], e01 = res[2 * a * m + 2 * c + 1];
                    float[] e10 = res[(2 * a + 1) * m + 2 * c], e11 = res[(2 * a + 1) * m + 2 * c + 1];
                    for (int j = 0; j < nq; j++) max[j] = Math.max(Math.max(e00[j], e01[j]), Math.max(e10[j], e11[j]));
                    if (relu) for (int j = 0; j < nq; j++) max[j] = Math.max(max[j], 0f);
                    for (int q = 0; q < nq; ) {
                        int tile = q0 + q, jt = tile % pl.tw, run = Math.min(nq - q, pl.tw - jt);
                        int o = ((tile / pl.tw) * h2 + a) * pstride + jt * h2 + c;
                        for (int j = 0; j < run; j++) out[o + j * h2] = max[q + j];
                        q += run;
                    }
                }
            }
        }

        /**
         * Channel k's pooled block rows into y (N, Cout, ⌊H/2⌋, ⌊W/2⌋): output tiles start at even
         * rows and columns, so each window lies in one tile; rows and columns past the map's even
         * part are dropped, as PyTorch's floor mode does.
         */
        private void storePooled(float[] out, FloatBuffer yb, int yOff, int k) {
            int h2 = tf.m / 2, hp = pl.h / 2, wp = pl.w / 2, pstride = pl.tw * h2;
            for (int r = r0; r < r1; r++) {
                int n = r / pl.th, tr = r % pl.th, plane = yOff + (n * pl.cout + k) * hp * wp;
                for (int a = 0; a < h2 && tr * h2 + a < hp; a++) {
                    yb.put(plane + (tr * h2 + a) * wp, out, ((r - r0) * h2 + a) * pstride, wp);
                }
            }
        }
    }

    /** Growable per-thread scratch: one flat array and three sets of t² chunk rows. */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);
        private float[] flat = new float[0];
        private final float[][][] rows = new float[3][0][];

        static Scratch get() { return LOCAL.get(); }

        float[] flat(int n) {
            if (flat.length < n) flat = new float[n];
            return flat;
        }

        float[][] rows(int set, int count) {
            if (rows[set].length < count) {
                rows[set] = new float[count][WinogradTransform.CHUNK];
            }
            return rows[set];
        }
    }
}
