package io.deepslim.infer;

import io.deepslim.autograd.GradMode;
import io.deepslim.models.ZooNet;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs a fused detector's feature blocks so that large maps stay in cache and every map goes back
 * to the pool as soon as the next block has consumed it.
 *
 * <p>Why: at 224² a vgg45m map is up to 12.8 MB per sample; at batch 8 the same map is 103 MB, so
 * between blocks it falls out of every cache and the next block reads it back from memory. Running
 * the leading high-resolution blocks one sample chunk at a time (depth-first) keeps each chunk's
 * maps near the cores; the small maps after them run batched as before.
 *
 * <p>The rule, decided once per input shape from a one-sample run of the blocks: the <em>segment</em>
 * is the leading blocks whose output map is at least {@code minMapBytes} per sample, plus the block
 * that consumes the last of them (none when the first block's output is smaller), cut before the
 * first block with a layer not known to treat samples independently ({@link #perSample}); a chunk holds
 * {@code max(1, chunkBytes / w)} samples, w the largest input + output map of a segment block per
 * sample. A batch of more than one chunk runs the segment chunk by chunk, each chunk's output copied
 * into the batch's map, then the other blocks on the whole batch. Every block computes exactly what
 * it computes unchunked, sample by sample, so the logits equal the layer-by-layer run's
 * (FeatureRunnerTest checks that).
 *
 * <p>Buffer reuse: each map this runner's blocks allocate is released to the host pool (see
 * {@code Storage}) once the next block has consumed it, so a block (and the next chunk) takes the
 * warm block its predecessor left, instead of every map of the call staying live until the caller's
 * scope closes. Thread-safe: the only shared state is the plan cache.
 */
final class DepthFirstRunner implements ZooNet.FeatureRunner {
    /** When to run depth-first: maps of at least {@code minMapBytes} per sample; chunks of about {@code chunkBytes}. */
    record Rule(long minMapBytes, long chunkBytes) {
        /**
         * 2 MiB and 16 MiB (about half the L3 the two cores' share of these EPYC VMs sees), overridable
         * by {@code -Ddeepslim.depthFirst.minMapBytes} / {@code .chunkBytes}; {@code -Ddeepslim.depthFirst=false} turns it off.
         */
        static Rule fromProperties() {
            if (!Boolean.parseBoolean(System.getProperty("deepslim.depthFirst", "true"))) return OFF;
            return new Rule(Long.getLong("deepslim.depthFirst.minMapBytes", 2L << 20), Long.getLong("deepslim.depthFirst.chunkBytes", 16L << 20));
        }

        /** Never chunks (blocks still release consumed maps early). */
        static final Rule OFF = new Rule(Long.MAX_VALUE, 0);
    }

    /** For one input shape: how many leading blocks run chunked (0: none) and the samples per chunk. */
    record Plan(int segmentBlocks, int chunk) {}

    private final Rule rule;
    /** Plans by input shape (C, H, W). */
    private final ConcurrentHashMap<List<Integer>, Plan> plans = new ConcurrentHashMap<>();

    DepthFirstRunner(Rule rule) { this.rule = rule; }

    @Override
    public Tensor run(List<Module> blocks, Tensor x) {
        // with gradients on, a block's output may be an autograd node's saved input: never free it early
        if (GradMode.isEnabled()) return chain(blocks, 0, blocks.size(), x, null);
        // one sample cannot be chunked: no plan needed (planning costs a one-sample run, once per shape)
        Plan p = x.size(0) == 1 ? new Plan(0, 1) : planFor(blocks, x);
        try (TensorScope scope = TensorScope.open()) {
            Tensor y;
            if (p.segmentBlocks() == 0 || x.size(0) <= p.chunk()) {
                y = chain(blocks, 0, blocks.size(), x, scope);
            } else {
                y = chain(blocks, p.segmentBlocks(), blocks.size(), chunked(blocks, p, x, scope), scope);
            }
            return scope.keep(y);
        }
    }

    /** The plan for x's per-sample shape (computed once per shape from a one-sample run). */
    Plan planFor(List<Module> blocks, Tensor x) {
        List<Integer> key = List.of(x.size(1), x.size(2), x.size(3));
        return plans.computeIfAbsent(key, k -> measure(blocks, x));
    }

    private Plan measure(List<Module> blocks, Tensor x) {
        if (rule.minMapBytes() == Long.MAX_VALUE || blocks.isEmpty()) return new Plan(0, 1);
        try (GradMode g = GradMode.off(); TensorScope scope = TensorScope.open()) {
            Tensor cur = sampleRows(x, 0, 1);
            long widest = 0;
            for (int i = 0; i < blocks.size(); i++) {
                if (!perSample(blocks.get(i))) return i == 0 ? new Plan(0, 1) : chunkPlan(i, widest);
                long in = bytes(cur);
                Tensor next = blocks.get(i).forward(cur);
                long out = bytes(next);
                if (i == 0 && out < rule.minMapBytes()) return new Plan(0, 1);
                widest = Math.max(widest, in + out);
                if (out < rule.minMapBytes() || i == blocks.size() - 1) return chunkPlan(i + 1, widest);
                if (next.storage() != cur.storage()) scope.release(cur);
                cur = next;
            }
            throw new AssertionError("unreachable: the last block ends the loop");
        }
    }

    private Plan chunkPlan(int blocks, long widest) {
        return new Plan(blocks, (int) Math.max(1, Math.min(Integer.MAX_VALUE, rule.chunkBytes() / Math.max(1, widest))));
    }

    /**
     * Whether every leaf of block m computes each sample from that sample alone, so chunking cannot
     * change the result: the fused, plain and pruned conv layers, evaluation-mode BatchNorm, ReLU, max-pool,
     * identities. Anything else (e.g. an int8 layer that picks its scale from the whole batch, a custom
     * adapter) ends the chunked segment before it.
     */
    static boolean perSample(Module m) {
        if (m instanceof io.deepslim.nn.Sequential) {
            for (Module c : m.children().values()) if (!perSample(c)) return false;
            return true;
        }
        return m instanceof FusedConv2d || m instanceof FusedSeparable3x3 || m instanceof FusedPrunedConv2d || m instanceof io.deepslim.nn.Layers.Identity
                || m instanceof io.deepslim.nn.Layers.ReLU || m instanceof io.deepslim.nn.Layers.MaxPool2d
                || m.getClass() == io.deepslim.nn.Conv2d.class || m instanceof io.deepslim.compress.prune.PrunedConv2d
                || (m instanceof io.deepslim.nn.BatchNorm2d && !m.isTraining());
    }

    /** Runs blocks[0, plan.segmentBlocks) on x chunk by chunk into one batch map, allocated in {@code scope}. */
    private static Tensor chunked(List<Module> blocks, Plan p, Tensor x, TensorScope scope) {
        int n = x.size(0);
        Tensor out = null;
        for (int s = 0; s < n; s += p.chunk()) {
            int c = Math.min(p.chunk(), n - s);
            Tensor y = chain(blocks, 0, p.segmentBlocks(), sampleRows(x, s, c), scope);
            if (out == null) {
                int[] shape = y.shape();
                shape[0] = n;
                out = Tensor.empty(y.device(), y.dtype(), shape);
            }
            sampleRows(out, s, c).copyFrom(y);
            scope.release(y);
        }
        return out;
    }

    /**
     * blocks[from, to) applied to x in order; with a scope, every map a block allocated in it is
     * released once the next block has consumed it (never a map the scope does not own, such as the
     * caller's input, nor one the next block's output shares storage with).
     */
    private static Tensor chain(List<Module> blocks, int from, int to, Tensor x, TensorScope scope) {
        Tensor cur = x;
        for (int i = from; i < to; i++) {
            Tensor next = blocks.get(i).forward(cur);
            // release only what this scope allocated (a block may return its input, a view, or its own state)
            if (scope != null && next.storage() != cur.storage()) scope.release(cur);
            cur = next;
        }
        return cur;
    }

    /** Rows [from, from + count) of contiguous t along dimension 0, as a view (no copy). */
    static Tensor sampleRows(Tensor t, int from, int count) {
        Tensor c = t.contiguousRaw();
        int[] shape = c.shape();
        shape[0] = count;
        long per = c.numel() / c.size(0);
        return c.viewRaw(shape, c.strides(), c.offset() + (int) (from * per));
    }

    private static long bytes(Tensor t) { return t.numel() / t.size(0) * t.dtype().bytes(); }
}
