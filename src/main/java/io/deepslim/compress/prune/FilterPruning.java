package io.deepslim.compress.prune;

import io.deepslim.compress.Compressed;
import io.deepslim.compress.ModuleTree;
import io.deepslim.nn.BatchNorm2d;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Structured filter pruning (Li et al. 2017): each prunable conv loses the {@code amount}
 * fraction of its output channels with the smallest L1 or L2 filter norm, and the layers that
 * read those channels are rewired, giving a smaller dense model. Works on feed-forward models
 * along explicit producer → consumer edges ({@link #executionOrder}: ZooNet and Sequential chains,
 * Residual and Branches as barriers): a conv is prunable when it is ungrouped and its consumer —
 * the next layer with parameters, skipping one BatchNorm2d of the same width — is an ungrouped
 * conv or the first Linear after the flatten. Convs feeding a
 * grouped (depthwise) conv are left whole, as are layers inside other compressed layers.
 */
public final class FilterPruning {
    private FilterPruning() {}

    /** Filter importance norm. */
    public enum Norm { L1, L2 }

    /** One pruned conv: the channels it keeps and the layers rewired with it. */
    public record Cut(String conv, String batchNorm, String consumer, int originalOut, int[] keep) {}

    /** Channels to remove, computed from the weights; {@link #apply} or {@link #zeroChannels} carry it out. */
    public record Plan(List<Cut> cuts) {
        /** Physically removes the channels, replacing the affected layers by smaller ones. */
        public void apply(Module model) {
            for (Cut c : cuts) shrink(model, c);
        }

        /**
         * Zeroes the removed channels in place instead (conv rows and bias, BatchNorm weight and
         * bias): the same function as {@link #apply} computes, at the original size.
         */
        public void zeroChannels(Module model) {
            for (Cut c : cuts) {
                boolean[] drop = dropped(c);
                Conv2d conv = (Conv2d) ModuleTree.get(model, c.conv());
                zeroRows(conv.weight(), drop);
                zeroRows(conv.bias(), drop);
                if (c.batchNorm() != null) {
                    Map<String, Tensor> bn = ModuleTree.get(model, c.batchNorm()).stateDict();
                    zeroRows(bn.get("weight"), drop);
                    zeroRows(bn.get("bias"), drop);
                }
            }
        }
    }

    /** Plans and applies in one call; returns the plan. */
    public static Plan prune(Module model, double amount, Norm norm) {
        Plan p = plan(model, amount, norm);
        p.apply(model);
        return p;
    }

    /** Chooses, for every prunable conv, the round-half-even(amount × Cout) filters of smallest norm (at least one filter stays). */
    public static Plan plan(Module model, double amount, Norm norm) {
        Pruning.checkAmount(amount);
        for (ModuleTree.Node n : ModuleTree.walk(model, m -> m instanceof Compressed)) {
            if (n.module() instanceof Pruned) {
                throw new IllegalArgumentException("layer '" + n.path() + "' carries an unstructured mask; bake it (Pruning.bake) before filter pruning");
            }
        }
        List<ModuleTree.Node> seq = new ArrayList<>();
        executionOrder(model, "", seq);
        List<Cut> cuts = new ArrayList<>();
        for (int i = 0; i < seq.size(); i++) {
            if (seq.get(i) == null || !(seq.get(i).module() instanceof Conv2d) || ((Conv2d) seq.get(i).module()).groups != 1) continue;
            Conv2d conv = (Conv2d) seq.get(i).module();
            String bn = null, consumer = null;
            for (int j = i + 1; j < seq.size() && seq.get(j) != null; j++) {
                Module m = seq.get(j).module();
                if (m instanceof BatchNorm2d && bn == null && ((BatchNorm2d) m).channels() == conv.out) {
                    bn = seq.get(j).path();
                    continue;
                }
                if (m.parameters().isEmpty() && !(m instanceof Compressed)) continue;
                boolean convOk = m.getClass() == Conv2d.class && ((Conv2d) m).groups == 1 && ((Conv2d) m).in == conv.out;
                boolean linOk = m.getClass() == Linear.class && ((Linear) m).in % conv.out == 0;
                if (convOk || linOk) consumer = seq.get(j).path();
                break;
            }
            if (consumer == null) continue;
            int remove = Math.min(conv.out - 1, (int) Math.rint(amount * conv.out));
            if (remove == 0) continue;
            cuts.add(new Cut(seq.get(i).path(), bn, consumer, conv.out, keep(conv.weight(), remove, norm)));
        }
        return new Plan(cuts);
    }

    /**
     * The leaf layers in the order they run, as producer → consumer edges: each entry feeds the
     * next, and a null entry is a barrier no channel cut may cross. ZooNet runs its feature
     * blocks then its heads (as listed, not as registered: an inserted adapter sits where it
     * runs) and Sequential its children in order. A Residual needs its branch to keep the width
     * and Branches feeds several heads, so both are barriers on each side (their insides are
     * chains of their own); so is any other container, whose data flow is not known here.
     */
    static void executionOrder(Module m, String path, List<ModuleTree.Node> out) {
        List<String> order;
        if (m instanceof io.deepslim.models.ZooNet z) {
            order = new ArrayList<>(z.featureNames());
            order.addAll(z.headNames());
        } else if (m instanceof io.deepslim.nn.Sequential && !(m instanceof Compressed)) {
            order = new ArrayList<>(m.children().keySet());
        } else {
            out.add(null);
            if (m instanceof Compressed) return;
            for (String name : m.children().keySet()) {
                visit(m, name, path, out);
                out.add(null);
            }
            return;
        }
        for (String name : order) visit(m, name, path, out);
    }

    private static void visit(Module parent, String name, String path, List<ModuleTree.Node> out) {
        Module c = parent.children().get(name);
        String p = join(path, name);
        if (c.children().isEmpty() || c instanceof Compressed) out.add(new ModuleTree.Node(p, parent, name, c));
        else executionOrder(c, p, out);
    }

    private static String join(String path, String name) { return path.isEmpty() ? name : path + "." + name; }

    /** Indices (ascending) of the filters kept when the {@code remove} of smallest norm go; ties drop the lower index. */
    private static int[] keep(Tensor weight, int remove, Norm norm) {
        int out = weight.size(0), per = (int) (weight.numel() / out);
        float[] w = weight.contiguousRaw().toFloatArray();
        double[] score = new double[out];
        for (int o = 0; o < out; o++) {
            double s = 0;
            for (int k = 0; k < per; k++) {
                float v = w[o * per + k];
                s += norm == Norm.L1 ? Math.abs(v) : (double) v * v;
            }
            score[o] = s;
        }
        List<Integer> order = new ArrayList<>();
        for (int o = 0; o < out; o++) order.add(o);
        order.sort((a, b) -> score[a] != score[b] ? Double.compare(score[a], score[b]) : Integer.compare(a, b));
        List<Integer> kept = new ArrayList<>(order.subList(remove, out));
        Collections.sort(kept);
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    private static boolean[] dropped(Cut c) {
        boolean[] drop = new boolean[c.originalOut()];
        Arrays.fill(drop, true);
        for (int k : c.keep()) drop[k] = false;
        return drop;
    }

    private static void zeroRows(Tensor t, boolean[] drop) {
        if (t == null) return;
        int per = (int) (t.numel() / drop.length);
        Tensor c = t.contiguousRaw();
        if (c != t) throw new IllegalStateException("expected a contiguous parameter");
        float[] v = t.toFloatArray();
        for (int o = 0; o < drop.length; o++) {
            if (drop[o]) java.util.Arrays.fill(v, o * per, (o + 1) * per, 0f);
        }
        t.copyFrom(v);
    }

    private static void shrink(Module model, Cut c) {
        int[] keep = c.keep();
        Conv2d conv = (Conv2d) ModuleTree.get(model, c.conv());
        replace(model, c.conv(), conv, new Conv2d(conv.in, keep.length, conv.kernel, conv.params,
                slice(conv.weight(), 0, keep), conv.bias() == null ? null : slice(conv.bias(), 0, keep)));
        if (c.batchNorm() != null) {
            BatchNorm2d old = (BatchNorm2d) ModuleTree.get(model, c.batchNorm());
            BatchNorm2d bn = TensorScope.unscoped(() -> new BatchNorm2d(keep.length, old.momentum(), old.eps()));
            Map<String, Tensor> src = old.stateDict(), dst = bn.stateDict();
            for (String k : dst.keySet()) {
                Tensor s = src.get(k), d = dst.get(k);
                Tensor v = s.dim() == 1 ? slice(s, 0, keep) : s;
                d.copyFrom(v);
                d.requiresGrad(s.requiresGrad());
            }
            replace(model, c.batchNorm(), old, bn);
        }
        Module cons = ModuleTree.get(model, c.consumer());
        if (cons instanceof Conv2d) {
            Conv2d next = (Conv2d) cons;
            replace(model, c.consumer(), next, new Conv2d(keep.length, next.out, next.kernel, next.params,
                    slice(next.weight(), 1, keep), next.bias()));
        } else {
            Linear next = (Linear) cons;
            // flatten of (C, H, W): feature c·H·W + s belongs to channel c
            int hw = next.in / c.originalOut();
            int[] cols = new int[keep.length * hw];
            for (int i = 0; i < keep.length; i++) for (int s = 0; s < hw; s++) cols[i * hw + s] = keep[i] * hw + s;
            replace(model, c.consumer(), next, new Linear(slice(next.weight(), 1, cols), next.bias()));
        }
    }

    /** Swaps in {@code fresh}, keeping the old layer's training mode and frozen flags. */
    private static void replace(Module model, String path, Module old, Module fresh) {
        Map<String, Tensor> o = old.namedParameters();
        fresh.namedParameters().forEach((k, t) -> {
            if (o.containsKey(k)) t.requiresGrad(o.get(k).requiresGrad());
        });
        fresh.train(old.isTraining());
        ModuleTree.replace(model, path, fresh);
    }

    /** The entries of {@code t} whose index along {@code dim} (0 or 1) is in {@code idx}, as a new contiguous tensor. */
    static Tensor slice(Tensor t, int dim, int[] idx) {
        int[] shape = t.shape();
        float[] src = t.contiguousRaw().toFloatArray();
        int outer = dim == 0 ? 1 : shape[0], len = shape[dim];
        int inner = (int) (t.numel() / outer / len);
        float[] dst = new float[outer * idx.length * inner];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < idx.length; i++) {
                System.arraycopy(src, (o * len + idx[i]) * inner, dst, (o * idx.length + i) * inner, inner);
            }
        }
        shape[dim] = idx.length;
        return TensorScope.unscoped(() -> Tensor.of(dst, shape));
    }
}
