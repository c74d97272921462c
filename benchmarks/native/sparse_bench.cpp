// Single-thread (or N-thread) timing of the native direct sparse conv, outside the JVM: achieved
// GFLOP/s counting useful FMAs only (2 * nnz * ho * wo), per layer and sparsity, per CPU path.
// Build and run: benchmarks/native/sparse_bench.sh [threads]
#ifdef DS_KERNEL_DIR  // another copy of the kernels (e.g. a previous commit's), to compare
#define DS_STR2(x) #x
#define DS_STR(x) DS_STR2(x)
#include DS_STR(DS_KERNEL_DIR/ds_dispatch.cpp)
#include DS_STR(DS_KERNEL_DIR/ds_sparse.cpp)
#define DS_NO_WINDOW 1
#else
#include "../../native/src/ds_dispatch.cpp"
#include "../../native/src/ds_sparse.cpp"
#endif
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <time.h>

// CPU seconds of this process with one thread (a shared machine steals wall time), else wall seconds.
static double now(int threads) {
    if (threads > 1) return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char** argv) {
    int threads = argc > 1 ? std::atoi(argv[1]) : 1;
    const int pool = std::getenv("DS_POOL") ? std::atoi(std::getenv("DS_POOL")) : 0;  // 1: the 2x2 max-pool in the call
    bool check = argc > 2 && std::string(argv[2]) == "check";
#ifndef DS_NO_WINDOW
    if (argc > 3) ds_sparse_l1_window = std::atoi(argv[3]);
#endif
    struct L { int cin, cout, hw; } layers[] = {{3, 64, 224}, {64, 64, 224}, {64, 128, 112}, {128, 128, 112}, {128, 256, 56}, {256, 256, 56}, {256, 512, 28}, {512, 128, 14}};
    std::vector<double> sps = {0.5, 0.7, 0.8, 0.9, 0.95};
    const int maxCin = std::getenv("DS_MAX_CIN") ? std::atoi(std::getenv("DS_MAX_CIN")) : 1 << 30;  // only layers with cin <= this
    if (const char* e = std::getenv("DS_SPARSITY")) sps = {std::atof(e)};
    std::mt19937 rng(1);
    std::normal_distribution<float> nd;
    std::uniform_real_distribution<float> ud;
    {  // warm-up (clock ramp, first-touch page faults) so the first layer is not measured cold
        std::vector<float> x(64 * 56 * 56, 1.f), y(64 * 56 * 56), v(64 * 64 * 9, 0.1f);
        std::vector<int32_t> rp(65), k(64 * 64 * 9);
        for (int i = 0; i <= 64; i++) rp[i] = i * 576;
        for (int i = 0; i < 64 * 576; i++) k[i] = i % 576;
        double t0 = now(1);
        while (now(1) - t0 < 0.5)
            ds_sparse_conv2d_forward(ds_best_path(), threads, x.data(), 1, 64, 56, 56, rp.data(), k.data(), v.data(), nullptr, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0, pool, y.data(), 56, 56);
    }
    // DS_SIZE=N: the layers at an N-pixel input (maps scaled from 224), e.g. 32 for the demo's size
    const int size = std::getenv("DS_SIZE") ? std::atoi(std::getenv("DS_SIZE")) : 224;
    for (auto l : layers) {
        if (l.cin > maxCin) continue;
        l.hw = std::max(1, l.hw * size / 224);
        // DS_BATCH=N: N samples per call
        const int nb = std::getenv("DS_BATCH") ? std::atoi(std::getenv("DS_BATCH")) : 1;
        std::vector<float> x((size_t) nb * l.cin * l.hw * l.hw), y((size_t) nb * l.cout * l.hw * l.hw);
        for (auto& v : x) v = nd(rng);
        for (double sp : sps) {
            std::vector<int32_t> rowptr(l.cout + 1), kidx;
            std::vector<float> vals;
            for (int co = 0; co < l.cout; co++) {
                for (int k = 0; k < l.cin * 9; k++)
                    if (ud(rng) >= sp) { kidx.push_back(k); vals.push_back(nd(rng)); }
                rowptr[co + 1] = (int) kidx.size();
            }
            double flop = 2.0 * nb * kidx.size() * l.hw * l.hw;
            std::vector<float> ref(y.size());
            if (check) {  // the portable loop as reference for the vector paths
                ds_sparse_conv2d_forward(0, threads, x.data(), nb, l.cin, l.hw, l.hw, rowptr.data(), kidx.data(), vals.data(),
                                         nullptr, l.cout, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0, pool, ref.data(), l.hw, l.hw);
            }
            for (int path = ds_best_path(); path >= 1; path--) {
                auto run = [&] { ds_sparse_conv2d_forward(path, threads, x.data(), nb, l.cin, l.hw, l.hw, rowptr.data(), kidx.data(), vals.data(),
                                                          nullptr, l.cout, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0, pool, y.data(), l.hw, l.hw); };
#ifndef DS_NO_WINDOW
                // DS_AB_SMALL=1: the small-map path (im2col rows) against the padded-plane chunk kernel, alternating
                if (std::getenv("DS_AB_SMALL")) {
                    std::vector<double> tsm, tch;
                    for (int r = 0; r < 7; r++) {
                        for (int mode = 0; mode < 2; mode++) {
                            // DS_AB_SMALL=batch: the small-map path with samples side by side against one at a time
                            if (std::string(std::getenv("DS_AB_SMALL")) == "batch") ds_sparse_small_batch = mode == 0;
                            else ds_sparse_small_positions = mode == 0 ? 1 << 30 : 0;
                            run();
                            double t0 = now(threads);
                            run();
                            (mode == 0 ? tsm : tch).push_back(now(threads) - t0);
                        }
                    }
                    std::sort(tsm.begin(), tsm.end());
                    std::sort(tch.begin(), tch.end());
                    std::printf("%4d->%-4d @%-3d s%.2f %-11s A %8.3f ms  B %8.3f ms  A/B %.2f (DS_AB_SMALL=1: A small-map, B chunk; =batch: A side by side, B one sample at a time)\n", l.cin, l.cout, l.hw, sp,
                                ds_path_name(path), tsm[3] * 1e3, tch[3] * 1e3, tsm[3] / tch[3]);
                    continue;
                }
#endif
                run();
                std::vector<double> ts;
                for (int r = 0; r < 5; r++) {
                    double t0 = now(threads);
                    run();
                    ts.push_back(now(threads) - t0);
                }
                std::sort(ts.begin(), ts.end());
                double err = 0;
                for (size_t i = 0; check && i < y.size(); i++) err = std::max(err, (double) std::fabs(y[i] - ref[i]) / (1 + std::fabs(ref[i])));
                if (check) std::printf("  max rel err vs portable %.2e\n", err);
                std::printf("%4d->%-4d @%-3d s%.2f %-11s %8.2f ms %6.1f GFLOP/s (useful)\n", l.cin, l.cout, l.hw, sp, ds_path_name(path),
                            ts[2] * 1e3, flop / ts[2] * 1e-9);
            }
        }
    }
}
