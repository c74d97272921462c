package io.deepslim.compress.lowrank;

import io.deepslim.backend.ConvParams;
import io.deepslim.compress.ModuleTree;
import io.deepslim.nn.Conv2d;
import io.deepslim.nn.Linear;
import io.deepslim.nn.Module;
import io.deepslim.tensor.Tensor;
import io.deepslim.tensor.TensorScope;

import java.util.List;

/**
 * SVD low-rank factorization (PAPER.md §1.2): a Linear weight W (out×in), or a conv weight
 * reshaped to (Cout, Cin·k·k), is replaced by its best rank-r approximation U_r·S_r·V_rᵀ
 * as two layers, √S_r split onto both factors (balanced scales help fine-tuning).
 * Bias goes on the second factor. Swaps happen in place.
 */
public final class LowRank {
    private LowRank() {}

    /** Path of the first Linear layer of {@code model} (the paper's target; in the zoo also the largest). */
    public static String firstLinear(Module model) {
        List<String> l = ModuleTree.pathsOf(model, Linear.class);
        if (l.isEmpty()) throw new IllegalArgumentException("model has no Linear layer to factorize");
        return l.get(0);
    }

    /** Path of the Linear layer with the most weights. */
    public static String largestLinear(Module model) {
        String best = null;
        long most = -1;
        for (String p : ModuleTree.pathsOf(model, Linear.class)) {
            Linear l = (Linear) ModuleTree.get(model, p);
            if ((long) l.in * l.out > most) {
                most = (long) l.in * l.out;
                best = p;
            }
        }
        if (best == null) throw new IllegalArgumentException("model has no Linear layer to factorize");
        return best;
    }

    /** Smallest r with Σ_{i≤r} σ_i² ≥ energy·Σ σ_i² (σ descending); energy in (0, 1]. */
    public static int rankForEnergy(float[] sigma, double energy) {
        if (!(energy > 0 && energy <= 1)) throw new IllegalArgumentException("retained energy must be in (0, 1], got " + energy);
        double total = 0;
        for (float s : sigma) total += (double) s * s;
        double acc = 0;
        for (int r = 0; r < sigma.length; r++) {
            acc += (double) sigma[r] * sigma[r];
            if (acc >= energy * total * (1 - 1e-12)) return r + 1;
        }
        return sigma.length;
    }

    /** Replaces the Linear or Conv2d at {@code path} by rank-{@code rank} factors; returns the new layer. */
    public static Factorized factorize(Module model, String path, int rank, Variant variant) {
        Module m = target(model, path);
        int[] mn = matrixShape(m);
        int max = Math.min(mn[0], mn[1]);
        if (rank <= 0 || rank > max) {
            throw new IllegalArgumentException("rank " + rank + " for layer '" + path + "' (a " + mn[0] + "x" + mn[1]
                    + " matrix) must be in [1, " + max + "]");
        }
        Factorized f = build(m, svd(m), rank, variant);
        f.train(m.isTraining());
        ModuleTree.replace(model, path, f);
        return f;
    }

    /** Like {@link #factorize} with the smallest rank retaining {@code energy} of Σσ². */
    public static Factorized factorizeByEnergy(Module model, String path, double energy, Variant variant) {
        if (!(energy > 0 && energy <= 1)) throw new IllegalArgumentException("retained energy must be in (0, 1], got " + energy);
        Module m = target(model, path);
        Svd svd = svd(m);
        Factorized f = build(m, svd, rankForEnergy(svd.s(), energy), variant);
        f.train(m.isTraining());
        ModuleTree.replace(model, path, f);
        return f;
    }

    /** The SVD of the layer at {@code path} (weights as the (out, in·k·k) matrix). */
    public static Svd svd(Module model, String path) { return svd(target(model, path)); }

    private static Module target(Module model, String path) {
        Module m = ModuleTree.get(model, path);
        if (m.getClass() == Linear.class) return m;
        if (m.getClass() == Conv2d.class) {
            if (((Conv2d) m).groups != 1) throw new IllegalArgumentException("layer '" + path + "' is a grouped conv; only groups=1 convs factorize");
            return m;
        }
        throw new IllegalArgumentException("layer '" + path + "' is a " + m.getClass().getSimpleName() + "; low-rank factorizes plain Linear and Conv2d layers");
    }

    private static int[] matrixShape(Module m) {
        Tensor w = m instanceof Linear ? ((Linear) m).weight() : ((Conv2d) m).weight();
        return new int[]{w.size(0), (int) (w.numel() / w.size(0))};
    }

    private static Svd svd(Module m) {
        Tensor w = m instanceof Linear ? ((Linear) m).weight() : ((Conv2d) m).weight();
        int[] mn = matrixShape(m);
        return Svd.of(w.contiguousRaw().toFloatArray(), mn[0], mn[1]);
    }

    private static Factorized build(Module m, Svd svd, int r, Variant variant) {
        int rows = svd.m(), cols = svd.n(), k = svd.s().length;
        // first = √S_r·V_rᵀ (r×cols), second = U_r·√S_r (rows×r)
        float[] a = new float[r * cols], b = new float[rows * r];
        for (int i = 0; i < r; i++) {
            float root = (float) Math.sqrt(svd.s()[i]);
            for (int j = 0; j < cols; j++) a[i * cols + j] = root * svd.vt()[i * cols + j];
            for (int o = 0; o < rows; o++) b[o * r + i] = svd.u()[o * k + i] * root;
        }
        return TensorScope.unscoped(() -> {
            if (m instanceof Linear) {
                Linear l = (Linear) m;
                return new Factorized(new Linear(Tensor.of(a, r, cols), null),
                        new Linear(Tensor.of(b, rows, r), copy(l.bias())), r, variant);
            }
            Conv2d c = (Conv2d) m;
            Conv2d first = new Conv2d(c.in, r, c.kernel, c.params, Tensor.of(a, r, c.in, c.kernel, c.kernel), null);
            Conv2d second = new Conv2d(r, c.out, 1, ConvParams.of(1, 0, 1), Tensor.of(b, rows, r, 1, 1), copy(c.bias()));
            return new Factorized(first, second, r, variant);
        });
    }

    private static Tensor copy(Tensor t) { return t == null ? null : Tensor.of(t.contiguousRaw().toFloatArray(), t.shape()); }
}
