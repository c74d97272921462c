package io.deepslim.compress;

import io.deepslim.nn.Module;
import io.deepslim.tensor.Shape;
import io.deepslim.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Size bookkeeping of a model, dense or compressed: parameter and non-zero counts, and one row
 * per layer (what {@code deepslim info} prints). Bytes are those of the tensors a model file
 * stores for the layer: {@link Compressed#compressedTensors()} for compressed layers, the own
 * parameters and buffers for the rest.
 */
public final class ModelStats {
    /** One layer: path, weight shape, weight sparsity, storage dtype, rank (-1: not factorized), stored bytes. */
    public record Row(String name, String type, int[] shape, double sparsity, String dtype, int rank,
                      long parameters, long nonZero, long bytes) {
        @Override
        public String toString() {
            return String.format("%-14s %-14s %-20s %6.1f%% %-4s %5s %,12d B", name, type, Shape.str(shape), 100 * sparsity,
                    dtype, rank < 0 ? "-" : String.valueOf(rank), bytes);
        }
    }

    private final List<Row> rows;

    private ModelStats(List<Row> rows) { this.rows = rows; }

    /** Walks {@code model}; compressed layers are reported as one row and not descended into. */
    public static ModelStats of(Module model) {
        List<Row> rows = new ArrayList<>();
        for (ModuleTree.Node n : ModuleTree.walk(model, m -> m instanceof Compressed)) {
            Module m = n.module();
            if (m instanceof Compressed) {
                rows.add(compressedRow(n.path(), m, (Compressed) m));
                continue;
            }
            Map<String, Tensor> own = ownState(m);
            if (own.isEmpty()) continue;
            long params = 0, nz = 0, bytes = 0;
            for (Map.Entry<String, Tensor> e : ownParams(m).entrySet()) {
                params += e.getValue().numel();
                nz += nonZero(e.getValue());
            }
            for (Tensor t : own.values()) bytes += bytes(t);
            Tensor w = own.get("weight");
            double sparsity = w == null ? 0 : 1 - (double) nonZero(w) / Math.max(1, w.numel());
            rows.add(new Row(n.path(), m.getClass().getSimpleName(), w == null ? new int[0] : w.shape(), sparsity,
                    w == null ? "F32" : w.dtype().name(), -1, params, nz, bytes));
        }
        return new ModelStats(rows);
    }

    private static Row compressedRow(String path, Module m, Compressed c) {
        Map<String, Object> r = c.recipe();
        long bytes = 0;
        for (Tensor t : c.compressedTensors().values()) bytes += bytes(t);
        int rank = r.containsKey("rank") ? Recipes.integer(r, "rank") : -1;
        Tensor w = m.stateDict().values().stream().filter(t -> t.dim() >= 2).findFirst().orElse(null);
        int[] shape = r.containsKey("shape") ? Recipes.ints(r, "shape") : w == null ? new int[0] : w.shape();
        String dtype = r.containsKey("dtype") ? Recipes.string(r, "dtype") : r.get("encoding") != null ? "F32 sparse" : "F32";
        double sparsity = 1 - (double) c.nonZeroCount() / Math.max(1, c.parameterCount());
        if (r.containsKey("sparsity")) sparsity = Recipes.number(r, "sparsity");
        return new Row(path, m.getClass().getSimpleName(), shape, sparsity, dtype, rank, c.parameterCount(), c.nonZeroCount(), bytes);
    }

    /** The per-layer rows, in model order. */
    public List<Row> rows() { return rows; }

    /** Scalar parameters (BatchNorm running statistics excluded, as in PyTorch). */
    public long parameterCount() { return rows.stream().mapToLong(Row::parameters).sum(); }

    /** Parameters that are not zero. */
    public long nonZeroCount() { return rows.stream().mapToLong(Row::nonZero).sum(); }

    /** Bytes of all stored tensors. */
    public long bytes() { return rows.stream().mapToLong(Row::bytes).sum(); }

    /** A printable table. */
    public String table() {
        StringBuilder sb = new StringBuilder(String.format("%-14s %-14s %-20s %7s %-4s %5s %14s%n", "layer", "type", "shape", "sparse", "dtype", "rank", "bytes"));
        for (Row r : rows) sb.append(r).append('\n');
        sb.append(String.format("parameters %,d, non-zero %,d, stored bytes %,d%n", parameterCount(), nonZeroCount(), bytes()));
        return sb.toString();
    }

    /** Number of non-zero elements of {@code t} (0 for null). */
    public static long nonZero(Tensor t) {
        if (t == null) return 0;
        long n = 0;
        for (float v : t.contiguousRaw().toFloatArray()) if (v != 0f) n++;
        return n;
    }

    /** Storage bytes of {@code t}'s elements. */
    public static long bytes(Tensor t) { return t.numel() * t.dtype().bytes(); }

    /** The tensors a module registers itself (not its children's), by name. */
    public static Map<String, Tensor> ownState(Module m) {
        Map<String, Tensor> s = new java.util.LinkedHashMap<>(m.stateDict());
        s.keySet().removeIf(k -> k.contains("."));
        return s;
    }

    private static Map<String, Tensor> ownParams(Module m) {
        Map<String, Tensor> s = new java.util.LinkedHashMap<>(m.namedParameters());
        s.keySet().removeIf(k -> k.contains("."));
        return s;
    }
}
