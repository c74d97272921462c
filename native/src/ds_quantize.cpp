// Activation quantization for the int8 kernels: float -> int8 codes with one scale and zero point,
// vectorized, exactly the Java reference's arithmetic.
#include "ds_common.h"
#include "ds_pool.h"

namespace {

// q = clamp(rint(x * inv) + zero, -128, 127), NaN -> 0, exactly the Java reference's arithmetic
// (rint rounds half to even; vector rounding in the default MXCSR mode does the same).

void quantize_portable(const float* x, int64_t n, float inv, int zero, int8_t* q) {
    for (int64_t i = 0; i < n; i++) {
        float v = rintf(x[i] * inv) + (float) zero;
        if (v != v) v = 0.f;  // NaN: Java's (byte) cast of NaN gives 0
        v = v < -128.f ? -128.f : (v > 127.f ? 127.f : v);
        q[i] = (int8_t) v;
    }
}

#if DS_X86
__attribute__((target("avx2"))) void quantize_avx2(const float* x, int64_t n, float inv, int zero, int8_t* q) {
    const __m256 vi = _mm256_set1_ps(inv), z = _mm256_set1_ps((float) zero), lo = _mm256_set1_ps(-128.f), hi = _mm256_set1_ps(127.f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_add_ps(_mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), vi), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), z);
        v = _mm256_andnot_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), v);  // NaN -> 0
        v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
        __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(_mm256_cvtps_epi32(v)), _mm256_extracti128_si256(_mm256_cvtps_epi32(v), 1));
        _mm_storel_epi64((__m128i*) (q + i), _mm_packs_epi16(w, w));
    }
    quantize_portable(x + i, n - i, inv, zero, q + i);
}

__attribute__((target("avx512f,avx512bw"))) void quantize_avx512(const float* x, int64_t n, float inv, int zero, int8_t* q) {
    const __m512 vi = _mm512_set1_ps(inv), z = _mm512_set1_ps((float) zero), lo = _mm512_set1_ps(-128.f), hi = _mm512_set1_ps(127.f);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_add_ps(_mm512_roundscale_ps(_mm512_mul_ps(_mm512_loadu_ps(x + i), vi), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), z);
        v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), v);  // NaN -> 0
        v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
        _mm_storeu_si128((__m128i*) (q + i), _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(v)));
    }
    quantize_portable(x + i, n - i, inv, zero, q + i);
}
#endif

}  // namespace

extern "C" void ds_quantize_s8(int threads, const float* x, int64_t n, float scale, int zero, int8_t* q) {
    const float inv = 1.0f / scale;
    const int64_t block = 1 << 18;
    const int path = ds_best_path();
    int tasks = (int) ((n + block - 1) / block);
    ds_parallel(tasks, threads, [&](int t) {
        int64_t i = t * block, len = std::min(n, i + block) - i;
#if DS_X86
        if (path == DS_PATH_AVX512_VNNI) return quantize_avx512(x + i, len, inv, zero, q + i);
        if (path == DS_PATH_AVX2) return quantize_avx2(x + i, len, inv, zero, q + i);
#endif
        quantize_portable(x + i, len, inv, zero, q + i);
    });
}
