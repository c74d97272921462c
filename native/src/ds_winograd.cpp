// Winograd F(4x4, 3x3) inference convolution: stride 1, padding 1, NCHW float, bias + ReLU + an
// optional 2x2/2 max-pool fused into the output transform (see ds_winograd_f4_forward in deepslim_native.h).
//
// The filter is transformed once per layer into U (36 positions x Cout/16 blocks x Cin x 16 lanes).
// A call splits each image's 4x4 output tiles into blocks of T tiles (one task each, on the
// persistent helper pool). Per block, in the thread's reused scratch: the input transform writes
// V (36 x T x Cin16), each channel-group of 16 transformed as 16 lanes; 36 GEMMs M = V . U with a
// register-tiled micro-kernel (a tile's value broadcast, vectors over Cout); then the output
// transform (16 Cout lanes) with bias, ReLU and the pool, stored to y. T is chosen so V and M
// (36 x T x Cout16) stay in L2. The vector paths are one source (ds_winograd_body.inc) compiled
// three times: portable (4-lane GCC vectors), AVX2+FMA (8 lanes), AVX-512 (16 lanes).
#include "ds_common.h"
#include "ds_pool.h"

namespace {

struct WinoJob {
    const float* x;
    int n, cin, h, w;
    const float* u;      // packed filter (ds_winograd_f4_pack)
    const float* bias;   // cout16 floats (zero padded)
    int cout, relu, pool;
    float* y;
    int yh, yw;          // output map (pooled when pool)
    int th, tw;          // tiles per image, vertically / horizontally
    int cout16;          // output channels rounded up to 16
    int T;               // tiles per block (a multiple of 16)
    int Tv;              // V's channel stride: T rounded up to the micro-kernel's rows, then to 16
    size_t ldv, ldm;     // V's and M's stride between the 36 positions (floats)
    int segs;            // blocks per tile row (each a segment of one row), or 0: blocks of T raster tiles
    int blocks;          // blocks per image
    int csplit;          // tasks per block, each over its share of the Cout blocks (small maps: few blocks)
};

// One image group of a backward-filter call (ds_winograd_bwf.cpp): V and Y hold the transformed input and
// output-gradient tiles of images n0 .. n0+ng-1 in K slots (ng * tiles rounded up to 16, zero past the last
// tile and in the padding channels; layouts in ds_winograd_bwf_body.inc); dU [36][coutP][cin16] accumulates
// over groups.
struct BwfJob {
    const float* x;
    const float* dy;
    int n, cin, cout, h, w;
    int th, tw, tiles;   // 4x4 tiles per image
    int cin16, coutP;    // channels rounded up to 16 / the micro-kernel's MR
    int n0, ng;
    size_t K;
    float* V;
    float* Y;
    float* dU;
};

// Calls that split their Cout blocks over threads (ds_winograd_f4_split_calls; tests check the split ran).
std::atomic<long long> ds_winograd_split_count{0};

// Scratch (V + M) per block, in floats: ~640 KiB, inside a 1 MiB L2 with room for the U panel.
constexpr int BLOCK_FLOATS = 160 * 1024;

}  // namespace

namespace dswg_portable {
#include "ds_vec_portable.inc"
constexpr int MR = 2, NB = 1;  // 2 tiles x 16 Cout = 8 accumulators of 16 SSE registers
constexpr bool FAST_ROWS = false;
static inline void row_phases(const float*, int, int, vf*) {}
static inline vf shift_in(vf dst, vf, int, int) { return dst; }
#include "ds_winograd_body.inc"
#include "ds_winograd_bwf_body.inc"
}  // namespace dswg_portable

#if DS_X86
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace dswg_avx2 {
#include "ds_vec_avx2.inc"
constexpr int MR = 6, NB = 1;  // 6 tiles x 16 Cout = 12 accumulators of 16 YMM registers
constexpr bool FAST_ROWS = false;
static inline void row_phases(const float*, int, int, vf*) {}
static inline vf shift_in(vf dst, vf, int, int) { return dst; }
#include "ds_winograd_body.inc"
#include "ds_winograd_bwf_body.inc"
}  // namespace dswg_avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,fma")
namespace dswg_avx512 {
#include "ds_vec_avx512.inc"
constexpr int MR = 4, NB = 4;  // 4 tiles x 64 Cout = 16 accumulators (8 x 48 with a 32-Cout tail measured slower on 128 channels)
constexpr bool FAST_ROWS = true;
// For 16 tiles side by side: dk[k][j] = row[col0 + 4j + k], k = 0..5, columns outside [0, w) read as 0.
static inline void row_phases(const float* row, int col0, int w, vf* dk) {
    __m512 q[4];
    for (int i = 0; i < 4; i++) {
        int c = col0 + 16 * i;
        int lo = std::max(0, -c), hi = std::min(16, w - c);
        __mmask16 m = hi > lo ? (__mmask16) (((1u << hi) - 1) & ~((1u << lo) - 1)) : 0;
        q[i] = _mm512_maskz_loadu_ps(m, row + c);
    }
    int c4 = col0 + 64;
    __mmask16 m4 = (__mmask16) ((c4 < w ? 1 : 0) | (c4 + 1 < w ? 2 : 0));
    __m512 tail = _mm512_maskz_loadu_ps(m4, row + c4);
    for (int k = 0; k < 4; k++) {
        const __m512i idx = _mm512_set_epi32(28 + k, 24 + k, 20 + k, 16 + k, 12 + k, 8 + k, 4 + k, k,
                                             28 + k, 24 + k, 20 + k, 16 + k, 12 + k, 8 + k, 4 + k, k);
        dk[k] = _mm512_mask_blend_ps(0xFF00, _mm512_permutex2var_ps(q[0], idx, q[1]), _mm512_permutex2var_ps(q[2], idx, q[3]));
    }
    __m512i t = _mm512_castps_si512(tail);
    dk[4] = _mm512_castsi512_ps(_mm512_alignr_epi32(t, _mm512_castps_si512(dk[0]), 1));
    dk[5] = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_alignr_epi32(t, t, 1), _mm512_castps_si512(dk[1]), 1));
}
// dst with lanes l0 .. l0+len-1 replaced by src's lanes 0 .. len-1.
static inline vf shift_in(vf dst, vf src, int l0, int len) {
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    __mmask16 m = (__mmask16) (((1u << len) - 1) << l0);
    return _mm512_mask_permutexvar_ps(dst, m, _mm512_sub_epi32(lane, _mm512_set1_epi32(l0)), src);
}
#include "ds_winograd_body.inc"
#include "ds_winograd_bwf_body.inc"
}  // namespace dswg_avx512
#pragma GCC pop_options
#endif

extern "C" int64_t ds_winograd_f4_split_calls(void) { return ds_winograd_split_count.load(); }

extern "C" int64_t ds_winograd_f4_packed_floats(int cin, int cout) {
    return (int64_t) 36 * cin * ((cout + 15) / 16 * 16);
}

extern "C" void ds_winograd_f4_pack(const float* w, int cout, int cin, float* u) {
    // U = G g G^T per (co, ci), in double (G, B^T, A^T: Lavin and Gray's F(4x4, 3x3) matrices)
    static const double G[6][3] = {{1 / 4.0, 0, 0}, {-1 / 6.0, -1 / 6.0, -1 / 6.0}, {-1 / 6.0, 1 / 6.0, -1 / 6.0},
                                   {1 / 24.0, 1 / 12.0, 1 / 6.0}, {1 / 24.0, -1 / 12.0, 1 / 6.0}, {0, 0, 1}};
    int cb16 = (cout + 15) / 16;
    std::memset(u, 0, sizeof(float) * (size_t) ds_winograd_f4_packed_floats(cin, cout));
    for (int co = 0; co < cout; co++) {
        for (int ci = 0; ci < cin; ci++) {
            const float* g = w + ((size_t) co * cin + ci) * 9;
            double t[6][3];
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 3; j++) t[i][j] = G[i][0] * g[j] + G[i][1] * g[3 + j] + G[i][2] * g[6 + j];
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 6; j++) {
                    double v = t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2];
                    int xi = i * 6 + j;
                    u[(((size_t) xi * cb16 + co / 16) * cin + ci) * 16 + co % 16] = (float) v;
                }
            }
        }
    }
}

extern "C" void ds_winograd_f4_forward(int path, int threads, const float* x, int n, int cin, int h, int w,
                                       const float* u, const float* bias, int cout, int relu, int pool, float* y) {
    if (n <= 0 || cin <= 0 || cout <= 0 || h <= 0 || w <= 0) return;
    WinoJob a;
    a.x = x; a.n = n; a.cin = cin; a.h = h; a.w = w; a.u = u;
    a.cout = cout; a.relu = relu ? 1 : 0; a.pool = pool ? 1 : 0; a.y = y;
    a.yh = pool ? h / 2 : h;
    a.yw = pool ? w / 2 : w;
    if (a.yh <= 0 || a.yw <= 0) return;
    int needH = pool ? 2 * a.yh : h, needW = pool ? 2 * a.yw : w;  // floor pooling drops an odd last row / column
    a.th = (needH + 3) / 4;
    a.tw = (needW + 3) / 4;
    a.cout16 = (cout + 15) / 16 * 16;
    std::vector<float> b16(a.cout16, 0.f);
    if (bias) std::memcpy(b16.data(), bias, sizeof(float) * cout);
    a.bias = b16.data();
    double macs = (double) n * a.th * a.tw * 36.0 * cin * cout;
    int nt = macs < 2e6 ? 1 : std::max(1, threads);
    int p = ds_effective_path(path);
#if DS_X86
    if (p >= DS_PATH_AVX512_VNNI) { dswg_avx512::run(a, nt); return; }
    if (p >= DS_PATH_AVX2) { dswg_avx2::run(a, nt); return; }
#endif
    dswg_portable::run(a, nt);
}
