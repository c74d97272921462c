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

#endif
