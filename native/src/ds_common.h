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

// Runs f(t) for t in [0, tasks) on up to `threads` threads (the caller is one of them).
template <class F>
static void ds_parallel(int tasks, int threads, F f) {
    int nt = std::min(threads, tasks);
    if (nt <= 1) {
        for (int t = 0; t < tasks; t++) f(t);
        return;
    }
    std::atomic<int> next(0);
    auto worker = [&]() {
        for (int t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) f(t);
    };
    std::vector<std::thread> pool;
    for (int i = 1; i < nt; i++) pool.emplace_back(worker);
    worker();
    for (auto& th : pool) th.join();
}

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

#endif
