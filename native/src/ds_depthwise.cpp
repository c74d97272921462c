// 3x3 pad-1 convolutions with few inputs per output channel (depthwise, or a dense first layer with
// 3 input channels), optionally followed by a 1x1 convolution, with bias + ReLU + 2x2 max-pool
// fused (see ds_separable3x3_forward in deepslim_native.h).
//
// Work is split into bands of output rows (about BAND_PIXELS pixels). For one band, the 3x3 stage
// runs for every channel into a cache-resident scratch D (cmid x band), the 1x1 GEMM reads D and
// writes C (cout x band) with its bias and ReLU, and the epilogue pools C (or copies it) into y:
// the intermediate map never goes to memory. Stride-1 bands read a zero-padded copy of the band's
// input: depthwise bands and dense bands narrower than FLAT_MAX_VECTORS vectors as one flat strip
// (vectors span rows, no scalar columns), wider dense bands row by row. The vector paths are the same source (ds_depthwise_body.inc)
// compiled three times: portable (4-lane GCC vectors, no FMA), AVX2+FMA (8 lanes), AVX-512 (16 lanes).
#include "ds_common.h"
#include "ds_pool.h"
#include <type_traits>

namespace {

struct SepJob {
    const float* x;
    int n, cin, h, w;
    const float* sw;  // (cmid, cin/groups, 3, 3)
    const float* sb;  // (cmid) or null
    int cmid, groups, stride, ho, wo;
    const float* pw;  // (cout, cmid) or null: then cout == cmid
    const float* pb;
    int cout, relu, pool;
    float* y;
    int yh, yw;
    int rows, ld;     // band rows, scratch row length in floats
};

constexpr int BAND_PIXELS = 256;

}  // namespace

namespace dsdw_portable {
#include "ds_vec_portable.inc"
typedef int vi __attribute__((vector_size(16)));
// lanes (a0, a1, a2, a3, b0, b1, b2, b3) -> (max(a0, a1), max(a2, a3), max(b0, b1), max(b2, b3))
static inline vf vpairmax(vf a, vf b) { return vmax(__builtin_shuffle(a, b, vi{0, 2, 4, 6}), __builtin_shuffle(a, b, vi{1, 3, 5, 7})); }
constexpr int PW_MR = 4, PW_NV = 4, ROW_NV = 1, DENSE_CB = 4, DENSE_NV = 2, FLAT_MAX_VECTORS = 4, DW_NV1 = 4, DW_NV2 = 2;
#include "ds_depthwise_body.inc"
}  // namespace dsdw_portable

#if DS_X86
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace dsdw_avx2 {
#include "ds_vec_avx2.inc"
static inline vf vpairmax(vf a, vf b) {
    // within 128-bit halves: (a0 a2 b0 b2 | a4 a6 b4 b6) vs the odd lanes, then 64-bit lanes 0 2 1 3
    vf m = _mm256_max_ps(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)), _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(m), _MM_SHUFFLE(3, 1, 2, 0)));
}
constexpr int PW_MR = 4, PW_NV = 3, ROW_NV = 1, DENSE_CB = 4, DENSE_NV = 3, FLAT_MAX_VECTORS = 4;  // flat tile 4 x 3 of 16 registers
constexpr int DW_NV1 = 4, DW_NV2 = 2;  // depthwise planes: 9 taps + 4 accumulators; multiplier 2 broadcasts some taps from L1
#include "ds_depthwise_body.inc"
}  // namespace dsdw_avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,fma")
namespace dsdw_avx512 {
#include "ds_vec_avx512.inc"
static inline vf vpairmax(vf a, vf b) {
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    return _mm512_max_ps(_mm512_permutex2var_ps(a, even, b), _mm512_permutex2var_ps(a, odd, b));
}
constexpr int PW_MR = 8, PW_NV = 3, ROW_NV = 2, DENSE_CB = 8, DENSE_NV = 3, FLAT_MAX_VECTORS = 4;  // 1x1 tile 8 x 3, rows 8 x 2, flat tile 8 x 3 of 32 registers
constexpr int DW_NV1 = 8, DW_NV2 = 4;  // depthwise planes: 9 (18) taps + 8 accumulators in registers
#include "ds_depthwise_body.inc"
}  // namespace dsdw_avx512
#pragma GCC pop_options
#endif

extern "C" void ds_separable3x3_forward(int path, int threads, const float* x, int n, int cin, int h, int w,
                                        const float* sw, const float* sb, int cmid, int groups, int stride,
                                        const float* pw, const float* pb, int cout, int relu, int pool, float* y) {
    SepJob a;
    a.x = x; a.n = n; a.cin = cin; a.h = h; a.w = w;
    a.sw = sw; a.sb = sb; a.cmid = cmid; a.groups = groups; a.stride = stride;
    a.ho = (h - 1) / stride + 1;
    a.wo = (w - 1) / stride + 1;
    a.pw = pw; a.pb = pb; a.cout = pw ? cout : cmid; a.relu = relu; a.pool = pool ? 1 : 0;
    a.y = y;
    a.yh = pool ? a.ho / 2 : a.ho;
    a.yw = pool ? a.wo / 2 : a.wo;
    int need = pool ? 2 * a.yh : a.ho;  // rows the output needs (floor-mode pooling drops an odd last row)
    if (n <= 0 || need <= 0 || a.yw <= 0) return;
    int rows = std::max(1, BAND_PIXELS / a.wo);
    if (pool) rows = std::max(2, rows & ~1);
    a.rows = std::min(rows, need);
    // a band's rows in the scratch: up to rows x (w + 2) floats (a flat strip keeps the padded rows), whole
    // vectors (the 1x1 stage runs to the next vector; 64 covers every path), +16 so rows are not 4 KiB-aliased
    a.ld = (a.rows * (a.w + 2) + 63) / 64 * 64 + 64 + 16;
    int bands = (need + a.rows - 1) / a.rows;
    int tasks = n * bands;
    // multiply-adds of the whole call: below ~2M a second thread costs more than it saves
    double macs = (double) n * need * a.wo * ((double) cmid * 9 * (cin / groups) + (pw ? (double) cmid * a.cout : 0));
    int nt = macs < 2e6 ? 1 : std::max(1, std::min(threads, tasks));
    int p = ds_effective_path(path);
#if DS_X86
    if (p >= DS_PATH_AVX512_VNNI) { dsdw_avx512::run(a, tasks, bands, nt); return; }
    if (p >= DS_PATH_AVX2) { dsdw_avx2::run(a, tasks, bands, nt); return; }
#endif
    dsdw_portable::run(a, tasks, bands, nt);
}
