// Winograd F(4x4, 3x3) backward-filter of a stride-1 pad-1 3x3 convolution (ds_winograd_f4_backward_filter
// in deepslim_native.h); the per-path bodies are ds_winograd_bwf_body.inc, compiled in ds_winograd.cpp's
// namespaces (this file is included after it: all sources are one translation unit).
//
// Images are taken in groups whose transformed tiles (V and Y, 36 x (cin + cout) x tiles floats) fit
// GROUP_FLOATS. Per group, three parallel phases on the persistent helper pool: transform (one task per
// image and side), 36 GEMMs split by position and block of output-gradient channels (each task owns its
// rows of dU, so no reduction across threads and the result does not depend on timing), and after the
// last group the output transform dU -> dW per output channel.
#include "ds_common.h"
#include "ds_pool.h"
#include <ctime>
#include <cstdio>
#include <functional>

namespace {

// Transformed tiles per group (floats): 16 MiB, so a group's V and Y mostly stay in the last-level cache.
constexpr size_t GROUP_FLOATS = (size_t) 4 << 20;

struct BwfTasks {
    std::function<void(int)> f;
    int tasks = 0;
    std::atomic<int> next{0}, done{0};
};

void bwf_entry(void* p) {
    BwfTasks* st = static_cast<BwfTasks*>(p);
    for (int t = st->next.fetch_add(1); t < st->tasks; t = st->next.fetch_add(1)) {
        st->f(t);
        st->done.fetch_add(1, std::memory_order_release);
    }
}

// Runs f(t) for t in [0, tasks) on the caller and up to nt - 1 pool helpers.
void bwf_parallel(int tasks, int nt, std::function<void(int)> f) {
    if (tasks <= 0) return;
    nt = std::min(nt, tasks);
    auto st = std::make_shared<BwfTasks>();
    st->f = std::move(f);
    st->tasks = tasks;
    bool pooled = nt > 1 && HelperPool::get().post(st, &bwf_entry, nt - 1);
    bwf_entry(st.get());
    while (st->done.load(std::memory_order_acquire) < tasks) std::this_thread::yield();
    if (pooled) HelperPool::get().release();
}

// The calling thread's CPU time in ms (DS_BWF_PROFILE=1 prints the phases; meaningful with threads = 1).
double bwf_clock() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct BwfPath {
    int mr;
    void (*transform)(const BwfJob&, int);
    void (*gemm)(const BwfJob&, int);
    int (*gemmTasks)(const BwfJob&);
    void (*output)(const BwfJob&, int, float*);
};

BwfPath bwf_path(int path) {
#if DS_X86
    if (path >= DS_PATH_AVX512_VNNI)
        return {dswg_avx512::BF_MR, &dswg_avx512::bwf_transform, &dswg_avx512::bwf_gemm,
                &dswg_avx512::bwf_gemm_tasks, &dswg_avx512::bwf_output};
    if (path >= DS_PATH_AVX2)
        return {dswg_avx2::BF_MR, &dswg_avx2::bwf_transform, &dswg_avx2::bwf_gemm,
                &dswg_avx2::bwf_gemm_tasks, &dswg_avx2::bwf_output};
#endif
    return {dswg_portable::BF_MR, &dswg_portable::bwf_transform, &dswg_portable::bwf_gemm,
            &dswg_portable::bwf_gemm_tasks, &dswg_portable::bwf_output};
}

}  // namespace

extern "C" void ds_winograd_f4_backward_filter(int path, int threads, const float* x, const float* dy, int n, int cin,
                                               int h, int w, int cout, float* dw) {
    if (cin <= 0 || cout <= 0) return;
    if (n <= 0 || h <= 0 || w <= 0) {
        std::memset(dw, 0, sizeof(float) * (size_t) cout * cin * 9);
        return;
    }
    BwfPath ops = bwf_path(ds_effective_path(path));
    BwfJob a{};
    a.x = x; a.dy = dy; a.n = n; a.cin = cin; a.cout = cout; a.h = h; a.w = w;
    a.th = (h + 3) / 4; a.tw = (w + 3) / 4; a.tiles = a.th * a.tw;
    a.cin16 = (cin + 15) / 16 * 16;
    a.coutP = (cout + ops.mr - 1) / ops.mr * ops.mr;
    size_t perImage = (size_t) 36 * (a.cin16 + a.coutP) * a.tiles;
    int groupImages = (int) std::max<size_t>(1, std::min<size_t>(n, GROUP_FLOATS / perImage));
    size_t kMax = ((size_t) groupImages * a.tiles + 15) / 16 * 16;
    // scratch reused across calls on this (caller's) thread; dU and Y's padding rows must start at zero
    thread_local std::vector<float> vbuf, ybuf, ubuf;
    size_t vn = (size_t) 36 * a.cin16 * kMax, yn = (size_t) 36 * a.coutP * kMax, un = (size_t) 36 * a.coutP * a.cin16;
    if (vbuf.size() < vn) vbuf.resize(vn);
    if (ybuf.size() < yn) ybuf.resize(yn);
    if (ubuf.size() < un) ubuf.resize(un);
    a.V = vbuf.data(); a.Y = ybuf.data(); a.dU = ubuf.data();
    std::memset(a.dU, 0, sizeof(float) * un);
    double macs = (double) n * a.tiles * 36.0 * cin * cout;
    int nt = macs < 2e6 ? 1 : std::max(1, threads);
    double tT = 0, tG = 0;
    for (int n0 = 0; n0 < n; n0 += groupImages) {
        a.n0 = n0;
        a.ng = std::min(groupImages, n - n0);
        size_t used = (size_t) a.ng * a.tiles;
        a.K = (used + 15) / 16 * 16;
        // zero Y's padding channels in every block, and both sides' slots past the last tile
        const size_t ybs = (size_t) 36 * a.coutP * 16, vbs = (size_t) 36 * a.cin16 * 16;
        if (a.coutP > cout)
            for (size_t kb = 0; kb < a.K / 16; kb++)
                for (int xi = 0; xi < 36; xi++)
                    std::memset(a.Y + kb * ybs + ((size_t) xi * a.coutP + cout) * 16, 0, sizeof(float) * 16 * (a.coutP - cout));
        if (used < a.K) {
            size_t kb = used / 16, from = used % 16;
            for (int xi = 0; xi < 36; xi++) {
                for (int c = 0; c < a.coutP; c++)
                    std::memset(a.Y + kb * ybs + ((size_t) xi * a.coutP + c) * 16 + from, 0, sizeof(float) * (16 - from));
                for (int cb = 0; cb < a.cin16 / 16; cb++)
                    std::memset(a.V + kb * vbs + (((size_t) xi * (a.cin16 / 16) + cb) * 16 + from) * 16, 0, sizeof(float) * 16 * (16 - from));
            }
        }
        const BwfJob& job = a;
        auto t0 = bwf_clock();
        bwf_parallel(2 * a.ng, nt, [&](int t) { ops.transform(job, t); });
        auto t1 = bwf_clock();
        bwf_parallel(ops.gemmTasks(a), nt, [&](int t) { ops.gemm(job, t); });
        auto t2 = bwf_clock();
        tT += (t1 - t0);
        tG += (t2 - t1);
    }
    auto t3 = bwf_clock();
    bwf_parallel(cout, nt, [&](int co) { ops.output(a, co, dw); });
    if (std::getenv("DS_BWF_PROFILE"))
        std::fprintf(stderr, "bwf %d->%d %dx%d n%d: transform %.2f gemm %.2f out %.2f ms\n", cin, cout, h, w, n, tT, tG,
                     bwf_clock() - t3);
}
