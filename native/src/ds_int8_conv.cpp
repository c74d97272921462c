// Int8 convolution (continues ds_int8.cpp in the same translation unit: the Int8Job, Int8Out,
// epilogue and GEMM helpers come from there): the direct stride-1 kernel, the fused 2x2 max-pool,
// weight packing and ds_int8_conv2d_forward (strided convs run ds_int8.cpp's im2col GEMM).
#include "ds_common.h"
#include "ds_pool.h"

namespace {

// ------------------------------------------------------------------ direct stride-1 convolution
// No im2col: the quantized input of one sample and group is relaid out once, padded, as
// xr[row][c4][col][4] (4 consecutive channels of one pixel per 32-bit lane; rows and columns carry
// the spatial padding as the code xz, columns are rounded up to whole 16-pixel vectors). For a
// stride-1 conv, 16 consecutive output pixels of one row at tap (ki, kj) and channel quad c4 are
// then 64 contiguous bytes, loaded straight into the micro-kernel. Weights are packed once per
// layer in blocks of DMR output channels: [tap][c4][DMR][4] bytes, zero for channels past cin/g
// and rows past cout/g. The reduction order differs from the reference but int32 sums are exact.

// DS_INT8_FLAT=off keeps every map on the row layout (to measure the flat one against it).
bool int8_flat_enabled() {
    static const bool on = !(std::getenv("DS_INT8_FLAT") && std::strcmp(std::getenv("DS_INT8_FLAT"), "off") == 0);
    return on;
}

constexpr int DMR = 8;   // output channels per packed weight block
constexpr int DCHUNK = 8;  // tiles per chunk: the unit of threading and of weight-block reuse

struct DirectGeom {
    int C4, taps, G4, wv, Hp, Wp, CB;
    size_t rs, matBytes;  // bytes per (row, c4) line; bytes per relaid sample-group
};

DirectGeom direct_geom(int cinG, int kh, int kw, int dh, int dw, int ho, int wo, int coutG) {
    DirectGeom g{};
    g.C4 = (cinG + 3) / 4;
    g.taps = kh * kw;
    g.G4 = g.taps * g.C4;
    g.wv = (wo + 15) / 16;
    g.Hp = ho + (kh - 1) * dh;
    g.Wp = (g.wv * 16 + (kw - 1) * dw + 15) / 16 * 16;  // lines start 64-byte aligned
    g.CB = (coutG + DMR - 1) / DMR;
    g.rs = (size_t) g.Wp * 4;
    g.matBytes = (size_t) g.Hp * g.C4 * g.rs;
    return g;
}

// Small maps: rounding every output row up to whole 16-pixel vectors wastes lanes (an 8-wide map
// fills half of each vector, a 4-wide one a quarter). The flat layout instead lays the map out per
// tap: xf[tap][c4][p][4] holds, for output pixel p = oh * wo + ow, the 4 codes the tap reads
// (copied from the row layout), so 16 consecutive pixels of the flattened map are one contiguous
// 64-byte vector at every tap and the same micro-kernels run with tapOff = tap * C4 * rs. Used where
// it fills clearly more lanes and the 9 shifted copies stay small (cache-resident).
constexpr size_t FLAT_MAX_BYTES = 512 * 1024;  // per sample-group

size_t flat_bytes(const DirectGeom& g, int ho, int wo) {
    return (size_t) g.taps * g.C4 * (((size_t) ho * wo + 15) / 16 * 16) * 4;
}

bool flat_wanted(const DirectGeom& g, int ho, int wo) {
    const double P = (double) ho * wo, rowFill = wo / (16.0 * g.wv), flatFill = P / (std::ceil(P / 16) * 16);
    return flatFill >= rowFill + 0.1 && flat_bytes(g, ho, wo) <= FLAT_MAX_BYTES;
}

// Builds one sample-group's flat layout from its row layout xr (see flat_wanted).
void flat_from_rows(const uint8_t* xr, const DirectGeom& g, int kw, int dh, int dw, int ho, int wo, uint8_t* xf) {
    const size_t P = (size_t) ho * wo, P16 = (P + 15) / 16 * 16;
    for (int tp = 0; tp < g.taps; tp++) {
        const int ki = tp / kw, kj = tp % kw;
        for (int c4 = 0; c4 < g.C4; c4++) {
            uint8_t* dst = xf + ((size_t) tp * g.C4 + c4) * P16 * 4;
            for (int oh = 0; oh < ho; oh++)
                std::memcpy(dst + (size_t) oh * wo * 4, xr + ((size_t) (oh + ki * dh) * g.C4 + c4) * g.rs + (size_t) kj * dw * 4, (size_t) wo * 4);
            std::memset(dst + P * 4, 0, (P16 - P) * 4);  // lanes past the map: computed, never stored
        }
    }
}

// Vectors per micro-kernel call (1..3 on VNNI): the fewest padding vectors for V vectors, ties to more.
int pick_nb(int V) {
    int best = 3, waste = (3 - V % 3) % 3;
    for (int nb = 2; nb >= 1; nb--) {
        int w = (nb - V % nb) % nb;
        if (w < waste) best = nb, waste = w;
    }
    return best;
}

// Relays out padded row `row` of one sample-group (all channel quads), codes XOR flip.
void relayout_row(const int8_t* xg, int cinG, int h, int w, int ph, int pw, const DirectGeom& g, int row,
                  uint8_t pad, uint8_t flip, uint8_t* xr) {
    const int ih = row - ph;
    for (int c4 = 0; c4 < g.C4; c4++) {
        uint8_t* dst = xr + ((size_t) row * g.C4 + c4) * g.rs;
        const int8_t* src[4];
        bool live[4];
        for (int cc = 0; cc < 4; cc++) {
            int c = c4 * 4 + cc;
            live[cc] = c < cinG && ih >= 0 && ih < h;
            src[cc] = live[cc] ? xg + ((size_t) c * h + ih) * w : nullptr;
        }
        int col = 0;
        for (; col < std::min(pw, g.Wp); col++) std::memset(dst + col * 4, pad, 4);
        int end = std::min(g.Wp, pw + w);  // columns [pw, end) hold pixels 0 .. end-pw-1
#if DS_X86
        if (live[0] && live[1] && live[2] && live[3]) {
            const __m128i fl = _mm_set1_epi8((char) flip);
            for (; col + 16 <= end; col += 16) {
                int iw = col - pw;
                __m128i a = _mm_xor_si128(_mm_loadu_si128((const __m128i*) (src[0] + iw)), fl);
                __m128i b = _mm_xor_si128(_mm_loadu_si128((const __m128i*) (src[1] + iw)), fl);
                __m128i c = _mm_xor_si128(_mm_loadu_si128((const __m128i*) (src[2] + iw)), fl);
                __m128i d = _mm_xor_si128(_mm_loadu_si128((const __m128i*) (src[3] + iw)), fl);
                __m128i ab0 = _mm_unpacklo_epi8(a, b), ab1 = _mm_unpackhi_epi8(a, b);
                __m128i cd0 = _mm_unpacklo_epi8(c, d), cd1 = _mm_unpackhi_epi8(c, d);
                _mm_storeu_si128((__m128i*) (dst + col * 4), _mm_unpacklo_epi16(ab0, cd0));
                _mm_storeu_si128((__m128i*) (dst + col * 4 + 16), _mm_unpackhi_epi16(ab0, cd0));
                _mm_storeu_si128((__m128i*) (dst + col * 4 + 32), _mm_unpacklo_epi16(ab1, cd1));
                _mm_storeu_si128((__m128i*) (dst + col * 4 + 48), _mm_unpackhi_epi16(ab1, cd1));
            }
        }
#endif
        for (; col < end; col++) {
            int iw = col - pw;
            for (int cc = 0; cc < 4; cc++) dst[col * 4 + cc] = live[cc] ? (uint8_t) src[cc][iw] ^ flip : pad;
        }
        for (; col < g.Wp; col++) std::memset(dst + col * 4, pad, 4);
    }
}

// The per-row float epilogue of one weight block, in the reference's order.
struct DirectEpi {
    int32_t corr[DMR];
    float ws[DMR], b[DMR];
    int mr;
    float xs;
    bool bias, relu;
    size_t P;  // output channel stride
    Int8Out out;
};

inline float epi_one(const DirectEpi& e, int r, int32_t acc) {
    float v = (float) (acc - e.corr[r]) * e.xs * e.ws[r];
    if (e.bias) v += e.b[r];
    if (e.relu && v < 0.f) v = 0.f;
    return v;
}

// One tile: DMR channels x NB vectors of 16 pixels; xb[v] = the vector's relaid base, yb[v] the
// index of its output (channel 0 of the block) in e.out, np[v] how many of its 16 pixels are real
// (0: a padding copy).
struct DirectTile {
    const uint8_t* const* xb;
    const size_t* yb;
    const int* np;
};

void tile_portable(const DirectTile& t, const int8_t* wblk, const int* tapOff, const DirectGeom& g, const DirectEpi& e) {
    int32_t acc[DMR][16];
    for (int r = 0; r < DMR; r++)
        for (int j = 0; j < 16; j++) acc[r][j] = 0;
    const int8_t* wp = wblk;
    for (int tp = 0; tp < g.taps; tp++) {
        for (int c4 = 0; c4 < g.C4; c4++, wp += DMR * 4) {
            const int8_t* x = (const int8_t*) t.xb[0] + tapOff[tp] + c4 * g.rs;
            for (int r = 0; r < DMR; r++)
                for (int j = 0; j < 16; j++)
                    acc[r][j] += x[j * 4] * wp[r * 4] + x[j * 4 + 1] * wp[r * 4 + 1] + x[j * 4 + 2] * wp[r * 4 + 2] + x[j * 4 + 3] * wp[r * 4 + 3];
        }
    }
    for (int r = 0; r < e.mr; r++)
        for (int j = 0; j < t.np[0]; j++) out_store(e.out, t.yb[0] + r * e.P + j, epi_one(e, r, acc[r][j]));
}

#if DS_X86
// AVX2: the block as two halves of 8 pixels x all DMR channels (one ymm accumulator per channel:
// 8 accumulators + the activations, |x|, the weight and a product stay in registers, no spills),
// signed codes with the |x|, w*sign(x) maddubs trick (see the top of the file).
__attribute__((target("avx2"))) void tile_avx2(const DirectTile& t, const int8_t* wblk, const int* tapOff, const DirectGeom& g,
                                               const DirectEpi& e) {
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256 xs = _mm256_set1_ps(e.xs), zero = _mm256_setzero_ps();
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int h8 = 0; h8 < 2; h8++) {
        const int n = std::min(8, t.np[0] - h8 * 8);
        if (n <= 0) break;
        __m256i c[DMR];
        for (int r = 0; r < DMR; r++) c[r] = _mm256_setzero_si256();
        const int8_t* wp = wblk;
        for (int tp = 0; tp < g.taps; tp++) {
            const uint8_t* xt = t.xb[0] + tapOff[tp] + h8 * 32;
            for (int c4 = 0; c4 < g.C4; c4++, wp += DMR * 4, xt += g.rs) {
                const __m256i x = _mm256_loadu_si256((const __m256i*) xt);
                const __m256i ax = _mm256_abs_epi8(x);
                for (int r = 0; r < DMR; r++) {
                    int32_t w4;
                    std::memcpy(&w4, wp + r * 4, 4);
                    const __m256i sw = _mm256_sign_epi8(_mm256_set1_epi32(w4), x);
                    c[r] = _mm256_add_epi32(c[r], _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sw), ones));
                }
            }
        }
        for (int r = 0; r < e.mr; r++) {
            __m256 v = _mm256_cvtepi32_ps(_mm256_sub_epi32(c[r], _mm256_set1_epi32(e.corr[r])));
            v = _mm256_mul_ps(_mm256_mul_ps(v, xs), _mm256_set1_ps(e.ws[r]));
            if (e.bias) v = _mm256_add_ps(v, _mm256_set1_ps(e.b[r]));
            if (e.relu) v = _mm256_blendv_ps(v, zero, _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
            const size_t at = t.yb[0] + r * e.P + h8 * 8;
            if (e.out.q) {
                // as quantize_avx2 (ds_quantize.cpp): the reference's rounding, NaN -> 0, clamp
                __m256 u = _mm256_add_ps(_mm256_round_ps(_mm256_mul_ps(v, _mm256_set1_ps(e.out.inv)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
                                         _mm256_set1_ps(e.out.z));
                u = _mm256_andnot_ps(_mm256_cmp_ps(u, u, _CMP_UNORD_Q), u);
                u = _mm256_min_ps(_mm256_max_ps(u, _mm256_set1_ps(-128.f)), _mm256_set1_ps(127.f));
                const __m256i w = _mm256_cvtps_epi32(u);
                const __m128i h = _mm_packs_epi32(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
                alignas(16) int8_t b[16];
                _mm_store_si128((__m128i*) b, _mm_packs_epi16(h, h));
                std::memcpy(e.out.q + at, b, (size_t) n);
            } else {
                _mm256_maskstore_ps(e.out.f + at, _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane), v);
            }
        }
    }
}

// AVX-512 VNNI: DMR channels x NB vectors of 16 pixels in zmm accumulators, vpdpbusd on the
// u8-shifted codes (x + 128; corr carries 128 * sum w).
template <int NB>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void tile_vnni(const DirectTile& t, const int8_t* wblk, const int* tapOff,
                                                                     const DirectGeom& g, const DirectEpi& e) {
    __m512i c[DMR][NB];
    for (int r = 0; r < DMR; r++)
        for (int v = 0; v < NB; v++) c[r][v] = _mm512_setzero_si512();
    const int8_t* wp = wblk;
    for (int tp = 0; tp < g.taps; tp++) {
        const uint8_t* xt[NB];
        for (int v = 0; v < NB; v++) xt[v] = t.xb[v] + tapOff[tp];
        for (int c4 = 0; c4 < g.C4; c4++, wp += DMR * 4) {
            __m512i x[NB];
            for (int v = 0; v < NB; v++) x[v] = _mm512_loadu_si512((const void*) (xt[v] + c4 * g.rs));
            for (int r = 0; r < DMR; r++) {
                int32_t w4;
                std::memcpy(&w4, wp + r * 4, 4);
                const __m512i wb = _mm512_set1_epi32(w4);
                for (int v = 0; v < NB; v++) c[r][v] = _mm512_dpbusd_epi32(c[r][v], x[v], wb);
            }
        }
    }
    const __m512 xs = _mm512_set1_ps(e.xs), zero = _mm512_setzero_ps();
    for (int r = 0; r < DMR; r++) {
        if (r >= e.mr) break;
        const __m512i corr = _mm512_set1_epi32(e.corr[r]);
        const __m512 ws = _mm512_set1_ps(e.ws[r]), b = _mm512_set1_ps(e.b[r]);
        for (int v = 0; v < NB; v++) {
            if (t.np[v] <= 0) continue;
            __m512 f = _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(c[r][v], corr)), xs), ws);
            if (e.bias) f = _mm512_add_ps(f, b);
            if (e.relu) f = _mm512_mask_mov_ps(f, _mm512_cmp_ps_mask(f, zero, _CMP_LT_OQ), zero);
            const size_t at = t.yb[v] + r * e.P;
            if (e.out.q) {
                // as quantize_avx512 (ds_quantize.cpp)
                __m512 u = _mm512_add_ps(_mm512_roundscale_ps(_mm512_mul_ps(f, _mm512_set1_ps(e.out.inv)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
                                         _mm512_set1_ps(e.out.z));
                u = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(u, u, _CMP_ORD_Q), u);
                u = _mm512_min_ps(_mm512_max_ps(u, _mm512_set1_ps(-128.f)), _mm512_set1_ps(127.f));
                const __m128i b = _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(u));
                if (t.np[v] == 16) {
                    _mm_storeu_si128((__m128i*) (e.out.q + at), b);
                } else {
                    alignas(16) int8_t tmp[16];
                    _mm_store_si128((__m128i*) tmp, b);
                    std::memcpy(e.out.q + at, tmp, (size_t) t.np[v]);
                }
            } else {
                _mm512_mask_storeu_ps(e.out.f + at, (__mmask16) ((1u << t.np[v]) - 1), f);
            }
        }
    }
}
#endif

void direct_conv(int path, int threads, const Int8Job& a, int n, int groups, int cout, const int8_t* wdirect, const Int8Out& y) {
    const int coutG = cout / groups, P = a.ho * a.wo, mats = n * groups;
    const DirectGeom g = direct_geom(a.cinG, a.kh, a.kw, a.dh, a.dw, a.ho, a.wo, coutG);
    const uint8_t flip = path == DS_PATH_AVX512_VNNI ? 0x80 : 0;
    const uint8_t pad = (uint8_t) ((int8_t) a.xz) ^ flip;
    const bool flat = int8_flat_enabled() && flat_wanted(g, a.ho, a.wo);
    const size_t fBytes = flat ? flat_bytes(g, a.ho, a.wo) : 0, P16 = ((size_t) P + 15) / 16 * 16;
    const size_t tapBytes = ((size_t) g.taps * sizeof(int) + 63) / 64 * 64;
    uint8_t* scratch = ds_thread_scratch<1>(tapBytes + (size_t) mats * (g.matBytes + fBytes));
    int* tapOff = (int*) scratch;
    uint8_t* xr = scratch + tapBytes;
    uint8_t* xf = xr + (size_t) mats * g.matBytes;
    for (int ki = 0; ki < a.kh; ki++)
        for (int kj = 0; kj < a.kw; kj++) {
            const int tp = ki * a.kw + kj;
            tapOff[tp] = flat ? (int) ((size_t) tp * g.C4 * P16 * 4) : (int) ((size_t) ki * a.dh * g.C4 * g.rs + (size_t) kj * a.dw * 4);
        }
    const int rowTasks = flat ? 1 : std::max(1, g.Hp / 8);
    ds_parallel(mats * rowTasks, (size_t) mats * g.matBytes > 65536 ? threads : 1, [&](int t) {
        int m = t / rowTasks, part = t % rowTasks;
        int s = m / groups, gi = m % groups;
        const int8_t* xg = a.x + ((size_t) s * a.cin + (size_t) gi * a.cinG) * a.h * a.w;
        for (int row = g.Hp * part / rowTasks; row < g.Hp * (part + 1) / rowTasks; row++)
            relayout_row(xg, a.cinG, a.h, a.w, a.ph, a.pw, g, row, pad, flip, xr + (size_t) m * g.matBytes);
        if (flat) flat_from_rows(xr + (size_t) m * g.matBytes, g, a.kw, a.dh, a.dw, a.ho, a.wo, xf + (size_t) m * fBytes);
    });
    // the micro-kernels read line c4 of a tap at c4 * rs: the flat layout's lines are P16 pixels
    DirectGeom gk = g;
    if (flat) gk.rs = P16 * 4;
    const int V = flat ? (int) (P16 / 16) : a.ho * g.wv;
    const int NB = path == DS_PATH_AVX512_VNNI ? pick_nb(V) : 1;
    const int tiles = (V + NB - 1) / NB, chunks = (tiles + DCHUNK - 1) / DCHUNK;
    const int coSplit = mats * chunks >= 2 * threads ? 1 : std::max(1, std::min(threads, g.CB));
    ds_parallel(mats * chunks * coSplit, (long) P * coutG * g.G4 > 65536 ? threads : 1, [&](int task) {
        int cs = task % coSplit, rest = task / coSplit, ch = rest % chunks, m = rest / chunks;
        int s = m / groups, gi = m % groups;
        const uint8_t* xm = flat ? xf + (size_t) m * fBytes : xr + (size_t) m * g.matBytes;
        const size_t ym = ((size_t) s * cout + (size_t) gi * coutG) * P;
        int cb0 = (int) ((long) g.CB * cs / coSplit), cb1 = (int) ((long) g.CB * (cs + 1) / coSplit);
        for (int cb = cb0; cb < cb1; cb++) {
            const int8_t* wblk = wdirect + ((size_t) gi * g.CB + cb) * g.G4 * DMR * 4;
            DirectEpi e{};
            e.mr = std::min(DMR, coutG - cb * DMR);
            e.xs = a.xs;
            e.bias = a.bias != nullptr;
            e.relu = a.relu != 0;
            e.P = (size_t) P;
            e.out = y;
            for (int r = 0; r < e.mr; r++) {
                int o = gi * coutG + cb * DMR + r;
                e.corr[r] = a.xz * a.wsum[o] + (flip ? 128 * a.wsum[o] : 0);
                e.ws[r] = a.wscale[a.nscale == 1 ? 0 : o];
                e.b[r] = a.bias ? a.bias[o] : 0.f;
            }
            for (int tl = ch * DCHUNK; tl < std::min(tiles, (ch + 1) * DCHUNK); tl++) {
                const uint8_t* xb[3];
                size_t yb[3];
                int np[3];
                for (int v = 0; v < NB; v++) {
                    int vi = tl * NB + v, real = vi < V;
                    if (!real) vi = V - 1;
                    if (flat) {  // 16 pixels of the flattened map
                        xb[v] = xm + (size_t) vi * 64;
                        yb[v] = ym + (size_t) cb * DMR * P + (size_t) vi * 16;
                        np[v] = real ? std::min(16, P - vi * 16) : 0;
                    } else {  // 16 pixels of one output row
                        int oh = vi / g.wv, ow0 = (vi % g.wv) * 16;
                        xb[v] = xm + (size_t) oh * g.C4 * g.rs + (size_t) ow0 * 4;
                        yb[v] = ym + (size_t) cb * DMR * P + (size_t) oh * a.wo + ow0;
                        np[v] = real ? std::min(16, a.wo - ow0) : 0;
                    }
                }
                DirectTile t{xb, yb, np};
#if DS_X86
                if (path == DS_PATH_AVX512_VNNI) {
                    if (NB == 3) tile_vnni<3>(t, wblk, tapOff, gk, e);
                    else if (NB == 2) tile_vnni<2>(t, wblk, tapOff, gk, e);
                    else tile_vnni<1>(t, wblk, tapOff, gk, e);
                } else if (path == DS_PATH_AVX2) {
                    tile_avx2(t, wblk, tapOff, gk, e);
                } else {
                    tile_portable(t, wblk, tapOff, gk, e);
                }
#else
                tile_portable(t, wblk, tapOff, gk, e);
#endif
            }
        }
    });
}

}  // namespace

extern "C" int ds_int8_conv_flat_layout(int cinG, int kh, int kw, int dh, int dw, int ho, int wo) {
    return int8_flat_enabled() && flat_wanted(direct_geom(cinG, kh, kw, dh, dw, ho, wo, 1), ho, wo) ? 1 : 0;
}

static int64_t conv_rows_bytes(int cout, int k) { return ((int64_t) cout * ds_int8_packed_k(k) + 63) / 64 * 64; }

extern "C" int64_t ds_int8_conv2d_packed_bytes(int cout, int cinG, int kh, int kw, int groups) {
    const int coutG = cout / groups, C4 = (cinG + 3) / 4, CB = (coutG + DMR - 1) / DMR;
    return conv_rows_bytes(cout, cinG * kh * kw) + (int64_t) groups * CB * kh * kw * C4 * DMR * 4;
}

extern "C" void ds_int8_conv2d_pack(const int8_t* w, int cout, int cinG, int kh, int kw, int groups, int8_t* out, int32_t* wsum) {
    const int k = cinG * kh * kw, k4 = ds_int8_packed_k(k), coutG = cout / groups, C4 = (cinG + 3) / 4;
    const int CB = (coutG + DMR - 1) / DMR;
    std::memset(out, 0, (size_t) ds_int8_conv2d_packed_bytes(cout, cinG, kh, kw, groups));
    for (int o = 0; o < cout; o++) {
        std::memcpy(out + (size_t) o * k4, w + (size_t) o * k, (size_t) k);
        int32_t sum = 0;
        for (int i = 0; i < k; i++) sum += w[(size_t) o * k + i];
        wsum[o] = sum;
    }
    // direct blocks: [group][co block][tap][c4][DMR][4]
    int8_t* d = out + conv_rows_bytes(cout, k);
    for (int gi = 0; gi < groups; gi++)
        for (int cb = 0; cb < CB; cb++)
            for (int t = 0; t < kh * kw; t++)
                for (int c4 = 0; c4 < C4; c4++)
                    for (int r = 0; r < DMR; r++)
                        for (int cc = 0; cc < 4; cc++, d++) {
                            int oc = cb * DMR + r, c = c4 * 4 + cc;
                            if (oc < coutG && c < cinG) *d = w[((size_t) (gi * coutG + oc) * cinG + c) * kh * kw + t];
                        }
}

extern "C" void ds_int8_conv2d_forward(int path, int threads, const int8_t* xq, int n, int cin, int h, int w,
                                       float xs, int xz, const int8_t* wq, const int32_t* wsum, const float* wscale,
                                       int nscale, const float* bias, int cout, int kh, int kw, int sh, int sw,
                                       int ph, int pw, int dh, int dw, int groups, int relu, int pool, float out_scale,
                                       int out_zero, void* y, int ho, int wo) {
    path = ds_effective_path(path);
    Int8Job a{};
    a.x = xq;
    a.conv = true;
    a.cin = cin;
    a.h = h;
    a.w = w;
    a.kh = kh;
    a.kw = kw;
    a.sh = sh;
    a.sw = sw;
    a.ph = ph;
    a.pw = pw;
    a.dh = dh;
    a.dw = dw;
    a.cinG = cin / groups;
    a.ho = ho;
    a.wo = wo;
    a.k = a.cinG * kh * kw;
    a.k4 = ds_int8_packed_k(a.k);
    set_weights(a, xz, wq, wsum, wscale, nscale, bias, xs, relu);
    const bool q8 = out_scale > 0.f;
    const size_t full = (size_t) n * cout * ho * wo;
    // with a pool, the conv's map goes to scratch first (codes: a quarter of the floats' bytes)
    void* map = pool ? (void*) ds_thread_scratch<2>(full * (q8 ? 1 : sizeof(float))) : y;
    const Int8Out out{q8 ? nullptr : (float*) map, q8 ? (int8_t*) map : nullptr, q8 ? 1.0f / out_scale : 0.f, (float) out_zero};
    if (sh == 1 && sw == 1) {
        direct_conv(path, threads, a, n, groups, cout, wq + conv_rows_bytes(cout, a.k), out);
    } else {
        const int coutG = cout / groups, P = ho * wo;
        int8_run(path, threads, a, out, n * groups, P, coutG,
                 [&](int mat, const int8_t*& xg, int& coBase, size_t& yBase, size_t& yCo, size_t& yPix) {
                     int s = mat / groups, g = mat % groups;
                     xg = xq + ((size_t) s * cin + (size_t) g * a.cinG) * h * w;
                     coBase = g * coutG;
                     yBase = (size_t) s * cout * P;
                     yCo = (size_t) P;
                     yPix = 1;
                 });
    }
    if (!pool) return;
    const int planes = n * cout;
    ds_parallel(planes, full > 65536 ? threads : 1, [&](int pl) {
        if (q8) ds_max_pool2_s8((const int8_t*) map + (size_t) pl * ho * wo, ho, wo, (int8_t*) y + (size_t) pl * (ho / 2) * (wo / 2));
        else ds_max_pool2_f32((const float*) map + (size_t) pl * ho * wo, ho, wo, (float*) y + (size_t) pl * (ho / 2) * (wo / 2));
    });
}
