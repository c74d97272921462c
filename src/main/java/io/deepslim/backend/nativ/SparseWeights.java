package io.deepslim.backend.nativ;

import io.deepslim.tensor.Tensor;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * A masked weight (rows, rowLen) packed once as CSR by row (output channel): the kept entries'
 * values, their index within the row and their flat index (to check the pack is still current).
 * Native memory is freed by JavaCPP's GC-backed deallocator when the pack is dropped.
 */
final class SparseWeights {
    private static final java.util.concurrent.atomic.AtomicLong PACKS = new java.util.concurrent.atomic.AtomicLong();

    final int rows, rowLen, nnz;
    /** This pack's id for the native offset cache: unique for the process, never reused for other contents. */
    final long id = PACKS.incrementAndGet();
    final IntPointer rowptr, kidx, flat;
    final FloatPointer vals;

    private SparseWeights(int rows, int rowLen, int[] rowptr, int[] kidx, int[] flat, float[] vals) {
        this.rows = rows;
        this.rowLen = rowLen;
        this.nnz = rowptr[rows];
        this.rowptr = new IntPointer(rowptr);
        this.kidx = new IntPointer(nonEmpty(kidx));
        this.flat = new IntPointer(nonEmpty(flat));
        this.vals = new FloatPointer(vals.length == 0 ? new float[1] : vals);
    }

    /** Packs the entries where {@code mask} is nonzero (even zero-valued ones, so that edits are seen). */
    static SparseWeights pack(Tensor orig, Tensor mask) {
        float[] w = orig.contiguousRaw().toFloatArray(), m = mask.contiguousRaw().toFloatArray();
        int rows = orig.size(0), rowLen = w.length / rows, nnz = 0;
        for (float v : m) if (v != 0f) nnz++;
        int[] rowptr = new int[rows + 1], kidx = new int[nnz], flat = new int[nnz];
        float[] vals = new float[nnz];
        int at = 0;
        for (int r = 0; r < rows; r++) {
            for (int i = r * rowLen; i < (r + 1) * rowLen; i++) {
                if (m[i] == 0f) continue;
                kidx[at] = i - r * rowLen;
                flat[at] = i;
                vals[at++] = w[i];
            }
            rowptr[r + 1] = at;
        }
        return new SparseWeights(rows, rowLen, rowptr, kidx, flat, vals);
    }

    /** True when every kept entry still has its packed value and a nonzero mask (O(nnz), native). */
    boolean matches(Tensor orig, Tensor mask) {
        if (!orig.isContiguous() || !mask.isContiguous() || orig.numel() != (long) rows * rowLen) return false;
        return NativeLibrary.ds_sparse_matches(NativeKernels.addr(orig), NativeKernels.addr(mask), flat.address(), vals.address(), nnz) == 1;
    }

    /** Fraction of entries not kept. */
    double sparsity() { return 1.0 - (double) nnz / ((double) rows * rowLen); }

    private static int[] nonEmpty(int[] a) { return a.length == 0 ? new int[1] : a; }
}
