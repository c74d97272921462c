// Masked-sparse kernels: direct convolution over CSR weights (no im2col) and sparse x dense Linear.
//
// The convolution pads each sample once (zero borders, slack at the end) so the inner loops have
// no bounds checks. With stride 1 the output plane is walked as a 1-D run of "virtual" positions
// q = oh*Wp + ow over the padded width Wp: input index = q + offset(c, ki, kj) is then contiguous,
// so a chunk of positions is a few vector loads per nonzero. Columns ow >= wo are computed and
// dropped (efficiency wo/Wp). Strided convolutions take the portable loop.
#include "ds_common.h"

namespace {

struct SparseConv {
    const float* xpad;  // one sample, (cin, Hp, Wp) + slack
    const int32_t* rowptr;
    const int32_t* off;  // per nonzero: c*Hp*Wp + ki*dh*Wp + kj*dw
    const float* vals;
    const float* bias;
    int cinG, coutG, Hp, Wp, sh, sw, relu, ho, wo;
    float* y;  // this sample's (cout, ho, wo)
};

inline float ds_epilogue(float v, float b, int relu) {
    v += b;
    return relu && v < 0.f ? 0.f : v;
}

// Portable: any stride; accumulates one output row at a time in y itself.
void sparse_conv_rows_portable(const SparseConv& a, int co) {
    const float* xg = a.xpad + (size_t) (co / a.coutG) * a.cinG * a.Hp * a.Wp;
    const float b = a.bias ? a.bias[co] : 0.f;
    for (int oh = 0; oh < a.ho; oh++) {
        float* __restrict yr = a.y + ((size_t) co * a.ho + oh) * a.wo;
        for (int ow = 0; ow < a.wo; ow++) yr[ow] = 0.f;
        for (int i = a.rowptr[co]; i < a.rowptr[co + 1]; i++) {
            const float v = a.vals[i];
            const float* __restrict src = xg + a.off[i] + (size_t) oh * a.sh * a.Wp;
            if (a.sw == 1) {
                for (int ow = 0; ow < a.wo; ow++) yr[ow] += v * src[ow];
            } else {
                for (int ow = 0; ow < a.wo; ow++) yr[ow] += v * src[ow * a.sw];
            }
        }
        for (int ow = 0; ow < a.wo; ow++) yr[ow] = ds_epilogue(yr[ow], b, a.relu);
    }
}

// Writes the valid lanes of a chunk of virtual positions [q0, q0+len) into y.
inline void scatter_chunk(const SparseConv& a, int co, int q0, const float* tmp, int len) {
    const float b = a.bias ? a.bias[co] : 0.f;
    float* yc = a.y + (size_t) co * a.ho * a.wo;
    int oh = q0 / a.Wp, ow = q0 % a.Wp;
    for (int l = 0; l < len; l++) {
        if (ow < a.wo && oh < a.ho) yc[oh * a.wo + ow] = ds_epilogue(tmp[l], b, a.relu);
        if (++ow == a.Wp) {
            ow = 0;
            oh++;
        }
    }
}

#if DS_X86
// AVX2: 32 positions per chunk, two sets of four accumulators (even / odd nonzeros) so that
// eight FMAs are in flight.
__attribute__((target("avx2,fma"))) void sparse_conv_chunks_avx2(const SparseConv& a, int co, int q0, int q1) {
    const float* xg = a.xpad + (size_t) (co / a.coutG) * a.cinG * a.Hp * a.Wp;
    const int lo = a.rowptr[co], hi = a.rowptr[co + 1];
    alignas(32) float tmp[32];
    for (int q = q0; q < q1; q += 32) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        const float* base = xg + q;
        int i = lo;
        for (; i + 1 < hi; i += 2) {
            const __m256 v = _mm256_broadcast_ss(a.vals + i), u = _mm256_broadcast_ss(a.vals + i + 1);
            const float* p = base + a.off[i];
            const float* r = base + a.off[i + 1];
            a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(p), a0);
            a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(p + 8), a1);
            a2 = _mm256_fmadd_ps(v, _mm256_loadu_ps(p + 16), a2);
            a3 = _mm256_fmadd_ps(v, _mm256_loadu_ps(p + 24), a3);
            b0 = _mm256_fmadd_ps(u, _mm256_loadu_ps(r), b0);
            b1 = _mm256_fmadd_ps(u, _mm256_loadu_ps(r + 8), b1);
            b2 = _mm256_fmadd_ps(u, _mm256_loadu_ps(r + 16), b2);
            b3 = _mm256_fmadd_ps(u, _mm256_loadu_ps(r + 24), b3);
        }
        if (i < hi) {
            const __m256 v = _mm256_broadcast_ss(a.vals + i);
            const float* p = base + a.off[i];
            a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(p), a0);
            a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(p + 8), a1);
            a2 = _mm256_fmadd_ps(v, _mm256_loadu_ps(p + 16), a2);
            a3 = _mm256_fmadd_ps(v, _mm256_loadu_ps(p + 24), a3);
        }
        _mm256_store_ps(tmp, _mm256_add_ps(a0, b0));
        _mm256_store_ps(tmp + 8, _mm256_add_ps(a1, b1));
        _mm256_store_ps(tmp + 16, _mm256_add_ps(a2, b2));
        _mm256_store_ps(tmp + 24, _mm256_add_ps(a3, b3));
        scatter_chunk(a, co, q, tmp, std::min(32, q1 - q));
    }
}

// AVX-512: the same with 64 positions per chunk.
__attribute__((target("avx512f,fma"))) void sparse_conv_chunks_avx512(const SparseConv& a, int co, int q0, int q1) {
    const float* xg = a.xpad + (size_t) (co / a.coutG) * a.cinG * a.Hp * a.Wp;
    const int lo = a.rowptr[co], hi = a.rowptr[co + 1];
    alignas(64) float tmp[64];
    for (int q = q0; q < q1; q += 64) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        const float* base = xg + q;
        int i = lo;
        for (; i + 1 < hi; i += 2) {
            const __m512 v = _mm512_set1_ps(a.vals[i]), u = _mm512_set1_ps(a.vals[i + 1]);
            const float* p = base + a.off[i];
            const float* r = base + a.off[i + 1];
            a0 = _mm512_fmadd_ps(v, _mm512_loadu_ps(p), a0);
            a1 = _mm512_fmadd_ps(v, _mm512_loadu_ps(p + 16), a1);
            a2 = _mm512_fmadd_ps(v, _mm512_loadu_ps(p + 32), a2);
            a3 = _mm512_fmadd_ps(v, _mm512_loadu_ps(p + 48), a3);
            b0 = _mm512_fmadd_ps(u, _mm512_loadu_ps(r), b0);
            b1 = _mm512_fmadd_ps(u, _mm512_loadu_ps(r + 16), b1);
            b2 = _mm512_fmadd_ps(u, _mm512_loadu_ps(r + 32), b2);
            b3 = _mm512_fmadd_ps(u, _mm512_loadu_ps(r + 48), b3);
        }
        if (i < hi) {
            const __m512 v = _mm512_set1_ps(a.vals[i]);
            const float* p = base + a.off[i];
            a0 = _mm512_fmadd_ps(v, _mm512_loadu_ps(p), a0);
            a1 = _mm512_fmadd_ps(v, _mm512_loadu_ps(p + 16), a1);
            a2 = _mm512_fmadd_ps(v, _mm512_loadu_ps(p + 32), a2);
            a3 = _mm512_fmadd_ps(v, _mm512_loadu_ps(p + 48), a3);
        }
        _mm512_store_ps(tmp, _mm512_add_ps(a0, b0));
        _mm512_store_ps(tmp + 16, _mm512_add_ps(a1, b1));
        _mm512_store_ps(tmp + 32, _mm512_add_ps(a2, b2));
        _mm512_store_ps(tmp + 48, _mm512_add_ps(a3, b3));
        scatter_chunk(a, co, q, tmp, std::min(64, q1 - q));
    }
}
#endif

}  // namespace

extern "C" void ds_sparse_conv2d_forward(int path, int threads, const float* x, int n, int cin, int h, int w,
                                         const int32_t* rowptr, const int32_t* kidx, const float* vals,
                                         const float* bias, int cout, int kh, int kw, int sh, int sw, int ph,
                                         int pw, int dh, int dw, int groups, int relu, float* y, int ho, int wo) {
    path = ds_effective_path(path);
    const int Hp = h + 2 * ph, Wp = w + 2 * pw, cinG = cin / groups;
    const size_t plane = (size_t) Hp * Wp;
    const int nnz = rowptr[cout];
    std::vector<int32_t> off(nnz > 0 ? nnz : 1);
    for (int i = 0; i < nnz; i++) {
        int k = kidx[i], kj = k % kw, ki = (k / kw) % kh, c = k / (kw * kh);
        off[i] = (int32_t) (c * plane + (size_t) ki * dh * Wp + (size_t) kj * dw);
    }
    // slack: a 64-wide chunk may read up to 63 positions past the last valid one
    ds_buffer<float> xpad((size_t) cin * plane + 128 + (size_t) kw * dw);
    const bool vector = path != DS_PATH_PORTABLE && sw == 1 && sh == 1;
    // virtual positions of one output plane, and blocks of about 8 output rows (L2-sized input band)
    const int Q = ho * Wp, chunk = path == DS_PATH_AVX512_VNNI ? 64 : 32;
    const int qblock = std::max(chunk, (8 * Wp + chunk - 1) / chunk * chunk);
    const int nqb = (Q + qblock - 1) / qblock;
    const int coChunks = std::min(cout, std::max(1, threads) * 4);
    for (int s = 0; s < n; s++) {
        const float* xs = x + (size_t) s * cin * h * w;
        for (int c = 0; c < cin; c++)
            for (int r = 0; r < h; r++)
                std::memcpy(xpad.p + c * plane + (size_t) (r + ph) * Wp + pw, xs + ((size_t) c * h + r) * w, sizeof(float) * w);
        SparseConv a{xpad.p, rowptr, off.data(), vals, bias, cinG, cout / groups, Hp, Wp, sh, sw, relu, ho, wo,
                     y + (size_t) s * cout * ho * wo};
        ds_parallel(coChunks, threads, [&](int t) {
            int c0 = (int) ((long) cout * t / coChunks), c1 = (int) ((long) cout * (t + 1) / coChunks);
            if (!vector) {
                for (int co = c0; co < c1; co++) sparse_conv_rows_portable(a, co);
                return;
            }
#if DS_X86
            for (int qb = 0; qb < nqb; qb++) {
                int q0 = qb * qblock, q1 = std::min(Q, q0 + qblock);
                for (int co = c0; co < c1; co++) {
                    if (path == DS_PATH_AVX512_VNNI) sparse_conv_chunks_avx512(a, co, q0, q1);
                    else sparse_conv_chunks_avx2(a, co, q0, q1);
                }
            }
#endif
        });
    }
}

extern "C" void ds_sparse_linear_forward(int path, int threads, const float* x, int m, int k,
                                         const int32_t* rowptr, const int32_t* cols, const float* vals,
                                         const float* bias, int nout, int relu, float* y) {
    (void) path;  // gather-bound: one portable loop serves every CPU
    int chunks = std::min(nout, std::max(1, threads) * 4);
    ds_parallel(chunks, (long) rowptr[nout] * m > 65536 ? threads : 1, [&](int t) {
        int o0 = (int) ((long) nout * t / chunks), o1 = (int) ((long) nout * (t + 1) / chunks);
        for (int i = 0; i < m; i++) {
            const float* xr = x + (size_t) i * k;
            for (int o = o0; o < o1; o++) {
                float acc = 0.f;
                for (int j = rowptr[o]; j < rowptr[o + 1]; j++) acc += vals[j] * xr[cols[j]];
                y[(size_t) i * nout + o] = ds_epilogue(acc, bias ? bias[o] : 0.f, relu);
            }
        }
    });
}

extern "C" int ds_sparse_matches(const float* orig, const float* mask, const int32_t* idx, const float* vals, int64_t nnz) {
    for (int64_t i = 0; i < nnz; i++) {
        if (orig[idx[i]] != vals[i] || mask[idx[i]] == 0.f) return 0;
    }
    return 1;
}
