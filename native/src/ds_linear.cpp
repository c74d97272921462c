// Fully connected layer for inference at small batch: y (m, nout) = relu?(x (m, k) . W^T + bias), W (nout, k)
// row-major as the layer stores it (see ds_linear_forward in deepslim_native.h).
//
// At batch 1 this is a matrix-vector product bound by reading W once (student10's head: 3136 -> 128, 1.6 MB),
// so the kernel is one pass over W's rows: a block of RB rows is dotted with MB samples at a time (RB x MB
// vector accumulators, each W vector loaded once and used MB times; x stays in L1), horizontal sums at the end
// of each row. Row-major W is already the order this pass streams, so the layer's own weight is used unpacked.
// Rows are split into tasks of ROWS_PER_TASK over the persistent helper pool when W is large enough for a
// second thread to pay. The vector paths are one source (ds_linear_body.inc) compiled three times.
#include "ds_common.h"
#include "ds_pool.h"

namespace {

struct LinJob {
    const float* x;
    int m, k;
    const float* w;   // (nout, k)
    const float* b;   // (nout) or null
    int nout, relu;
    float* y;         // (m, nout)
};

constexpr int ROWS_PER_TASK = 16;
// below this many weight bytes one thread streams W: measured at batch 1 on the shared 2-core machine (load 4-5),
// student10's 128 x 3136 (1.6 MB) took 19 us warm / 65 us from memory on one thread and 22-40 / 117-145 us on two
// (the caller waits for a task a helper claimed and then lost its time slice); vgg45m's 256 x 6272 (6.4 MB)
// 70-74 / 230-260 us against 90-108 / 1300-1900 us
constexpr double PARALLEL_MIN_BYTES = 32.0 * 1024 * 1024;

typedef void (*LinTask)(const LinJob&, int);

}  // namespace

namespace dslin_portable {
#include "ds_vec_portable.inc"
#include "ds_linear_body.inc"
}  // namespace dslin_portable

#if DS_X86
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace dslin_avx2 {
#include "ds_vec_avx2.inc"
#include "ds_linear_body.inc"
}  // namespace dslin_avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,fma")
namespace dslin_avx512 {
#include "ds_vec_avx512.inc"
#include "ds_linear_body.inc"
}  // namespace dslin_avx512
#pragma GCC pop_options
#endif

namespace {

// The task counters outlive the call: a helper that takes the job late finds no task left.
struct LinShared {
    LinJob a;
    LinTask fn;
    int tasks;
    std::atomic<int> next{0}, done{0};
};

static void lin_work(LinShared& st) {
    for (int t = st.next.fetch_add(1); t < st.tasks; t = st.next.fetch_add(1)) {
        st.fn(st.a, t);
        st.done.fetch_add(1, std::memory_order_release);
    }
}

static void lin_helper_entry(void* p) { lin_work(*static_cast<LinShared*>(p)); }

}  // namespace

extern "C" void ds_linear_forward(int path, int threads, const float* x, int m, int k, const float* w, const float* bias,
                                  int nout, int relu, float* y) {
    if (m <= 0 || nout <= 0) return;
    LinJob a{x, m, k, w, bias, nout, relu, y};
    LinTask fn = &dslin_portable::linear_task;
#if DS_X86
    int p = ds_effective_path(path);
    if (p >= DS_PATH_AVX512_VNNI) fn = &dslin_avx512::linear_task;
    else if (p >= DS_PATH_AVX2) fn = &dslin_avx2::linear_task;
#endif
    int tasks = (nout + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
    int nt = (double) nout * k * sizeof(float) < PARALLEL_MIN_BYTES ? 1 : std::max(1, std::min(threads, tasks));
    if (nt <= 1) {
        for (int t = 0; t < tasks; t++) fn(a, t);
        return;
    }
    auto st = std::make_shared<LinShared>();
    st->a = a;
    st->fn = fn;
    st->tasks = tasks;
    // as the separable kernel: the caller works too and waits for the tasks, not for the helpers
    bool pooled = HelperPool::get().post(st, &lin_helper_entry, nt - 1);
    lin_work(*st);
    while (st->done.load(std::memory_order_acquire) < tasks) std::this_thread::yield();
    if (pooled) HelperPool::get().release();
}
