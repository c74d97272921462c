package io.deepslim.backend.cpu;

import io.deepslim.backend.BinaryOp;
import io.deepslim.tensor.Tensor;

import java.nio.FloatBuffer;

/** N-d iteration over strided / broadcast operands (the slow-but-general elementwise path). */
final class Strided {
    private Strided() {}

    /** Elementwise function used by {@link #map2}. */
    interface F2 {
        float apply(float src, float dst);
    }

    /** Strides of {@code t} broadcast to {@code shape} (right-aligned, 0 where t has size 1 or no dimension). */
    static int[] broadcastStrides(Tensor t, int[] shape) {
        int[] ts = t.shape(), st = t.strides(), out = new int[shape.length];
        int shift = shape.length - ts.length;
        for (int i = 0; i < ts.length; i++) out[i + shift] = ts[i] == 1 ? 0 : st[i];
        return out;
    }

    /** dst[i] = f(src[i], dst[i]) over {@code shape}; src read with the given (possibly broadcast) strides. */
    static void map2(Tensor src, int[] srcStrides, int[] shape, Tensor dst, F2 f) {
        int[] ss = shape.length == srcStrides.length ? srcStrides : broadcastStrides(src, shape);
        int[] ds = dst.strides();
        FloatBuffer s = src.buffer(), d = dst.buffer();
        iterate(shape, ss, ds, null, src.offset(), dst.offset(), 0, (so, dO, unused, n, sStep, dStep, u2) -> {
            for (int i = 0; i < n; i++) {
                int di = dO + i * dStep;
                d.put(di, f.apply(s.get(so + i * sStep), d.get(di)));
            }
        });
    }

    /** out = op(a, b) with broadcasting; out contiguous or strided. */
    static void map3(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int[] shape = out.shape();
        int[] as = broadcastStrides(a, shape), bs = broadcastStrides(b, shape);
        FloatBuffer x = a.buffer(), y = b.buffer(), z = out.buffer();
        iterate(shape, as, bs, out.strides(), a.offset(), b.offset(), out.offset(), (ao, bo, zo, n, aStep, bStep, zStep) -> {
            for (int i = 0; i < n; i++) {
                z.put(zo + i * zStep, CpuBackend.applyBinary(op, x.get(ao + i * aStep), y.get(bo + i * bStep)));
            }
        });
    }

    /** Inner-loop body: offsets of up to three operands at the start of a row, row length, and their steps. */
    interface Row {
        void run(int o1, int o2, int o3, int n, int s1, int s2, int s3);
    }

    /** Walks every index of {@code shape} but the last, handing each innermost row to {@code row}. */
    static void iterate(int[] shape, int[] s1, int[] s2, int[] s3, int o1, int o2, int o3, Row row) {
        int r = shape.length;
        if (r == 0) {
            row.run(o1, o2, o3, 1, 0, 0, 0);
            return;
        }
        for (int d : shape) if (d == 0) return;
        int last = r - 1, n = shape[last];
        int st1 = s1[last], st2 = s2[last], st3 = s3 == null ? 0 : s3[last];
        int[] idx = new int[r];
        int p1 = o1, p2 = o2, p3 = o3;
        while (true) {
            row.run(p1, p2, p3, n, st1, st2, st3);
            int d = last - 1;
            while (d >= 0) {
                idx[d]++;
                p1 += s1[d];
                p2 += s2[d];
                if (s3 != null) p3 += s3[d];
                if (idx[d] < shape[d]) break;
                p1 -= s1[d] * shape[d];
                p2 -= s2[d] * shape[d];
                if (s3 != null) p3 -= s3[d] * shape[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) return;
        }
    }
}
