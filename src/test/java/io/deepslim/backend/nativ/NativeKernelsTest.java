package io.deepslim.backend.nativ;

import io.deepslim.backend.ConvParams;
import io.deepslim.backend.Device;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every native kernel against the plain-Java reference backend, on each dispatch path this CPU
 * has (the portable one always, forced). Fails when the native library did not load, unless
 * -Ddeepslim.allowNoNative=true (then the kernel tests are skipped by the first assertion only).
 */
class NativeKernelsTest {
    static final io.deepslim.backend.Backend REF = new io.deepslim.backend.cpu.RefBackend();

    /** The library must have loaded, so CI cannot pass on the Java fallback by accident. */
    static NativeKernels kernels() {
        var k = NativeKernels.get();
        if (k.isEmpty() && Boolean.getBoolean("deepslim.allowNoNative")) {
            org.junit.jupiter.api.Assumptions.abort("native kernels absent and -Ddeepslim.allowNoNative=true");
        }
        assertTrue(k.isPresent(), "native library did not load: " + NativeKernels.loadFailure());
        return k.get();
    }

    /** Portable plus every vector path up to the best one this CPU supports. */
    static List<NativeKernels> paths() {
        NativeKernels best = kernels();
        List<NativeKernels> out = new ArrayList<>();
        for (int p = NativeKernels.PORTABLE; p <= best.bestPath(); p++) out.add(best.withPath(p));
        return out;
    }

    @Test
    void libraryLoadsAndReportsItsPath() {
        NativeKernels k = kernels();
        System.out.println(NativeKernels.describe());
        assertTrue(List.of("portable", "avx2", "avx512-vnni").contains(k.pathName()), k.pathName());
        assertEquals("portable", k.withPath(NativeKernels.PORTABLE).pathName());
        // a path the CPU lacks is narrowed, never run
        assertEquals(k.withPath(k.bestPath()).pathName(), k.withPath(NativeKernels.AVX512_VNNI).pathName());
    }

    // ------------------------------------------------------------------ sparse

    static Tensor random(SplittableRandom r, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        return Tensor.of(v, shape);
    }

    static Tensor mask(SplittableRandom r, double sparsity, int... shape) {
        Tensor m = random(r, shape);
        float[] v = m.toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] = r.nextDouble() < sparsity ? 0f : 1f;
        return Tensor.of(v, shape);
    }

    static void assertClose(Tensor expected, Tensor actual, String what) {
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-4f * (1 + Math.abs(e[i])), what + " at " + i);
        }
    }

    /**
     * Runs body with the small-map path off (every shape on the padded-plane kernels), then with it taking every
     * shape on the vector paths (im2col rows), then restores the default limit: both layouts see every case.
     */
    static void onBothSparseLayouts(Runnable body) {
        kernels();
        int was = NativeLibrary.ds_sparse_small_max_positions(0);
        try {
            body.run();
            NativeLibrary.ds_sparse_small_max_positions(Integer.MAX_VALUE);
            body.run();
        } finally {
            NativeLibrary.ds_sparse_small_max_positions(was);
        }
    }

    /**
     * An unfrozen kernel notices a kept weight edited in place (same mask version) and repacks; a frozen one (a fused
     * inference copy) keeps its pack without that per-call check, and still repacks on a mask-version change.
     */
    @Test
    void frozenSparseKernelSkipsTheContentCheckButFollowsTheMaskVersion() {
        NativeKernels k = kernels();
        SplittableRandom r = new SplittableRandom(19);
        // a 20x20 map: the padded-plane kernel, whose per-pack offsets are cached natively (a stale plan would show here)
        Tensor x = random(r, 1, 8, 20, 20), w = random(r, 6, 8, 3, 3), m = mask(r, 0.9, 6, 8, 3, 3), b = random(r, 6);
        ConvParams p = ConvParams.of(1, 1, 1);
        float[] mv = m.toFloatArray();
        int kept = 0;
        while (mv[kept] == 0f) kept++;
        for (boolean frozen : new boolean[]{false, true}) {
            Tensor wc = Tensor.of(w.toFloatArray(), w.shape());
            SparseKernel sk = new SparseKernel().mode(SparseKernel.Mode.SPARSE).use(k);
            if (frozen) sk.freeze();
            long hits = NativeLibrary.ds_sparse_plan_hits();
            float[] before = sk.conv(x, wc, m, 0, b, p, false).toFloatArray();
            assertArrayEquals(before, sk.conv(x, wc, m, 0, b, p, false).toFloatArray(), "a second call on the cached plan");
            assertTrue(NativeLibrary.ds_sparse_plan_hits() > hits, "the second call did not find its offsets cached");
            float[] edited = wc.toFloatArray();
            edited[kept] += 5f;
            wc.copyFrom(edited);  // the same tensor edited in place
            float[] after = sk.conv(x, wc, m, 0, b, p, false).toFloatArray();
            assertEquals(frozen, java.util.Arrays.equals(before, after), (frozen ? "frozen" : "unfrozen") + " kernel after an in-place edit");
            float[] bumped = sk.conv(x, wc, m, 1, b, p, false).toFloatArray();  // mask version 1: repack either way
            Tensor ref = Tensor.empty(1, 6, 20, 20);
            REF.conv2dForward(x, mul(wc, m), b, p, ref);
            assertClose(ref, Tensor.of(bumped, 1, 6, 20, 20), "after a mask-version change, frozen " + frozen);
        }
    }

    /** Maps up to the limit (the deep layers of a 32 px model, 4x4 and 8x8) take the small-map path on the vector paths only, and say so. */
    @Test
    void sparseSmallMapPathRunsBelowItsLimitAndSaysSo() {
        SplittableRandom r = new SplittableRandom(18);
        for (NativeKernels k : paths()) {
            boolean vector = k.path() != NativeKernels.PORTABLE;
            assertEquals(vector ? 1 : 0, NativeLibrary.ds_sparse_conv_small_map(k.path(), 4, 4), k.pathName());
            assertEquals(vector ? 1 : 0, NativeLibrary.ds_sparse_conv_small_map(k.path(), 8, 8), k.pathName());
            assertEquals(0, NativeLibrary.ds_sparse_conv_small_map(k.path(), 14, 14), k.pathName() + ": 14x14 keeps the chunk kernel");
            for (ConvCase c : List.of(new ConvCase(2, 40, 24, 4, 4, 3, ConvParams.of(1, 1, 1)), new ConvCase(1, 17, 9, 8, 8, 3, ConvParams.of(1, 1, 1)),
                    new ConvCase(1, 12, 8, 9, 7, 3, ConvParams.of(2, 1, 2)))) {
                for (boolean pool : new boolean[]{false, true}) {
                    Tensor x = random(r, c.n, c.cin, c.h, c.w);
                    int[] ws = {c.cout, c.cin / c.p.groups(), c.k, c.k};
                    Tensor w = random(r, ws), m = mask(r, 0.9, ws), b = random(r, c.cout);
                    SparseKernel sk = new SparseKernel().mode(SparseKernel.Mode.SPARSE).use(k);
                    Tensor y = sk.conv(x, w, m, 0, b, c.p, true, pool);
                    assertEquals(vector, sk.lastChoice().contains("small-map"), sk.lastChoice());
                    Tensor full = Tensor.empty(c.n, c.cout, c.p.outH(c.h, c.k), c.p.outW(c.w, c.k));
                    REF.conv2dForwardRelu(x, mul(w, m), b, c.p, full);
                    assertClose(pool ? maxPool2(full) : full, y, k.pathName() + " small-map " + c + " pool " + pool);
                }
            }
        }
    }

    record ConvCase(int n, int cin, int cout, int h, int w, int k, ConvParams p) {}

    static final List<ConvCase> CONVS = List.of(
            new ConvCase(1, 1, 1, 1, 1, 1, ConvParams.of(1, 0, 1)),
            new ConvCase(2, 3, 7, 7, 7, 3, ConvParams.of(1, 1, 1)),
            new ConvCase(1, 5, 31, 31, 33, 3, ConvParams.of(1, 1, 1)),
            new ConvCase(1, 2, 3, 3, 1025, 3, ConvParams.of(1, 1, 1)),
            new ConvCase(1, 6, 8, 15, 17, 3, ConvParams.of(2, 1, 1)),       // strided
            new ConvCase(2, 8, 12, 9, 9, 3, ConvParams.of(1, 1, 4)),         // grouped
            new ConvCase(1, 4, 4, 11, 11, 3, ConvParams.of(1, 1, 4)),        // depthwise
            new ConvCase(1, 4, 6, 12, 12, 3, new ConvParams(1, 1, 2, 2, 2, 2, 1)),  // dilated
            new ConvCase(1, 16, 9, 10, 10, 1, ConvParams.of(1, 0, 1)),       // pointwise
            new ConvCase(1, 3, 5, 8, 8, 5, new ConvParams(1, 2, 0, 3, 1, 1, 1)),   // asymmetric
            new ConvCase(3, 9, 7, 14, 14, 3, ConvParams.of(1, 1, 1)),       // small-map path: 2 samples side by side, then 1
            new ConvCase(1, 12, 32, 10, 10, 3, ConvParams.of(1, 1, 1)));    // chunk path (small-map path off): a single chunk

    @Test
    void sparseConvMatchesReferenceOnEveryPath() { onBothSparseLayouts(this::sparseConvMatchesReferenceOnEveryPathOn); }

    private void sparseConvMatchesReferenceOnEveryPathOn() {
        SplittableRandom r = new SplittableRandom(11);
        for (NativeKernels k : paths()) {
            for (ConvCase c : CONVS) {
                for (double sparsity : new double[]{0.5, 0.9, 0.99}) {
                    Tensor x = random(r, c.n, c.cin, c.h, c.w);
                    int[] ws = {c.cout, c.cin / c.p.groups(), c.k, c.k};
                    Tensor w = random(r, ws), m = mask(r, sparsity, ws), b = random(r, c.cout);
                    for (boolean relu : new boolean[]{false, true}) {
                        SparseKernel sk = new SparseKernel().mode(SparseKernel.Mode.SPARSE).use(k);
                        Tensor y = sk.conv(x, w, m, 0, b, c.p, relu);
                        assertNotNull(y, "sparse kernel declined " + c);
                        assertTrue(sk.lastChoice().startsWith("sparse-csr " + k.pathName()), sk.lastChoice());
                        Tensor ref = Tensor.empty(y.shape());
                        if (relu) REF.conv2dForwardRelu(x, mul(w, m), b, c.p, ref);
                        else REF.conv2dForward(x, mul(w, m), b, c.p, ref);
                        assertClose(ref, y, k.pathName() + " " + c + " sparsity " + sparsity + " relu " + relu);
                    }
                }
            }
        }
    }

    /** Shapes whose input window does not fit the L1 budget, so the vector paths split input channels into blocks. */
    static final List<ConvCase> BLOCKED = List.of(
            new ConvCase(1, 40, 6, 5, 200, 3, ConvParams.of(1, 1, 1)),                 // 224-like row width
            new ConvCase(2, 64, 10, 4, 300, 3, ConvParams.of(1, 1, 2)),                // grouped, 32 channels a group
            new ConvCase(1, 512, 5, 3, 20, 1, ConvParams.of(1, 0, 1)),                 // pointwise, wide cin
            new ConvCase(1, 96, 7, 6, 150, 3, new ConvParams(1, 1, 2, 2, 2, 2, 1)));   // dilated

    @Test
    void sparseConvChannelBlockedMatchesReference() {
        SplittableRandom r = new SplittableRandom(12);
        for (NativeKernels k : paths()) {
            if (k.path() == NativeKernels.PORTABLE) continue;  // the portable loop does not block
            for (ConvCase c : BLOCKED) {
                int blocks = NativeLibrary.ds_sparse_conv_blocks(k.path(), c.cin, c.w, c.k, c.k, c.p.strideH(), c.p.strideW(),
                        c.p.padW(), c.p.dilationH(), c.p.dilationW(), c.p.groups());
                assertTrue(blocks > 1, k.pathName() + " " + c + " ran in " + blocks + " block(s): not the blocked path");
                for (double sparsity : new double[]{0.0, 0.9}) {
                    Tensor x = random(r, c.n, c.cin, c.h, c.w);
                    int[] ws = {c.cout, c.cin / c.p.groups(), c.k, c.k};
                    Tensor w = random(r, ws), m = mask(r, sparsity, ws), b = random(r, c.cout);
                    SparseKernel sk = new SparseKernel().mode(SparseKernel.Mode.SPARSE).use(k);
                    Tensor y = sk.conv(x, w, m, 0, b, c.p, true);
                    assertNotNull(y, "sparse kernel declined " + c);
                    assertTrue(sk.lastChoice().startsWith("sparse-csr " + k.pathName()), sk.lastChoice());
                    Tensor ref = Tensor.empty(y.shape());
                    REF.conv2dForwardRelu(x, mul(w, m), b, c.p, ref);
                    assertClose(ref, y, k.pathName() + " " + c + " sparsity " + sparsity);
                }
            }
        }
    }

    /** Pooled-epilogue cases: odd maps (last row/column dropped), bands of 2 rows up to many, channel-blocked, strided (portable loop). */
    static final List<ConvCase> POOLED = List.of(
            new ConvCase(1, 1, 1, 2, 2, 1, ConvParams.of(1, 0, 1)),                  // the smallest pooled map
            new ConvCase(2, 3, 7, 7, 7, 3, ConvParams.of(1, 1, 1)),                   // odd: row 6 / column 6 dropped
            new ConvCase(1, 5, 31, 31, 33, 3, ConvParams.of(1, 1, 1)),
            new ConvCase(1, 2, 3, 9, 1025, 3, ConvParams.of(1, 1, 1)),                // wide rows: several chunks a row
            new ConvCase(1, 64, 8, 21, 224, 3, ConvParams.of(1, 1, 1)),               // 224-wide, channel-blocked, many bands
            new ConvCase(2, 8, 12, 14, 14, 3, ConvParams.of(1, 1, 4)),                // grouped, 14x14 (vgg45m's last block)
            new ConvCase(1, 6, 8, 15, 17, 3, ConvParams.of(2, 1, 1)));                // strided: portable loop + scratch pool

    /** y = 2x2 stride-2 max-pool of ref (n, c, h, w), floor mode, in plain Java. */
    static Tensor maxPool2(Tensor ref) {
        int[] s = ref.shape();
        int n = s[0], c = s[1], h = s[2], w = s[3], hp = h / 2, wp = w / 2;
        float[] v = ref.toFloatArray(), out = new float[n * c * hp * wp];
        for (int p = 0; p < n * c; p++)
            for (int i = 0; i < hp; i++)
                for (int j = 0; j < wp; j++) {
                    int b = p * h * w + 2 * i * w + 2 * j;
                    out[(p * hp + i) * wp + j] = Math.max(Math.max(v[b], v[b + 1]), Math.max(v[b + w], v[b + w + 1]));
                }
        return Tensor.of(out, n, c, hp, wp);
    }

    @Test
    void sparseConvWithPoolEpilogueMatchesReferenceOnEveryPath() { onBothSparseLayouts(this::sparseConvWithPoolEpilogueMatchesReferenceOnEveryPathOn); }

    private void sparseConvWithPoolEpilogueMatchesReferenceOnEveryPathOn() {
        SplittableRandom r = new SplittableRandom(13);
        for (NativeKernels k : paths()) {
            for (ConvCase c : POOLED) {
                for (double sparsity : new double[]{0.0, 0.9}) {
                    Tensor x = random(r, c.n, c.cin, c.h, c.w);
                    int[] ws = {c.cout, c.cin / c.p.groups(), c.k, c.k};
                    Tensor w = random(r, ws), m = mask(r, sparsity, ws), b = random(r, c.cout);
                    for (boolean relu : new boolean[]{false, true}) {
                        SparseKernel sk = new SparseKernel().mode(SparseKernel.Mode.SPARSE).use(k);
                        Tensor y = sk.conv(x, w, m, 0, b, c.p, relu, true);
                        assertNotNull(y, "sparse kernel declined " + c);
                        assertTrue(sk.lastChoice().startsWith("sparse-csr " + k.pathName()), sk.lastChoice());
                        int ho = c.p.outH(c.h, c.k), wo = c.p.outW(c.w, c.k);
                        Tensor full = Tensor.empty(c.n, c.cout, ho, wo);
                        if (relu) REF.conv2dForwardRelu(x, mul(w, m), b, c.p, full);
                        else REF.conv2dForward(x, mul(w, m), b, c.p, full);
                        Tensor ref = maxPool2(full);
                        assertArrayEquals(ref.shape(), y.shape(), c.toString());
                        assertClose(ref, y, k.pathName() + " pooled " + c + " sparsity " + sparsity + " relu " + relu);
                        if (relu) for (float v : y.toFloatArray()) assertTrue(v >= 0f, "ReLU not applied: " + v);
                    }
                }
            }
        }
    }

    /** 3x3 stride-1 cases of odd widths (padded rows 3, 9, 33 floats), pooled and not, grouped, two samples. */
    static final List<ConvCase> COLUMN_SPLIT = List.of(
            new ConvCase(2, 5, 6, 1, 11, 3, ConvParams.of(1, 1, 1)),                  // padded rows 13 of 16 floats: the least split
            new ConvCase(2, 5, 6, 7, 13, 3, ConvParams.of(1, 1, 1)),
            new ConvCase(1, 48, 7, 31, 27, 3, ConvParams.of(1, 1, 1)),                // channel-blocked
            new ConvCase(2, 8, 12, 31, 13, 3, ConvParams.of(1, 1, 4)));               // grouped

    /** One random case on path k (ReLU, optionally the 2x2 pool in the call) against the reference backend. */
    static void assertSparseReluConvMatches(SplittableRandom r, NativeKernels k, ConvCase c, double sparsity, boolean pool, String what) {
        Tensor x = random(r, c.n, c.cin, c.h, c.w);
        int[] ws = {c.cout, c.cin / c.p.groups(), c.k, c.k};
        Tensor w = random(r, ws), m = mask(r, sparsity, ws), b = random(r, c.cout);
        SparseKernel sk = new SparseKernel().mode(SparseKernel.Mode.SPARSE).use(k);
        Tensor y = sk.conv(x, w, m, 0, b, c.p, true, pool);
        assertNotNull(y, "sparse kernel declined " + c);
        assertTrue(sk.lastChoice().startsWith("sparse-csr " + k.pathName()), sk.lastChoice());
        Tensor full = Tensor.empty(c.n, c.cout, c.p.outH(c.h, c.k), c.p.outW(c.w, c.k));
        REF.conv2dForwardRelu(x, mul(w, m), b, c.p, full);
        assertClose(pool ? maxPool2(full) : full, y, k.pathName() + " " + what + " " + c + " pool " + pool);
    }

    @Test
    void sparseConvColumnSplitLayoutRunsOnAvx512AndMatchesReference() { onBothSparseLayouts(this::sparseConvColumnSplitLayoutRunsOnAvx512AndMatchesReferenceOn); }

    private void sparseConvColumnSplitLayoutRunsOnAvx512AndMatchesReferenceOn() {
        SplittableRandom r = new SplittableRandom(15);
        for (NativeKernels k : paths()) {
            for (ConvCase c : COLUMN_SPLIT) {
                int split = NativeLibrary.ds_sparse_conv_column_split(k.path(), c.w, c.k, c.p.strideH(), c.p.strideW(), c.p.padW(), c.p.dilationW());
                // the policy: AVX-512 only (measured slower on AVX2), the layout is what these shapes must get there
                assertEquals(k.path() == NativeKernels.AVX512_VNNI ? 1 : 0, split, k.pathName() + " " + c);
                for (boolean pool : c.h >= 2 ? new boolean[]{false, true} : new boolean[]{false}) {
                    assertSparseReluConvMatches(r, k, c, 0.8, pool, "column-split");
                }
            }
        }
        // rows already a multiple of 16 floats (14 + 2) keep the plain layout, as do 5-wide kernels and strided convs
        int best = kernels().bestPath();
        assertEquals(0, NativeLibrary.ds_sparse_conv_column_split(best, 14, 3, 1, 1, 1, 1));
        // under 80% of the rounded row useful (16 + 2 in 32 floats, 7 + 2 in 16): the plain layout, measured faster
        assertEquals(0, NativeLibrary.ds_sparse_conv_column_split(best, 16, 3, 1, 1, 1, 1));
        assertEquals(0, NativeLibrary.ds_sparse_conv_column_split(best, 7, 3, 1, 1, 1, 1));
        assertEquals(0, NativeLibrary.ds_sparse_conv_column_split(best, 31, 5, 1, 1, 2, 1));
        assertEquals(0, NativeLibrary.ds_sparse_conv_column_split(best, 31, 3, 2, 2, 1, 1));
    }

    /** Strided cases: odd sizes (1, 7, 31), 5x5, grouped, stride 3, non-square. */
    static final List<ConvCase> STRIDED = List.of(
            new ConvCase(2, 5, 6, 1, 1, 3, ConvParams.of(2, 1, 1)),
            new ConvCase(2, 5, 6, 7, 7, 3, ConvParams.of(2, 1, 1)),
            new ConvCase(1, 40, 7, 31, 31, 3, ConvParams.of(2, 1, 1)),                // 160 phase channels: channel-blocked
            new ConvCase(1, 3, 5, 17, 13, 5, ConvParams.of(2, 2, 1)),
            new ConvCase(2, 8, 12, 15, 9, 3, ConvParams.of(2, 1, 4)),                 // grouped
            new ConvCase(1, 4, 6, 19, 20, 3, ConvParams.of(3, 1, 1)));

    @Test
    void sparseStridedConvRunsTheVectorKernelAndMatchesReference() { onBothSparseLayouts(this::sparseStridedConvRunsTheVectorKernelAndMatchesReferenceOn); }

    private void sparseStridedConvRunsTheVectorKernelAndMatchesReferenceOn() {
        SplittableRandom r = new SplittableRandom(17);
        for (NativeKernels k : paths()) {
            for (ConvCase c : STRIDED) {
                int vec = NativeLibrary.ds_sparse_conv_strided_vector(k.path(), c.p.strideH(), c.p.strideW(), c.p.dilationH(), c.p.dilationW());
                assertEquals(k.path() == NativeKernels.PORTABLE ? 0 : 1, vec, k.pathName() + " " + c);
                boolean poolable = c.p.outH(c.h, c.k) >= 2 && c.p.outW(c.w, c.k) >= 2;
                for (boolean pool : poolable ? new boolean[]{false, true} : new boolean[]{false}) {
                    assertSparseReluConvMatches(r, k, c, 0.7, pool, "strided");
                }
            }
        }
        // dilated strided convs keep the portable loop
        assertEquals(0, NativeLibrary.ds_sparse_conv_strided_vector(kernels().bestPath(), 2, 2, 2, 2));
    }

    /**
     * Native calls from several Java threads at once (as serve does) share the one helper pool: a caller that
     * finds it busy works alone. Every concurrent result must equal the one-caller result bit for bit, and the
     * calls must all return (a deadlock fails by the timeout).
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void sparseConvCallsFromConcurrentJavaThreadsMatchOneCaller() throws Exception {
        NativeKernels k = kernels();
        SplittableRandom r = new SplittableRandom(16);
        Tensor x = random(r, 1, 24, 40, 40), w = random(r, 16, 24, 3, 3), m = mask(r, 0.8, 16, 24, 3, 3), b = random(r, 16);
        ConvParams p = ConvParams.of(1, 1, 1);
        float[] want = new SparseKernel().mode(SparseKernel.Mode.SPARSE).use(k).conv(x, w, m, 0, b, p, true, true).toFloatArray();
        int callers = 4;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(callers);
        try {
            List<java.util.concurrent.Future<Integer>> diffs = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                diffs.add(pool.submit(() -> {
                    SparseKernel sk = new SparseKernel().mode(SparseKernel.Mode.SPARSE).use(k);
                    int bad = 0;
                    for (int i = 0; i < 25; i++) {
                        Tensor y = sk.conv(x, w, m, 0, b, p, true, true);
                        assertTrue(sk.lastChoice().startsWith("sparse-csr"), sk.lastChoice());
                        if (!java.util.Arrays.equals(want, y.toFloatArray())) bad++;
                    }
                    return bad;
                }));
            }
            for (var d : diffs) assertEquals(0, d.get(), "concurrent sparse conv results differ from one caller's");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sparseConvWithPoolDeclinesAMapSmallerThanTheWindow() {
        SplittableRandom r = new SplittableRandom(14);
        Tensor x = random(r, 1, 2, 1, 5), w = random(r, 3, 2, 1, 1);
        assertNull(new SparseKernel().mode(SparseKernel.Mode.SPARSE).use(kernels()).conv(x, w, mask(r, 0.5, 3, 2, 1, 1), 0, null,
                ConvParams.of(1, 0, 1), false, true));
    }

    @Test
    void sparseLinearMatchesReferenceOnEveryPath() {
        SplittableRandom r = new SplittableRandom(5);
        for (NativeKernels k : paths()) {
            for (int[] mkn : new int[][]{{1, 1, 1}, {1, 1025, 7}, {7, 31, 31}, {3, 7, 1025}}) {
                for (double sparsity : new double[]{0.5, 0.8, 0.95}) {
                    Tensor x = random(r, mkn[0], mkn[1]), w = random(r, mkn[2], mkn[1]), m = mask(r, sparsity, mkn[2], mkn[1]);
                    Tensor b = random(r, mkn[2]);
                    Tensor y = new SparseKernel().mode(SparseKernel.Mode.SPARSE).use(k).linear(x, w, m, 0, b, false);
                    Tensor ref = Tensor.empty(mkn[0], mkn[2]);
                    REF.gemm(false, true, 1f, x, mul(w, m), 0f, ref);
                    float[] rv = ref.toFloatArray(), bv = b.toFloatArray();
                    for (int i = 0; i < rv.length; i++) rv[i] += bv[i % mkn[2]];
                    assertClose(Tensor.of(rv, ref.shape()), y, k.pathName() + " linear " + java.util.Arrays.toString(mkn));
                }
            }
        }
    }

    @Test
    void sparsePackFollowsWeightAndMaskEdits() {
        kernels();
        SplittableRandom r = new SplittableRandom(3);
        Tensor x = random(r, 1, 4, 6, 6), w = random(r, 5, 4, 3, 3), m = mask(r, 0.7, 5, 4, 3, 3);
        ConvParams p = ConvParams.of(1, 1, 1);
        SparseKernel sk = new SparseKernel().mode(SparseKernel.Mode.SPARSE);
        Tensor before = sk.conv(x, w, m, 0, null, p, false);
        // an in-place edit of a kept weight must be seen without a version bump
        float[] mv = m.toFloatArray();
        int kept = 0;
        while (mv[kept] == 0f) kept++;
        w.buffer().put(w.offset() + kept, 5f);
        Tensor after = sk.conv(x, w, m, 0, null, p, false);
        Tensor ref = Tensor.empty(after.shape());
        REF.conv2dForward(x, mul(w, m), null, p, ref);
        assertClose(ref, after, "after weight edit");
        assertNotNull(before);
        // a mask change with a new version repacks
        m.buffer().put(m.offset() + kept, 0f);
        Tensor masked = sk.conv(x, w, m, 1, null, p, false);
        REF.conv2dForward(x, mul(w, m), null, p, ref);
        assertClose(ref, masked, "after mask edit");
    }

    @Test
    void autoModeRunsDenseBelowBreakEven() {
        kernels();
        SplittableRandom r = new SplittableRandom(9);
        Tensor x = random(r, 1, 4, 6, 6), w = random(r, 5, 4, 3, 3);
        SparseKernel sk = new SparseKernel();
        assertNull(sk.conv(x, w, mask(r, 0.2, 5, 4, 3, 3), 0, null, ConvParams.of(1, 1, 1), false));
        assertTrue(sk.lastChoice().startsWith("dense"), sk.lastChoice());
        assertNotNull(sk.conv(x, w, mask(r, 0.95, 5, 4, 3, 3), 1, null, ConvParams.of(1, 1, 1), false));
        assertTrue(sk.lastChoice().startsWith("sparse-csr"), sk.lastChoice());
    }

    @Test
    void autoBreakEvenFollowsEachLayerKindsConstant() {
        kernels();
        SplittableRandom r = new SplittableRandom(10);
        ConvParams p = ConvParams.of(1, 1, 1);
        // each kind: 10 points below its break-even runs dense (naming the break-even), 5 points above runs sparse
        int[] cins = {SparseKernel.RGB_CONV_CHANNELS, SparseKernel.RGB_CONV_CHANNELS + 1, SparseKernel.SMALL_CONV_CHANNELS, SparseKernel.SMALL_CONV_CHANNELS + 1};
        double[] breakEvens = {SparseKernel.RGB_CONV_BREAK_EVEN, SparseKernel.SMALL_CONV_BREAK_EVEN, SparseKernel.SMALL_CONV_BREAK_EVEN, SparseKernel.CONV_BREAK_EVEN};
        for (int k = 0; k < cins.length; k++) {
            int cin = cins[k];
            assertEquals(breakEvens[k], SparseKernel.convBreakEven(cin, p));
            // 40 output channels: at least 1440 weights, so a random mask's sparsity stays within ~1% of the one asked for
            Tensor x = random(r, 1, cin, 5, 5), w = random(r, 40, cin, 3, 3);
            SparseKernel below = new SparseKernel();
            assertNull(below.conv(x, w, mask(r, breakEvens[k] - 0.1, 40, cin, 3, 3), 0, null, p, false), below.lastChoice());
            assertTrue(below.lastChoice().startsWith("dense") && below.lastChoice().contains(String.format("%.0f%%", 100 * breakEvens[k])), below.lastChoice());
            SparseKernel above = new SparseKernel();
            assertNotNull(above.conv(x, w, mask(r, breakEvens[k] + 0.05, 40, cin, 3, 3), 0, null, p, false), above.lastChoice());
            assertTrue(above.lastChoice().startsWith("sparse-csr"), above.lastChoice());
        }
        assertEquals(SparseKernel.STRIDED_CONV_BREAK_EVEN, SparseKernel.convBreakEven(8, ConvParams.of(2, 1, 1)));
    }

    static Tensor mul(Tensor a, Tensor b) {
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        for (int i = 0; i < x.length; i++) x[i] *= y[i];
        return Tensor.of(x, a.shape());
    }
}
