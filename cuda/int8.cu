// Int8 linear algebra with int32 accumulation (dp4a) and a fused float epilogue:
//   y[m, n] = xScale · wScale[n or 0] · (Σ_k xq[m,k]·wq[n,k] − xZero · Σ_k wq[n,k]) + bias[n]  (+ReLU)
// xq (M, K) int8, wq (N, K) int8 symmetric (zero point 0), wScale length 1 or N, bias (N) or null.
// Output layout: row-major (M, N), or NCHW when plane > 0 (m = image·plane + pixel, the conv case:
// y[(img·N + n)·plane + pixel]) so int8 conv writes its output in place.
// Launch (ds_int8_gemm_dp4a): block (16, 16), grid (ceil(N/16), ceil(M/16)); K is walked in tiles of 64
// bytes staged in shared memory as packed 32-bit words (4 codes each), tails padded with zeros.
// ds_im2col_i8: one image x (Cin, H, W) int8 → rows (Ho·Wo, Cin·kh·kw), padding holds xZero.
#include "ds_cuda.h"

#define DS_TILE 16
#define DS_KT 64

__device__ __forceinline__ int ds_pack4(const signed char* p, int k, int kmax) {
    unsigned int b0 = k < kmax ? (unsigned char)p[k] : 0, b1 = k + 1 < kmax ? (unsigned char)p[k + 1] : 0;
    unsigned int b2 = k + 2 < kmax ? (unsigned char)p[k + 2] : 0, b3 = k + 3 < kmax ? (unsigned char)p[k + 3] : 0;
    return (int)(b0 | (b1 << 8) | (b2 << 16) | (b3 << 24));
}

extern "C" __global__ void ds_int8_gemm_dp4a(const signed char* xq, float x_scale, int x_zero, const signed char* wq,
                                             const float* w_scale, int per_channel, const float* bias, float* y,
                                             int M, int N, int K, int plane, int relu) {
    __shared__ int xs[DS_TILE][DS_KT / 4];
    __shared__ int ws[DS_TILE][DS_KT / 4];
    int tx = threadIdx.x, ty = threadIdx.y;
    int m = blockIdx.y * DS_TILE + ty, n = blockIdx.x * DS_TILE + tx;
    int acc = 0, wsum = 0;
    const int ones = 0x01010101;
    for (int k0 = 0; k0 < K; k0 += DS_KT) {
        // 16 rows × 16 words per tile: thread (tx, ty) loads word tx of row ty for both operands
        int xm = blockIdx.y * DS_TILE + ty, wn = blockIdx.x * DS_TILE + ty;
        xs[ty][tx] = xm < M ? ds_pack4(xq + (long long)xm * K, k0 + 4 * tx, K) : 0;
        ws[ty][tx] = wn < N ? ds_pack4(wq + (long long)wn * K, k0 + 4 * tx, K) : 0;
        __syncthreads();
#pragma unroll
        for (int j = 0; j < DS_KT / 4; j++) {
            acc = __dp4a(xs[ty][j], ws[tx][j], acc);
            wsum = __dp4a(ones, ws[tx][j], wsum);
        }
        __syncthreads();
    }
    if (m >= M || n >= N) return;
    float v = x_scale * w_scale[per_channel ? n : 0] * (float)(acc - x_zero * wsum);
    if (bias) v += bias[n];
    if (relu && v < 0.f) v = 0.f;
    long long at = plane > 0 ? ((long long)(m / plane) * N + n) * plane + m % plane : (long long)m * N + n;
    y[at] = v;
}

extern "C" __global__ void ds_im2col_i8(const signed char* x, signed char* rows, int cin, int h, int w, int kh, int kw,
                                        int ho, int wo, int sh, int sw, int ph, int pw, int dh, int dw, int x_zero) {
    long long kk = (long long)cin * kh * kw;
    DS_FOR(i, kk * ho * wo) {
        long long pix = i / kk, col = i % kk;
        int oh = (int)(pix / wo), ow = (int)(pix % wo);
        int c = (int)(col / (kh * kw)), r = (int)((col / kw) % kh), q = (int)(col % kw);
        int ih = oh * sh - ph + r * dh, iw = ow * sw - pw + q * dw;
        rows[i] = (ih >= 0 && ih < h && iw >= 0 && iw < w) ? x[((long long)c * h + ih) * w + iw] : (signed char)x_zero;
    }
}
