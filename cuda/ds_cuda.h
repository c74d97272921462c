// Shared helpers for the deepslim CUDA kernels (included by every .cu family file).
// Conventions: float32 NCHW tensors, row-major, element offsets already applied by the caller
// (pointers point at element 0 of the view). Every kernel is extern "C" so the Java side finds it
// by name with cuModuleGetFunction; launch shapes are chosen by io.deepslim.backend.cuda.CudaKernels.
#pragma once
#include <cstdint>

#define DS_THREADS 256
#define DS_MAX_DIMS 6

// Grid-stride loop over [0, n).
#define DS_FOR(i, n) for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
                          i += (long long)blockDim.x * gridDim.x)

// Broadcast / strided indexing, passed by value: out is contiguous with out_shape; a and b are read
// through their own strides (0 along broadcast dimensions). Unused trailing dims have size 1.
struct ds_index {
    int ndim;
    int shape[DS_MAX_DIMS];
    int a_stride[DS_MAX_DIMS];
    int b_stride[DS_MAX_DIMS];
};

__device__ __forceinline__ void ds_offsets(const ds_index& ix, long long flat, long long* oa, long long* ob) {
    long long a = 0, b = 0;
    for (int d = ix.ndim - 1; d >= 0; d--) {
        int s = ix.shape[d];
        int c = (int)(flat % s);
        flat /= s;
        a += (long long)c * ix.a_stride[d];
        b += (long long)c * ix.b_stride[d];
    }
    *oa = a;
    *ob = b;
}
