package io.deepslim.compress;

import io.deepslim.engine.Devices;
import io.deepslim.tensor.DType;
import io.deepslim.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stores a masked weight as the values where the mask is 1 (F32, row-major order) plus the mask
 * itself, either as a bitmask (I8 bytes, bit i%8 of byte i/8, least significant bit first) or as
 * int32 flat indices, whichever is smaller: the bitmask costs n/8 bytes, the indices 4 bytes per
 * kept entry, so indices win below 1/32 density.
 */
public final class SparseCodec {
    private SparseCodec() {}

    public static final String BITMASK = "bitmask", INDICES = "indices";
    /** Above 2^24 entries, an index-encoded weight read from a file may have at most this many entries per kept one (density ≥ 0.2%). */
    public static final long MAX_INDEX_RATIO = 512;

    /** Encoding chosen for {@code kept} ones among {@code n} entries. */
    public static String choose(long n, long kept) { return (n + 7) / 8 <= 4 * kept ? BITMASK : INDICES; }

    /** Encodes {@code weight} (any shape) where {@code mask} (same numel, 0/1) is 1; keys are prefix + ".values" and ".bitmask"/".indices". */
    public static Map<String, Tensor> encode(String prefix, float[] weight, float[] mask) {
        int n = weight.length, kept = 0;
        for (float m : mask) if (m != 0f) kept++;
        float[] values = new float[kept];
        String enc = choose(n, kept);
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (enc.equals(BITMASK)) {
            byte[] b = new byte[(n + 7) / 8];
            for (int i = 0, k = 0; i < n; i++) {
                if (mask[i] == 0f) continue;
                values[k++] = weight[i];
                b[i >>> 3] |= (byte) (1 << (i & 7));
            }
            out.put(prefix + ".values", Tensor.of(values, kept));
            out.put(prefix + "." + BITMASK, Tensor.ofBytes(Devices.cpu(), b, b.length));
        } else {
            int[] idx = new int[kept];
            for (int i = 0, k = 0; i < n; i++) {
                if (mask[i] == 0f) continue;
                values[k] = weight[i];
                idx[k++] = i;
            }
            out.put(prefix + ".values", Tensor.of(values, kept));
            out.put(prefix + "." + INDICES, Tensor.ofInts(Devices.cpu(), idx, kept));
        }
        return out;
    }

    /** Decodes into {weight, mask} of {@code n} entries each; checks the tensors are consistent. */
    public static float[][] decode(String prefix, Map<String, Tensor> ts, String encoding, int n) {
        Tensor vt = Recipes.tensor(ts, prefix + ".values");
        if (vt.dtype() != DType.F32 || vt.dim() != 1) throw new IllegalArgumentException(prefix + ".values: expected a 1-D F32 tensor, got " + vt);
        if (n < 0 || vt.numel() > n) throw new IllegalArgumentException(prefix + ".values: " + vt.numel() + " values for a weight of " + n + " entries");
        // sizes are checked against the stored tensors before the dense arrays are allocated
        if (encoding.equals(BITMASK)) {
            Tensor bits = Recipes.tensor(ts, prefix + "." + BITMASK);
            if (bits.dtype() != DType.I8 || bits.dim() != 1 || bits.numel() != (n + 7) / 8) {
                throw new IllegalArgumentException(prefix + ".bitmask: expected " + (n + 7) / 8 + " I8 bytes, got " + bits);
            }
        } else if (encoding.equals(INDICES) && n > Math.max(1 << 24, MAX_INDEX_RATIO * vt.numel())) {
            throw new IllegalArgumentException(prefix + ".indices: " + vt.numel() + " kept entries cannot describe a weight of " + n
                    + " (at most " + MAX_INDEX_RATIO + "x the kept count)");
        }
        float[] values = vt.toFloatArray();
        float[] w = new float[n], mask = new float[n];
        int k = 0;
        if (encoding.equals(BITMASK)) {
            Tensor bits = Recipes.tensor(ts, prefix + "." + BITMASK);
            if (bits.dtype() != DType.I8 || bits.numel() != (n + 7) / 8) {
                throw new IllegalArgumentException(prefix + ".bitmask: expected " + (n + 7) / 8 + " I8 bytes, got " + bits);
            }
            byte[] b = bits.contiguousRaw().toByteArray();
            for (int i = 0; i < n; i++) {
                if ((b[i >>> 3] >>> (i & 7) & 1) == 0) continue;
                if (k >= values.length) throw new IllegalArgumentException(prefix + ": bitmask has more ones than " + values.length + " values");
                mask[i] = 1f;
                w[i] = values[k++];
            }
        } else if (encoding.equals(INDICES)) {
            Tensor idx = Recipes.tensor(ts, prefix + "." + INDICES);
            if (idx.dtype() != DType.I32 || idx.dim() != 1 || idx.numel() != values.length) {
                throw new IllegalArgumentException(prefix + ".indices: expected " + values.length + " I32 indices, got " + idx);
            }
            int[] b = idx.contiguousRaw().toIntArray();
            for (; k < values.length; k++) {
                int i = b[k];
                if (i < 0 || i >= n || mask[i] != 0f) throw new IllegalArgumentException(prefix + ".indices: bad or repeated index " + i);
                mask[i] = 1f;
                w[i] = values[k];
            }
        } else {
            throw new IllegalArgumentException(prefix + ": unknown sparse encoding '" + encoding + "'");
        }
        if (k != values.length) throw new IllegalArgumentException(prefix + ": " + values.length + " values but " + k + " mask entries");
        return new float[][]{w, mask};
    }
}
