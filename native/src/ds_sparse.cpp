// Masked-sparse kernels: direct convolution over CSR weights (no im2col) and sparse x dense Linear.
//
// The convolution pads each sample once (zero borders, slack at the end) so the inner loops have
// no bounds checks. With stride 1 the output plane is walked as a 1-D run of "virtual" positions
// q = oh*Wp + ow over the padded width Wp: input index = q + offset(c, ki, kj) is then contiguous,
// so a chunk of positions is a few vector loads per nonzero. Columns ow >= wo are computed and
// dropped (efficiency wo/Wp). Strided convolutions on the vector paths are split by stride phase into a
// stride-1 one (sparse_conv_strided); the portable path runs them as a plain loop.
//
// With `pool` a 2x2 stride-2 max-pool follows in the same call (vgg-style blocks): the vector path
// walks the plane in bands of an even number of rows whose finished outputs go to a per-thread band
// buffer (bias + ReLU applied) and are pooled straight into y, so the full-size map is never
// written to memory; the portable loop computes the full map in scratch and pools it after.
#include "ds_common.h"
#include "ds_pool.h"
#include <array>
#include <map>
#include <memory>
#include <mutex>

namespace {

struct SparseConv {
    const float* xpad;  // one sample, channels `plane` floats apart + slack
    const int32_t* rowptr;
    const int32_t* off;  // per nonzero: c*plane + ki*dh*Wp + kj*dw
    const float* vals;
    const float* bias;
    size_t plane;
    int cinG, coutG, Wp, sh, sw, relu, ho, wo;
    float* y;  // this sample's (cout, ho, wo)
};

inline float ds_epilogue(float v, float b, int relu) {
    v += b;
    return relu && v < 0.f ? 0.f : v;
}

// Portable: any stride; accumulates one output row at a time in y itself.
void sparse_conv_rows_portable(const SparseConv& a, int co) {
    const float* xg = a.xpad + (size_t) (co / a.coutG) * a.cinG * a.plane;
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

// Stride-1 vector path. The output plane is cut into chunks of CH virtual positions (one task
// each, taken dynamically by the threads, so a small cout still uses every thread). Within a chunk
// the group's input channels are split into blocks of `blk` channels whose input window
// (blk x (CH + (kh-1)*dh*Wp + (kw-1)*dw) floats) fits in L1; for each block every output channel
// runs its nonzeros of that block against the window, so the window is loaded from L2 once and
// reused by all output channels. Partial sums between blocks live in a per-thread (cout, CH) tile;
// the last block adds bias (+ReLU) and stores the valid columns straight into y.
struct ChunkPass {
    const float* xpad;      // one sample, channels `plane` floats apart (+ slack)
    const int32_t* bptr;    // per output channel: nblk+1 indices into off/vals (block starts)
    const int32_t* off;     // per nonzero: c*plane + ki*dh*Wp + kj*dw (c within the conv group)
    const float* vals;
    const float* bias;
    size_t plane;
    int cinG, coutG, cout, nblk, Wp, relu, ho, wo;
    float* y;               // this sample's (cout, ho, wo)
    float* band = nullptr;  // pooled calls: finished chunks go here, (cout, bandStride) from virtual position q0
    int q0 = 0, bandStride = 0;
    // Column-split layout (3-wide kernels, dw 1, Wp a multiple of 16): nonzeros ordered by (block, kj) per output
    // channel, bptr holding nblk*3+1 starts per channel and off without the kj term, so every load is aligned.
    bool kjSplit = false;
};

// Stores lanes [0, len) of the chunk at virtual position q0 (row-major over the padded width Wp)
// into y's valid columns, one contiguous row piece at a time.
inline void store_chunk(const ChunkPass& a, int co, int q0, const float* v, int len) {
    if (a.band) {  // pooled: the whole chunk, padding columns included, pooled later by pool_band
        std::memcpy(a.band + (size_t) co * a.bandStride + (q0 - a.q0), v, sizeof(float) * len);
        return;
    }
    float* yc = a.y + (size_t) co * a.ho * a.wo;
    int oh = q0 / a.Wp, ow = q0 % a.Wp, l = 0;
    while (l < len && oh < a.ho) {
        int run = std::min(len - l, a.Wp - ow);
        if (ow < a.wo) std::memcpy(yc + (size_t) oh * a.wo + ow, v + l, sizeof(float) * std::min(run, a.wo - ow));
        l += run;
        ow = 0;
        oh++;
    }
}

#if DS_X86
// The chunk kernel, one body (ds_sparse_chunk.inc) compiled once per vector ISA.
#pragma GCC push_options
#pragma GCC target("avx512f,fma")
namespace dssp_avx512 {
typedef __m512 vf;
constexpr int VW = 16;
static inline vf vzero() { return _mm512_setzero_ps(); }
static inline vf vload(const float* p) { return _mm512_load_ps(p); }
static inline vf vloadu(const float* p) { return _mm512_loadu_ps(p); }
static inline void vstore(float* p, vf v) { _mm512_store_ps(p, v); }
static inline vf vset1(float x) { return _mm512_set1_ps(x); }
static inline vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vmax(vf a, vf b) { return _mm512_max_ps(a, b); }
// lanes K.. of a, then lanes ..K-1 of b (the 16 positions K further on, across two vectors)
template <int K>
static inline vf vshift(vf a, vf b) { return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(b), _mm512_castps_si512(a), K)); }
#include "ds_sparse_chunk.inc"
}  // namespace dssp_avx512
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace dssp_avx2 {
typedef __m256 vf;
constexpr int VW = 8;
static inline vf vzero() { return _mm256_setzero_ps(); }
static inline vf vload(const float* p) { return _mm256_load_ps(p); }
static inline vf vloadu(const float* p) { return _mm256_loadu_ps(p); }
static inline void vstore(float* p, vf v) { _mm256_store_ps(p, v); }
static inline vf vset1(float x) { return _mm256_set1_ps(x); }
static inline vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vmax(vf a, vf b) { return _mm256_max_ps(a, b); }
// lanes K.. of a, then lanes ..K-1 of b (K < 4: per 128-bit half, from a and the halves (a.hi, b.lo))
template <int K>
static inline vf vshift(vf a, vf b) {
    const __m256i mid = _mm256_castps_si256(_mm256_permute2f128_ps(a, b, 0x21));
    return _mm256_castsi256_ps(_mm256_alignr_epi8(mid, _mm256_castps_si256(a), 4 * K));
}
#include "ds_sparse_chunk.inc"
}  // namespace dssp_avx2
#pragma GCC pop_options
#endif

// Scratch kept by the calling thread between calls (grown, never shrunk; freed with the thread):
// a fresh multi-MB buffer per call was measured at ~2 ms of page faults per layer in the JVM
// (256->512 @28, 90% sparse: 5.6 ms per call vs 3.4 ms with the buffers reused).
struct Scratch {
    void* p = nullptr;
    size_t cap = 0;
    ~Scratch() { std::free(p); }
    template <class T>
    T* get(size_t count) {
        size_t bytes = (count * sizeof(T) + 127) / 64 * 64;
        if (bytes > cap) {
            std::free(p);
            p = std::aligned_alloc(64, bytes);
            if (!p) throw std::bad_alloc();
            cap = bytes;
        }
        return static_cast<T*>(p);
    }
};
thread_local Scratch scratch_xpad, scratch_tiles, scratch_off, scratch_bptr, scratch_band, scratch_full, scratch_vals;

// 2x2 stride-2 max of rows [r0, r1) (r0, r1 even) of `cout` maps stored `stride` floats apart with
// row pitch `pitch` (src points at row r0), into y (cout, ho/2, wo/2). Vertical max first (contiguous,
// vectorizes), then pairs across the row.
void pool_rows(const float* src, size_t stride, int pitch, int cout, int r0, int r1, int ho, int wo, float* y) {
    const int hp = ho / 2, wp = wo / 2;
    for (int co = 0; co < cout; co++) {
        for (int r = r0; r < r1; r += 2) {
            const float* __restrict a = src + (size_t) co * stride + (size_t) (r - r0) * pitch;
            const float* __restrict b = a + pitch;
            float* __restrict yr = y + ((size_t) co * hp + r / 2) * wp;
            for (int j = 0; j < wp; j++) {
                float m0 = std::max(a[2 * j], b[2 * j]), m1 = std::max(a[2 * j + 1], b[2 * j + 1]);
                yr[j] = std::max(m0, m1);
            }
        }
    }
}

// Bytes a pooled call's band buffer (cout x band positions) may use per thread: it is written once per
// chunk and read once by the pool, so L2-sized is enough (Zen 4: 1 MB L2).
constexpr size_t BAND_BYTES = 512 * 1024;

// Floats per output channel in a band buffer of R rows: the band's positions rounded up to whole vectors.
inline int band_stride(int R, int Wp, int VW) { return (R * Wp + VW - 1) / VW * VW; }

// Rows per band of a pooled call: even, at least one full chunk where the budget allows (a narrow map
// in 2-row bands would run only short chunks, fewer FMAs in flight), then the least rounding waste (a
// band's last chunk is rounded up to whole vectors of VW lanes), the buffer within BAND_BYTES (2 rows
// always allowed), at least `threads` bands when the map has that many row pairs.
int band_rows(int hq, int Wp, int CH, int VW, int cout, int threads) {
    int best = 2, R0 = 2;
    while (R0 + 2 <= hq && R0 * Wp < CH && (size_t) cout * band_stride(R0 + 2, Wp, VW) * sizeof(float) <= BAND_BYTES) R0 += 2;
    double bestEff = 0;
    for (int R = R0; R <= hq; R += 2) {
        const long pos = (long) R * Wp;
        const long computed = pos / CH * CH + (pos % CH + VW - 1) / VW * VW;
        if (R > R0 && (size_t) cout * band_stride(R, Wp, VW) * sizeof(float) > BAND_BYTES) break;
        if (R > R0 && (hq + R - 1) / R < std::min(threads, hq / 2)) break;
        const double eff = (double) pos / computed;
        if (eff > bestEff + 1e-9) {
            bestEff = eff;
            best = R;
        }
    }
    return best;
}

// Whether a stride-1 vector call uses the column-split layout (ChunkPass::kjSplit): AVX-512, 3-wide
// kernel, no column dilation, padded rows not already a multiple of 16 floats. Single thread, CPU time,
// 3x3 vgg45m shapes at 90% / 95% sparsity (benchmarks/results/2026-11-30-sparse-pool-kernel.md): AVX-512
// 1.09-1.26x / 1.04-1.24x faster (14x14 maps, rows of 16 already: 0.90x / 0.97x); AVX2, whose 32-byte
// loads split a line half as often, 0.71-0.95x. DS_SPARSE_KJ=0 turns it off, =2 on wherever it applies
// (A/B measuring).
int ds_sparse_kj_mode = std::getenv("DS_SPARSE_KJ") ? std::atoi(std::getenv("DS_SPARSE_KJ")) : 1;

// Rounding the rows up to 16 floats also computes the extra columns: on a 64 px model's 16- and 32-wide maps
// (padded rows 18 -> 32, 34 -> 48: 56% and 71% useful) the plain layout was 1.6x and 1.2x faster at 90% sparsity,
// one thread (benchmarks/native/sparse_bench.sh with DS_SIZE=64, DS_SPARSE_KJ=0/1), so the default splits only
// where at least 80% of the rounded row is the padded row itself (every vgg45m layer at 224: 89-94%).
bool column_split(int path, int kw, int dw, int wp) {
    if (ds_sparse_kj_mode == 0 || kw != 3 || dw != 1) return false;
    return ds_sparse_kj_mode == 2 || (path == DS_PATH_AVX512_VNNI && wp % 16 != 0 && wp * 5 >= (wp + 15) / 16 * 16 * 4);
}

// The padded row width of a call: rounded up to 16 floats in the column-split layout.
int padded_width(int path, int w, int kw, int sh, int sw, int pw, int dw) {
    const bool split = path != DS_PATH_PORTABLE && sh == 1 && sw == 1 && column_split(path, kw, dw, w + 2 * pw);
    return split ? (w + 2 * pw + 15) / 16 * 16 : w + 2 * pw;
}

// The nonzeros' offsets for a geometry, and their per-pack cache (prepare_offsets, cached_plan).
#include "ds_sparse_plan.inc"

// Positions per chunk on the AVX-512 / AVX2 paths (8 vectors each).
constexpr int CH512 = 128, CH256 = 64;

// Bytes the input window of one channel block may use: 32 KB measured best on Zen 4 (32 KB L1D,
// 1 MB L2) over 8-96 KB with 128-position chunks, single thread (benchmarks/native/sparse_bench.sh 1 x BYTES).
int ds_sparse_l1_window = 32 * 1024;

// Channels per block: the block's input window for one chunk of CH positions fits the budget.
int block_channels(int CH, int cinG, int kh, int kw, int dh, int dw, int Wp) {
    const size_t window = (size_t) CH + (size_t) (kh - 1) * dh * Wp + (size_t) (kw - 1) * dw;
    return (int) std::max<size_t>(1, std::min<size_t>(cinG, ds_sparse_l1_window / (sizeof(float) * window)));
}

// Copies sample xs (cin, h, w) into xpad with zero borders, channels `plane` floats apart.
void pad_sample(int threads, const float* xs, int cin, int h, int w, int ph, int pw, int Wp, size_t plane, float* xpad) {
    int tasks = std::min(cin, std::max(1, threads) * 4);
    ds_parallel(tasks, (size_t) cin * plane > 65536 ? threads : 1, [&](int t) {
        for (int c = cin * t / tasks; c < cin * (t + 1) / tasks; c++) {
            float* pc = xpad + c * plane;
            std::memset(pc, 0, sizeof(float) * ((size_t) ph * Wp + pw));
            for (int r = 0; r < h; r++) {
                float* row = pc + (size_t) (r + ph) * Wp + pw;
                std::memcpy(row, xs + ((size_t) c * h + r) * w, sizeof(float) * w);
                std::memset(row + w, 0, sizeof(float) * (r + 1 < h ? Wp - w : Wp - w - pw));  // right border + next row's left
            }
            size_t used = (size_t) (h + ph) * Wp;
            std::memset(pc + used, 0, sizeof(float) * (plane - used));  // bottom rows and alignment gap
        }
    });
}

}  // namespace

namespace {

// Strided convs on the vector paths: the padded input is split by (row, column) phase modulo the strides,
// channel c -> sh*sw channels (c, pr, pc) of maps ceil(Hp/sh) x ceil(Wp/sw), so tap (ki, kj) of output (oh, ow)
// reads phase (ki % sh, kj % sw) at (oh + ki / sh, ow + kj / sw): a stride-1 conv with a ceil(kh/sh) x
// ceil(kw/sw) kernel and no padding, which the chunk kernel runs. Taps and channels are renumbered (kidx
// kept ascending per output channel); one sample at a time through the phase buffer.
bool strided_on_vector(int path, int sh, int sw, int dh, int dw) {
    return path != DS_PATH_PORTABLE && (sh > 1 || sw > 1) && sh <= 4 && sw <= 4 && dh == 1 && dw == 1;
}

thread_local Scratch scratch_phase, scratch_pkidx, scratch_pvals, scratch_perm;

void sparse_conv_strided(int path, int threads, const float* x, int n, int cin, int h, int w, const int32_t* rowptr,
                         const int32_t* kidx, const float* vals, const float* bias, int cout, int kh, int kw, int sh, int sw,
                         int ph, int pw, int groups, int relu, int pool, float* y, int ho, int wo);

}  // namespace

// The small-map path (sparse_conv_small): im2col rows and output channels over the threads.
#include "ds_sparse_small.inc"

extern "C" int ds_sparse_small_max_positions(int positions) {
    const int was = ds_sparse_small_positions;
    if (positions >= 0) ds_sparse_small_positions = positions;
    return was;
}

extern "C" int ds_sparse_conv_small_map(int path, int ho, int wo) { return small_map(ds_effective_path(path), ho, wo) ? 1 : 0; }

extern "C" void ds_sparse_conv2d_forward(int path, int threads, const float* x, int n, int cin, int h, int w,
                                         const int32_t* rowptr, const int32_t* kidx, const float* vals,
                                         const float* bias, int cout, int kh, int kw, int sh, int sw, int ph,
                                         int pw, int dh, int dw, int groups, int relu, int pool, float* y, int ho, int wo) {
    ds_sparse_conv2d_forward_pack(0, path, threads, x, n, cin, h, w, rowptr, kidx, vals, bias, cout, kh, kw, sh, sw, ph, pw, dh, dw,
                                  groups, relu, pool, y, ho, wo);
}

extern "C" long ds_sparse_plan_hits() { return plan_hits.load(); }

extern "C" void ds_sparse_conv2d_forward_pack(int64_t pack, int path, int threads, const float* x, int n, int cin, int h, int w,
                                              const int32_t* rowptr, const int32_t* kidx, const float* vals,
                                              const float* bias, int cout, int kh, int kw, int sh, int sw, int ph,
                                              int pw, int dh, int dw, int groups, int relu, int pool, float* y, int ho, int wo) {
    path = ds_effective_path(path);
    if (small_map(path, ho, wo)) {
        sparse_conv_small(path, threads, x, n, cin, h, w, rowptr, kidx, vals, bias, cout, kh, kw, sh, sw, ph, pw, dh, dw, groups, relu, pool, y, ho, wo);
        return;
    }
    if (strided_on_vector(path, sh, sw, dh, dw)) {
        sparse_conv_strided(path, threads, x, n, cin, h, w, rowptr, kidx, vals, bias, cout, kh, kw, sh, sw, ph, pw, groups, relu, pool, y, ho, wo);
        return;
    }
    const bool vector = path != DS_PATH_PORTABLE && sw == 1 && sh == 1;
    const bool kjSplit = vector && column_split(path, kw, dw, w + 2 * pw);
    // the column-split layout pads rows to a multiple of 16 floats (aligned loads for every row and channel)
    const int Hp = h + 2 * ph, Wp = padded_width(path, w, kw, sh, sw, pw, dw), cinG = cin / groups;
    const int CH = path == DS_PATH_AVX512_VNNI ? CH512 : CH256;
    // channel planes 16 floats apart keep a nonzero's load alignment independent of its channel
    const size_t plane = ((size_t) Hp * Wp + 15) / 16 * 16;
    const int blk = vector ? block_channels(CH, cinG, kh, kw, dh, dw, Wp) : cinG;
    const int nblk = (cinG + blk - 1) / blk;
    const int nnz = rowptr[cout];
    const int bstride = kjSplit ? nblk * 3 + 1 : nblk + 1;
    // the nonzeros' offsets into this geometry's padded planes: prepared once per (pack, geometry) when the caller
    // names its pack, else per call into scratch (O(nnz) with divisions: 0.6 ms for 118 k nonzeros, single-threaded)
    const int32_t* off;
    const int32_t* bptr;
    const float* kjVals = nullptr;
    std::shared_ptr<const SparsePlan> plan;
    if (pack != 0) {
        plan = cached_plan({pack, Wp, (int64_t) plane, blk, kjSplit ? 1 : 0, kh * 64 + kw, dh * 64 + dw, cout}, [&](SparsePlan& pl) {
            pl.off.resize(nnz > 0 ? nnz : 1);
            pl.bptr.resize((size_t) cout * bstride);
            if (kjSplit) pl.vals.resize(nnz > 0 ? nnz : 1);
            prepare_offsets(rowptr, kidx, vals, cout, kh, kw, dh, dw, blk, nblk, plane, Wp, kjSplit, pl.off.data(), pl.bptr.data(),
                            kjSplit ? pl.vals.data() : nullptr);
        });
        off = plan->off.data();
        bptr = plan->bptr.data();
        if (kjSplit) kjVals = plan->vals.data();
    } else {
        int32_t* o = scratch_off.get<int32_t>(nnz > 0 ? nnz : 1);
        int32_t* b = scratch_bptr.get<int32_t>((size_t) cout * bstride);
        float* v = kjSplit ? scratch_vals.get<float>(nnz > 0 ? nnz : 1) : nullptr;
        prepare_offsets(rowptr, kidx, vals, cout, kh, kw, dh, dw, blk, nblk, plane, Wp, kjSplit, o, b, v);
        off = o;
        bptr = b;
        kjVals = v;
    }
    // slack: a chunk may read up to CH-1 positions past the last valid one
    const int Q = ho * Wp, nchunks = (Q + CH - 1) / CH;
    float* xpad = scratch_xpad.get<float>((size_t) cin * plane + 2 * CH + (size_t) kw * dw);
    const int nt = std::max(1, std::min(threads, nchunks));
    float* tiles = scratch_tiles.get<float>(nblk > 1 ? (size_t) nt * cout * CH : 1);  // one (cout, CH) tile per thread
    for (int s = 0; s < n; s++) {
        pad_sample(threads, x + (size_t) s * cin * h * w, cin, h, w, ph, pw, Wp, plane, xpad);
        std::memset(xpad + (size_t) cin * plane, 0, sizeof(float) * (2 * CH + (size_t) kw * dw));
        float* ys = y + (size_t) s * cout * (pool ? (size_t) (ho / 2) * (wo / 2) : (size_t) ho * wo);
        if (!vector) {
            // pooled: the full map in scratch, then pooled into ys
            float* full = pool ? scratch_full.get<float>((size_t) cout * ho * wo) : ys;
            SparseConv a{xpad, rowptr, off, vals, bias, plane, cinG, cout / groups, Wp, sh, sw, relu, ho, wo, full};
            int tasks = std::min(cout, std::max(1, threads) * 4);
            ds_parallel(tasks, threads, [&](int t) {
                for (int co = cout * t / tasks; co < cout * (t + 1) / tasks; co++) sparse_conv_rows_portable(a, co);
            });
            if (pool) pool_rows(full, (size_t) ho * wo, wo, cout, 0, ho / 2 * 2, ho, wo, ys);
            continue;
        }
#if DS_X86
        ChunkPass a{xpad, bptr, off, kjSplit ? kjVals : vals, bias, plane, cinG, cout / groups, cout, nblk, Wp, relu, ho, wo, ys};
        a.kjSplit = kjSplit;
        if (pool) {
            // bands of R rows (only the 2*(ho/2) rows the pool reads); each thread takes whole bands
            const int VW = path == DS_PATH_AVX512_VNNI ? 16 : 8;
            const int hq = ho / 2 * 2, R = band_rows(hq, Wp, CH, VW, cout, threads), nbands = (hq + R - 1) / R;
            const int stride = band_stride(R, Wp, VW), ntb = std::max(1, std::min(threads, nbands));
            float* bands = scratch_band.get<float>((size_t) ntb * cout * stride);
            float* btiles = scratch_tiles.get<float>(nblk > 1 ? (size_t) ntb * cout * CH : 1);
            std::atomic<int> nextBand(0);
            ds_parallel(ntb, ntb, [&](int t) {
                ChunkPass at = a;
                at.band = bands + (size_t) t * cout * stride;
                at.bandStride = stride;
                float* tile = btiles + (size_t) t * cout * CH;
                for (int b = nextBand.fetch_add(1); b < nbands; b = nextBand.fetch_add(1)) {
                    const int r0 = b * R, r1 = std::min(hq, r0 + R), q1 = r1 * Wp;
                    at.q0 = r0 * Wp;
                    for (int q = at.q0; q < q1; q += CH) {
                        const int len = std::min(CH, q1 - q);
                        if (path == DS_PATH_AVX512_VNNI) dssp_avx512::chunk_fit(at, q, len, tile);
                        else dssp_avx2::chunk_fit(at, q, len, tile);
                    }
                    pool_rows(at.band, stride, Wp, cout, r0, r1, ho, wo, ys);
                }
            });
            continue;
        }
        std::atomic<int> next(0);
        ds_parallel(nt, nt, [&](int t) {
            float* tile = tiles + (size_t) t * cout * CH;
            for (int c = next.fetch_add(1); c < nchunks; c = next.fetch_add(1)) {
                int q = c * CH, len = std::min(CH, Q - q);
                // the plane's last chunk with the vectors it needs only (a small map is one short chunk)
                if (path == DS_PATH_AVX512_VNNI) len < CH ? dssp_avx512::chunk_fit(a, q, len, tile) : dssp_avx512::chunk_full(a, q, len, tile);
                else len < CH ? dssp_avx2::chunk_fit(a, q, len, tile) : dssp_avx2::chunk_full(a, q, len, tile);
            }
        });
#endif
    }
}

// The strided convs' stride-phase split (sparse_conv_strided), declared above.
#include "ds_sparse_strided.inc"

extern "C" int ds_sparse_conv_strided_vector(int path, int sh, int sw, int dh, int dw) {
    return strided_on_vector(ds_effective_path(path), sh, sw, dh, dw) ? 1 : 0;
}

extern "C" int ds_sparse_conv_blocks(int path, int cin, int w, int kh, int kw, int sh, int sw, int pw,
                                     int dh, int dw, int groups) {
    path = ds_effective_path(path);
    if (path == DS_PATH_PORTABLE || sh != 1 || sw != 1) return 1;
    const int Wp = padded_width(path, w, kw, sh, sw, pw, dw);
    const int cinG = cin / groups, blk = block_channels(path == DS_PATH_AVX512_VNNI ? CH512 : CH256, cinG, kh, kw, dh, dw, Wp);
    return (cinG + blk - 1) / blk;
}

extern "C" int ds_sparse_conv_column_split(int path, int w, int kw, int sh, int sw, int pw, int dw) {
    path = ds_effective_path(path);
    return path != DS_PATH_PORTABLE && sh == 1 && sw == 1 && column_split(path, kw, dw, w + 2 * pw) ? 1 : 0;
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
