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
#include <chrono>
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

struct BwfPath {
    int mr, nr, coBlocks;
    void (*transform)(const BwfJob&, int);
    void (*gemm)(const BwfJob&, int);
    int (*gemmTasks)(const BwfJob&);
    void (*output)(const BwfJob&, int, float*);
};

BwfPath bwf_path(int path) {
#if DS_X86
    if (path >= DS_PATH_AVX512_VNNI)
        return {dswg_avx512::BF_MR, dswg_avx512::BF_NR, 0, &dswg_avx512::bwf_transform, &dswg_avx512::bwf_gemm,
                &dswg_avx512::bwf_gemm_tasks, &dswg_avx512::bwf_output};
    if (path >= DS_PATH_AVX2)
        return {dswg_avx2::BF_MR, dswg_avx2::BF_NR, 0, &dswg_avx2::bwf_transform, &dswg_avx2::bwf_gemm,
                &dswg_avx2::bwf_gemm_tasks, &dswg_avx2::bwf_output};
#endif
    return {dswg_portable::BF_MR, dswg_portable::BF_NR, 0, &dswg_portable::bwf_transform, &dswg_portable::bwf_gemm,
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
    a.cinP = (cin + ops.nr - 1) / ops.nr * ops.nr;
    a.coutP = (cout + ops.mr - 1) / ops.mr * ops.mr;
    size_t perImage = (size_t) 36 * (a.cinP + a.coutP) * a.tiles;
    int groupImages = (int) std::max<size_t>(1, std::min<size_t>(n, GROUP_FLOATS / perImage));
    size_t kMax = ((size_t) groupImages * a.tiles + 15) / 16 * 16;
    // scratch reused across calls on this (caller's) thread; only dU and the padding must start at zero
    thread_local std::vector<float> vbuf, ybuf, ubuf;
    size_t vn = (size_t) 36 * a.cinP * kMax, yn = (size_t) 36 * a.coutP * kMax, un = (size_t) 36 * a.coutP * a.cinP;
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
        a.K = ((size_t) a.ng * a.tiles + 15) / 16 * 16;
        size_t used = (size_t) a.ng * a.tiles;
        // zero the slots past the last tile, and whole rows of padding channels
        for (int xi = 0; xi < 36; xi++) {
            for (int c = 0; c < a.cinP; c++) {
                float* row = a.V + ((size_t) xi * a.cinP + c) * a.K;
                if (c >= cin) std::memset(row, 0, sizeof(float) * a.K);
                else std::memset(row + used, 0, sizeof(float) * (a.K - used));
            }
            for (int c = 0; c < a.coutP; c++) {
                float* row = a.Y + ((size_t) xi * a.coutP + c) * a.K;
                if (c >= cout) std::memset(row, 0, sizeof(float) * a.K);
                else std::memset(row + used, 0, sizeof(float) * (a.K - used));
            }
        }
        const BwfJob& job = a;
        auto t0 = std::chrono::steady_clock::now();
        bwf_parallel(2 * a.ng, nt, [&](int t) { ops.transform(job, t); });
        auto t1 = std::chrono::steady_clock::now();
        bwf_parallel(ops.gemmTasks(a), nt, [&](int t) { ops.gemm(job, t); });
        auto t2 = std::chrono::steady_clock::now();
        tT += std::chrono::duration<double, std::milli>(t1 - t0).count();
        tG += std::chrono::duration<double, std::milli>(t2 - t1).count();
    }
    auto t3 = std::chrono::steady_clock::now();
    bwf_parallel(cout, nt, [&](int co) { ops.output(a, co, dw); });
    if (std::getenv("DS_BWF_PROFILE"))
        std::fprintf(stderr, "bwf %d->%d %dx%d n%d: transform %.2f gemm %.2f out %.2f ms\n", cin, cout, h, w, n, tT, tG,
                     std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t3).count());
}
