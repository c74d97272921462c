// Int8 GEMM (Linear layers, and strided convs through im2col panels) with int8 codes, int32 accumulation
// and the float epilogue of the Java reference (so results are bit-identical to it); the direct stride-1
// convolution and the pool live in ds_int8_conv.cpp.
//
// Activations are packed in panels of 16 pixels (conv) or rows (linear): for each group of 4
// reduction indices, 16 x 4 consecutive bytes, so one 32-bit lane holds 4 products of one pixel.
// Weights are packed per output channel with k rounded up to 4 (zero padded).
//
// AVX2 and int16 saturation: _mm256_maddubs_epi16 multiplies u8 by s8 and adds pairs with int16
// saturation. We keep the signed codes and feed it |x| (u8, at most 128) and w*sign(x) (s8;
// weights are symmetric in [-127, 127] so the negation is exact): each pair is at most
// 2*128*127 = 32512 < 32767, so nothing saturates and the sum equals sum x*w exactly, with no
// loss of activation range. VNNI (vpdpbusd) takes u8 x s8 without an int16 stage: activations are
// shifted to u8 (x + 128) and 128 * sum_k w is subtracted afterwards.
//
// Fused outputs (whole-model int8): the epilogue can requantize straight to the next layer's int8
// codes (its calibrated scale and zero point) instead of writing floats, and a 2x2 max-pool can
// follow on the conv's map. Quantization is monotone, so pooling the codes gives exactly the codes
// of the pooled floats: the result equals conv -> ReLU -> pool -> quantize in the Java reference.
#include "ds_common.h"
#include "ds_pool.h"

namespace {

// Where the epilogue stores: floats, or int8 codes for the next layer (q non-null).
struct Int8Out {
    float* f;
    int8_t* q;
    float inv, z;  // 1 / next scale, next zero point (q only)
};

// The Java reference's quantize: clamp(rint(v * inv) + z, -128, 127), NaN -> 0.
inline int8_t requant(float v, float inv, float z) {
    float r = rintf(v * inv) + z;
    if (r != r) r = 0.f;
    r = r < -128.f ? -128.f : (r > 127.f ? 127.f : r);
    return (int8_t) r;
}

inline void out_store(const Int8Out& o, size_t i, float v) {
    if (o.q) o.q[i] = requant(v, o.inv, o.z);
    else o.f[i] = v;
}

constexpr int NP = 16;  // pixels (rows) per panel

struct Int8Job {
    // the activation side
    const int8_t* x;
    bool conv;
    int cin, h, w, kh, kw, sh, sw, ph, pw, dh, dw, cinG, ho, wo;  // conv geometry
    int k, k4;
    int xz;
    // the weight side and the epilogue
    const int8_t* wq;
    const int32_t* wsum;
    const float* wscale;
    int nscale;
    const float* bias;
    float xs;
    int relu;
};

// Packs pixels [p0, p0+NP) of one sample/group (conv) or rows [p0, p0+NP) (linear) into a panel.
void pack_panel(const Int8Job& a, const int8_t* xg, int p0, int P, uint8_t flip, uint8_t* panel) {
    const uint8_t pad = (uint8_t) ((int8_t) a.xz) ^ flip;
    if (!a.conv) {
        for (int j = 0; j < NP; j++) {
            int p = p0 + j;
            for (int kk = 0; kk < a.k; kk++) {
                uint8_t v = p < P ? (uint8_t) xg[(size_t) p * a.k + kk] ^ flip : pad;
                panel[(kk >> 2) * (NP * 4) + j * 4 + (kk & 3)] = v;
            }
        }
        return;
    }
    int ih0[NP], iw0[NP];
    bool valid[NP];
    for (int j = 0; j < NP; j++) {
        int p = p0 + j;
        valid[j] = p < P;
        int oh = valid[j] ? p / a.wo : 0, ow = valid[j] ? p % a.wo : 0;
        ih0[j] = oh * a.sh - a.ph;
        iw0[j] = ow * a.sw - a.pw;
    }
    int kk = 0;
    for (int c = 0; c < a.cinG; c++) {
        const int8_t* plane = xg + (size_t) c * a.h * a.w;
        for (int ki = 0; ki < a.kh; ki++) {
            for (int kj = 0; kj < a.kw; kj++, kk++) {
                uint8_t* dst = panel + (kk >> 2) * (NP * 4) + (kk & 3);
                for (int j = 0; j < NP; j++) {
                    int ih = ih0[j] + ki * a.dh, iw = iw0[j] + kj * a.dw;
                    bool in = valid[j] && ih >= 0 && ih < a.h && iw >= 0 && iw < a.w;
                    dst[j * 4] = in ? (uint8_t) plane[ih * a.w + iw] ^ flip : pad;
                }
            }
        }
    }
}

// acc[r][j] = sum_k panel[k][j] * w[r][k] for r < mr, with signed codes.
void micro_portable(const uint8_t* panel, const int8_t* const* wr, int mr, int k4, int32_t acc[][NP]) {
    for (int r = 0; r < mr; r++) {
        for (int j = 0; j < NP; j++) acc[r][j] = 0;
        for (int g = 0; g < k4 / 4; g++) {
            const int8_t* pg = (const int8_t*) panel + g * NP * 4;
            const int8_t* wg = wr[r] + g * 4;
            for (int j = 0; j < NP; j++)
                acc[r][j] += pg[j * 4] * wg[0] + pg[j * 4 + 1] * wg[1] + pg[j * 4 + 2] * wg[2] + pg[j * 4 + 3] * wg[3];
        }
    }
}

#if DS_X86
// Four output channels x 16 pixels, signed panel (see the saturation note at the top).
__attribute__((target("avx2"))) void micro_avx2(const uint8_t* panel, const int8_t* const* wr, int k4, int32_t acc[][NP]) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (int g = 0; g < k4 / 4; g++) {
        const __m256i x0 = _mm256_loadu_si256((const __m256i*) (panel + g * 64));
        const __m256i x1 = _mm256_loadu_si256((const __m256i*) (panel + g * 64 + 32));
        const __m256i ax0 = _mm256_abs_epi8(x0), ax1 = _mm256_abs_epi8(x1);
#define DS_ROW(r, a0, a1)                                                                             \
    {                                                                                                 \
        int32_t w4;                                                                                   \
        std::memcpy(&w4, wr[r] + g * 4, 4);                                                           \
        const __m256i wb = _mm256_set1_epi32(w4);                                                     \
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_maddubs_epi16(ax0, _mm256_sign_epi8(wb, x0)), ones)); \
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_maddubs_epi16(ax1, _mm256_sign_epi8(wb, x1)), ones)); \
    }
        DS_ROW(0, c00, c01)
        DS_ROW(1, c10, c11)
        DS_ROW(2, c20, c21)
        DS_ROW(3, c30, c31)
#undef DS_ROW
    }
    _mm256_storeu_si256((__m256i*) acc[0], c00);
    _mm256_storeu_si256((__m256i*) (acc[0] + 8), c01);
    _mm256_storeu_si256((__m256i*) acc[1], c10);
    _mm256_storeu_si256((__m256i*) (acc[1] + 8), c11);
    _mm256_storeu_si256((__m256i*) acc[2], c20);
    _mm256_storeu_si256((__m256i*) (acc[2] + 8), c21);
    _mm256_storeu_si256((__m256i*) acc[3], c30);
    _mm256_storeu_si256((__m256i*) (acc[3] + 8), c31);
}

// Eight output channels x 16 pixels with vpdpbusd on the u8-shifted panel: acc = sum (x+128)*w.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void micro_vnni(const uint8_t* panel, const int8_t* const* wr, int k4, int32_t acc[][NP]) {
    __m512i c[8];
    for (int r = 0; r < 8; r++) c[r] = _mm512_setzero_si512();
    for (int g = 0; g < k4 / 4; g++) {
        const __m512i x = _mm512_loadu_si512((const void*) (panel + g * 64));
        for (int r = 0; r < 8; r++) {
            int32_t w4;
            std::memcpy(&w4, wr[r] + g * 4, 4);
            c[r] = _mm512_dpbusd_epi32(c[r], x, _mm512_set1_epi32(w4));
        }
    }
    for (int r = 0; r < 8; r++) _mm512_storeu_si512((void*) acc[r], c[r]);
}
#endif

// The activation zero point, weight side and epilogue of a job (the linear and conv entry points share them).
void set_weights(Int8Job& a, int xz, const int8_t* wq, const int32_t* wsum, const float* wscale, int nscale,
                 const float* bias, float xs, int relu) {
    a.xz = xz;
    a.wq = wq;
    a.wsum = wsum;
    a.wscale = wscale;
    a.nscale = nscale;
    a.bias = bias;
    a.xs = xs;
    a.relu = relu;
}

// Runs the GEMM for one activation matrix (one sample and group, or the linear input):
// pixels [0, P), output channels [co0, co1) of this group. yPix / yCo: strides of y.
void int8_block_range(int path, const Int8Job& a, const int8_t* xg, int P, int pb0, int pb1, int co0, int co1,
                      int coBase, const Int8Out& y, size_t yBase, size_t yCo, size_t yPix) {
    const int MR = path == DS_PATH_AVX512_VNNI ? 8 : 4, PANELS = 4;
    const uint8_t flip = path == DS_PATH_AVX512_VNNI ? 0x80 : 0;
    const size_t panelBytes = (size_t) a.k4 * NP;
    ds_buffer<uint8_t> buf(panelBytes * PANELS);
    alignas(64) int32_t acc[8][NP];
    for (int pb = pb0; pb < pb1; pb++) {
        int pp0 = pb * NP * PANELS, panels = std::min(PANELS, (P - pp0 + NP - 1) / NP);
        for (int q = 0; q < panels; q++) pack_panel(a, xg, pp0 + q * NP, P, flip, buf.p + q * panelBytes);
        for (int co = co0; co < co1; co += MR) {
            int mr = std::min(MR, co1 - co);
            const int8_t* wr[8];
            for (int r = 0; r < MR; r++) wr[r] = a.wq + (size_t) (coBase + co + std::min(r, mr - 1)) * a.k4;
            for (int q = 0; q < panels; q++) {
                const uint8_t* panel = buf.p + q * panelBytes;
#if DS_X86
                if (path == DS_PATH_AVX512_VNNI) micro_vnni(panel, wr, a.k4, acc);
                else if (path == DS_PATH_AVX2) micro_avx2(panel, wr, a.k4, acc);
                else micro_portable(panel, wr, mr, a.k4, acc);
#else
                micro_portable(panel, wr, mr, a.k4, acc);
#endif
                int p0 = pp0 + q * NP, np = std::min(NP, P - p0);
                for (int r = 0; r < mr; r++) {
                    int o = coBase + co + r;
                    int32_t corr = a.xz * a.wsum[o] + (flip ? 128 * a.wsum[o] : 0);
                    float ws = a.wscale[a.nscale == 1 ? 0 : o], b = a.bias ? a.bias[o] : 0.f;
                    for (int j = 0; j < np; j++) {
                        // the Java reference's order: ((float) (acc - xz*wsum) * xs) * ws, then + bias
                        float v = (float) (acc[r][j] - corr) * a.xs * ws;
                        if (a.bias) v += b;
                        if (a.relu && v < 0.f) v = 0.f;
                        out_store(y, yBase + (size_t) o * yCo + (size_t) (p0 + j) * yPix, v);
                    }
                }
            }
        }
    }
}

// Splits (activation matrices x pixel blocks x channel ranges) over the threads.
template <class XOf>
void int8_run(int path, int threads, const Int8Job& a, const Int8Out& out, int mats, int P, int coutG, XOf matrix) {
    const int blocks = (P + NP * 4 - 1) / (NP * 4);
    const int coSplit = (long) mats * blocks >= 2L * threads ? 1 : std::max(1, std::min(threads, coutG / 8));
    const int pChunks = std::min(blocks, std::max(1, threads * 4 / std::max(1, mats)));
    ds_parallel(mats * pChunks * coSplit, threads, [&](int t) {
        int cs = t % coSplit, rest = t / coSplit, pc = rest % pChunks, m = rest / pChunks;
        int pb0 = (int) ((long) blocks * pc / pChunks), pb1 = (int) ((long) blocks * (pc + 1) / pChunks);
        int co0 = (int) ((long) coutG * cs / coSplit), co1 = (int) ((long) coutG * (cs + 1) / coSplit);
        const int8_t* xg;
        int coBase;
        size_t yBase, yCo, yPix;
        matrix(m, xg, coBase, yBase, yCo, yPix);
        int8_block_range(path, a, xg, P, pb0, pb1, co0, co1, coBase, out, yBase, yCo, yPix);
    });
}
}  // namespace


extern "C" int ds_int8_packed_k(int k) { return (k + 3) / 4 * 4; }

extern "C" void ds_int8_linear_forward(int path, int threads, const int8_t* xq, int m, int k, float xs, int xz,
                                       const int8_t* wq, const int32_t* wsum, const float* wscale, int nscale,
                                       const float* bias, int nout, int relu, float* y) {
    path = ds_effective_path(path);
    Int8Job a{};
    a.x = xq;
    a.conv = false;
    a.k = k;
    a.k4 = ds_int8_packed_k(k);
    set_weights(a, xz, wq, wsum, wscale, nscale, bias, xs, relu);
    const Int8Out out{y, nullptr, 0.f, 0.f};
    int8_run(path, (long) m * nout * k > 65536 ? threads : 1, a, out, 1, m, nout,
             [&](int, const int8_t*& xg, int& coBase, size_t& yBase, size_t& yCo, size_t& yPix) {
                 xg = xq;
                 coBase = 0;
                 yBase = 0;
                 yCo = 1;
                 yPix = (size_t) nout;
             });
}
