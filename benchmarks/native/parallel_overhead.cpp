// Per-call wall time of small multi-threaded native calls, where the cost of starting the threads
// shows: ds_parallel itself (empty tasks), a small sparse linear, a small sparse conv, a small int8
// linear and a quantize. Build against another copy of the kernels with -DDS_KERNEL_DIR=dir (e.g. a
// previous commit's native/src) to compare. Build and run: benchmarks/native/parallel_overhead.sh [threads]
#ifdef DS_KERNEL_DIR
#define DS_STR2(x) #x
#define DS_STR(x) DS_STR2(x)
#include DS_STR(DS_KERNEL_DIR/ds_dispatch.cpp)
#include DS_STR(DS_KERNEL_DIR/ds_sparse.cpp)
#include DS_STR(DS_KERNEL_DIR/ds_int8.cpp)
#include DS_STR(DS_KERNEL_DIR/ds_quantize.cpp)
#else
#include "../../native/src/ds_dispatch.cpp"
#include "../../native/src/ds_sparse.cpp"
#include "../../native/src/ds_int8.cpp"
#include "../../native/src/ds_quantize.cpp"
#endif
#include <chrono>
#include <cstdio>
#include <random>

// Median wall microseconds per call over `reps` calls (after 20 warm-up calls).
template <class F>
static double median_us(int reps, F f) {
    for (int i = 0; i < 20; i++) f();
    std::vector<double> ts;
    for (int r = 0; r < reps; r++) {
        auto t0 = std::chrono::steady_clock::now();
        f();
        ts.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ts.begin(), ts.end());
    return ts[ts.size() / 2];
}

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2, reps = 400;
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> ud(-1.f, 1.f);
    std::atomic<long> sink(0);
    std::printf("ds_parallel 8 empty tasks       %8.1f us\n",
                median_us(reps, [&] { ds_parallel(8, threads, [&](int t) { sink.fetch_add(t); }); }));
    // sparse linear: m 4, k 1024, nout 256, 50% kept: nnz*m above the 65536 threshold
    const int m = 4, k = 1024, nout = 256;
    std::vector<float> x((size_t) m * k), y((size_t) m * nout), vals;
    for (auto& v : x) v = ud(rng);
    std::vector<int32_t> rowptr(nout + 1), cols;
    for (int o = 0; o < nout; o++) {
        for (int j = 0; j < k; j += 2) { cols.push_back(j); vals.push_back(ud(rng)); }
        rowptr[o + 1] = (int32_t) cols.size();
    }
    std::printf("sparse linear 4x1024->256 s0.5 %8.1f us\n", median_us(reps, [&] {
        ds_sparse_linear_forward(ds_best_path(), threads, x.data(), m, k, rowptr.data(), cols.data(), vals.data(), nullptr, nout, 1, y.data());
    }));
    // sparse conv: 32 -> 32 at 28x28, 3x3 pad 1, 90% sparse
    const int c = 32, hw = 28;
    std::vector<float> cx((size_t) c * hw * hw), cy((size_t) c * hw * hw), cv;
    for (auto& v : cx) v = ud(rng);
    std::vector<int32_t> crp(c + 1), ck;
    std::uniform_real_distribution<float> u01(0.f, 1.f);
    for (int o = 0; o < c; o++) {
        for (int j = 0; j < c * 9; j++) if (u01(rng) < 0.1f) { ck.push_back(j); cv.push_back(ud(rng)); }
        crp[o + 1] = (int32_t) ck.size();
    }
    std::printf("sparse conv 32->32 @28 s0.9     %8.1f us\n", median_us(reps, [&] {
        ds_sparse_conv2d_forward(ds_best_path(), threads, cx.data(), 1, c, hw, hw, crp.data(), ck.data(), cv.data(), nullptr, c, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, cy.data(), hw, hw);
    }));
    // int8 linear: m 8, k 512, nout 256
    const int im = 8, ik = 512, io = 256, k4 = ds_int8_packed_k(ik);
    std::vector<int8_t> xq((size_t) im * ik), wq((size_t) io * k4);
    for (auto& v : xq) v = (int8_t) (rng() % 255 - 127);
    for (auto& v : wq) v = (int8_t) (rng() % 255 - 127);
    std::vector<int32_t> wsum(io, 0);
    for (int o = 0; o < io; o++) for (int j = 0; j < k4; j++) wsum[o] += wq[(size_t) o * k4 + j];
    std::vector<float> ws(io, 0.01f), iy((size_t) im * io);
    std::printf("int8 linear 8x512->256          %8.1f us\n", median_us(reps, [&] {
        ds_int8_linear_forward(ds_best_path(), threads, xq.data(), im, ik, 0.02f, 3, wq.data(), wsum.data(), ws.data(), io, nullptr, io, 1, iy.data());
    }));
    // quantize 4 blocks of 2^18
    std::vector<float> qx(1 << 20);
    for (auto& v : qx) v = ud(rng);
    std::vector<int8_t> qq(qx.size());
    std::printf("quantize 2^20 floats            %8.1f us\n", median_us(reps, [&] {
        ds_quantize_s8(threads, qx.data(), (int64_t) qx.size(), 0.01f, 0, qq.data());
    }));
    return sink.load() == -1;
}
