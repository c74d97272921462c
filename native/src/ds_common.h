// Shared by the kernel sources (compiled as one translation unit with the JNI glue).
#ifndef DS_COMMON_H
#define DS_COMMON_H

#include "deepslim_native.h"
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#define DS_X86 1
#else
#define DS_X86 0
#endif

// A zeroed, 64-byte aligned scratch buffer freed with its owner.
template <class T>
struct ds_buffer {
    T* p;
    explicit ds_buffer(size_t count) {
        size_t bytes = ((count * sizeof(T)) + 63) / 64 * 64 + 64;
        p = static_cast<T*>(std::aligned_alloc(64, bytes));
        std::memset(p, 0, bytes);
    }
    ~ds_buffer() { std::free(p); }
    ds_buffer(const ds_buffer&) = delete;
    ds_buffer& operator=(const ds_buffer&) = delete;
};

// A grow-only, 64-byte aligned scratch buffer per calling thread and Tag (callers that need two buffers at once
// use two tags): no allocation per call once warm.
template <int Tag>
static uint8_t* ds_thread_scratch(size_t bytes) {
    thread_local std::vector<uint8_t> buf;
    if (buf.size() < bytes + 64) buf.resize(bytes + 64);
    uintptr_t p = (uintptr_t) buf.data();
    return (uint8_t*) ((p + 63) & ~(uintptr_t) 63);
}

// im2col for small maps: rows [r0, r1) of col (row r = (c*kh + ki)*kw + kj, ld floats apart) get that tap's input at
// every output position of samples s0 .. s0+m-1 side by side (sample s at column s*ho*wo), zero where the tap falls
// in the padding, and zero from column m*ho*wo up to ld.
static void ds_unfold_rows(const float* x, int s0, int m, int cin, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                           int dh, int dw, int ho, int wo, float* col, size_t ld, int r0, int r1) {
    const size_t P = (size_t) ho * wo;
    for (int r = r0; r < r1; r++) {
        const int kj = r % kw, ki = (r / kw) % kh, c = r / (kw * kh);
        for (int s = 0; s < m; s++) {
            const float* xc = x + ((size_t) (s0 + s) * cin + c) * h * w;
            float* dst = col + (size_t) r * ld + (size_t) s * P;
            for (int oh = 0; oh < ho; oh++) {
                const int ih = oh * sh - ph + ki * dh;
                float* d = dst + (size_t) oh * wo;
                if (ih < 0 || ih >= h) {
                    std::memset(d, 0, sizeof(float) * wo);
                    continue;
                }
                const float* xr = xc + (size_t) ih * w;
                for (int ow = 0; ow < wo; ow++) {
                    const int iw = ow * sw - pw + kj * dw;
                    d[ow] = iw >= 0 && iw < w ? xr[iw] : 0.f;
                }
            }
        }
        std::memset(col + (size_t) r * ld + (size_t) m * P, 0, sizeof(float) * (ld - (size_t) m * P));
    }
}

// Narrows a requested path to one this CPU supports.
static int ds_effective_path(int path) {
    int best = ds_best_path();
    return path < 0 || path > best ? best : path;
}

// 2x2 stride-2 max-pool of one float plane (h, w) into (h/2, w/2): the Java reference's order
// (first maximum wins, NaN propagates), so equal bit for bit.
static void ds_max_pool2_f32(const float* x, int h, int w, float* y) {
    const int ho = h / 2, wo = w / 2;
    for (int i = 0; i < ho; i++) {
        const float* r0 = x + (size_t) 2 * i * w;
        const float* r1 = r0 + w;
        for (int j = 0; j < wo; j++) {
            float b = r0[2 * j];
            const float c[3] = {r0[2 * j + 1], r1[2 * j], r1[2 * j + 1]};
            for (float v : c)
                if (v > b || (v != v && b == b)) b = v;
            y[(size_t) i * wo + j] = b;
        }
    }
}

// ds_max_pool2_f32 over int8 codes (signed max), 16 outputs per SSE2 step.
static void ds_max_pool2_s8(const int8_t* x, int h, int w, int8_t* y) {
    const int ho = h / 2, wo = w / 2;
    for (int i = 0; i < ho; i++) {
        const int8_t* r0 = x + (size_t) 2 * i * w;
        const int8_t* r1 = r0 + w;
        int8_t* yr = y + (size_t) i * wo;
        int j = 0;
#if DS_X86
        // each 16-bit lane holds one horizontal pair: sign-extend both bytes, max them as int16
        for (; j + 16 <= wo; j += 16) {
            __m128i m[2];
            for (int half = 0; half < 2; half++) {
                const __m128i a = _mm_loadu_si128((const __m128i*) (r0 + 2 * j + 16 * half));
                const __m128i b = _mm_loadu_si128((const __m128i*) (r1 + 2 * j + 16 * half));
                const __m128i alo = _mm_srai_epi16(_mm_slli_epi16(a, 8), 8), ahi = _mm_srai_epi16(a, 8);
                const __m128i blo = _mm_srai_epi16(_mm_slli_epi16(b, 8), 8), bhi = _mm_srai_epi16(b, 8);
                m[half] = _mm_max_epi16(_mm_max_epi16(alo, ahi), _mm_max_epi16(blo, bhi));
            }
            _mm_storeu_si128((__m128i*) (yr + j), _mm_packs_epi16(m[0], m[1]));
        }
#endif
        for (; j < wo; j++) {
            int8_t b = std::max(std::max(r0[2 * j], r0[2 * j + 1]), std::max(r1[2 * j], r1[2 * j + 1]));
            yr[j] = b;
        }
    }
}

#endif
