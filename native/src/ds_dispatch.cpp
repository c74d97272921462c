// Run-time CPU dispatch: the best path is detected once; kernels take the path as an argument.
#include "ds_common.h"

static int ds_detect_path() {
#if DS_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("fma")) {
        return DS_PATH_AVX512_VNNI;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return DS_PATH_AVX2;
#endif
    return DS_PATH_PORTABLE;
}

// DS_MAX_PATH=portable|avx2 caps the detected path for the whole process (every kernel then runs that path, as on a
// CPU without AVX-512): to measure an AVX2 machine's code paths on an AVX-512 one (pair it with OpenBLAS's
// OPENBLAS_CORETYPE=Haswell). Unset or unknown: the detected path.
static int ds_capped_path() {
    int best = ds_detect_path();
    if (const char* cap = std::getenv("DS_MAX_PATH")) {
        if (std::strcmp(cap, "portable") == 0) best = DS_PATH_PORTABLE;
        else if (std::strcmp(cap, "avx2") == 0 && best > DS_PATH_AVX2) best = DS_PATH_AVX2;
    }
    return best;
}

extern "C" int ds_best_path(void) {
    static const int best = ds_capped_path();
    return best;
}

extern "C" const char* ds_path_name(int path) {
    switch (ds_effective_path(path)) {
        case DS_PATH_AVX512_VNNI: return "avx512-vnni";
        case DS_PATH_AVX2: return "avx2";
        default: return "portable";
    }
}

extern "C" void ds_min_max(const float* x, int64_t n, float* out2) {
    float lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
    }
    out2[0] = lo;
    out2[1] = hi;
}
