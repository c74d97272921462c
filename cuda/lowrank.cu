// SVD-split (low-rank) linear layer applied back to back in one kernel with a fused epilogue:
//   t = x[m] · Vᵀ   (rank r),   y[m] = t · Uᵀ + bias  (+ReLU)
// x (M, K), V (r, K), U (N, r), bias (N) or null, y (M, N); all float32 row-major.
// Launch: grid (M), block 256, dynamic shared memory r floats: the block first computes the r-vector t
// of its row (one thread per rank index, strided), keeps it in shared memory, then each thread
// produces outputs n = tid, tid+256, … — the intermediate never goes to global memory.
#include "ds_cuda.h"

extern "C" __global__ void ds_lowrank_linear_f32(const float* x, const float* v, const float* u, const float* bias,
                                                 float* y, int M, int K, int r, int N, int relu) {
    extern __shared__ float t[];
    int m = blockIdx.x;
    if (m >= M) return;
    const float* xr = x + (long long)m * K;
    for (int j = threadIdx.x; j < r; j += blockDim.x) {
        const float* vr = v + (long long)j * K;
        float s = 0.f;
        for (int k = 0; k < K; k++) s += xr[k] * vr[k];
        t[j] = s;
    }
    __syncthreads();
    for (int n = threadIdx.x; n < N; n += blockDim.x) {
        const float* ur = u + (long long)n * r;
        float s = bias ? bias[n] : 0.f;
        for (int j = 0; j < r; j++) s += t[j] * ur[j];
        y[(long long)m * N + n] = relu && s < 0.f ? 0.f : s;
    }
}
