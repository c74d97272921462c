// Dense reference for sparse_bench: OpenBLAS sgemm (cout x cin*9) . (cin*9 x hw*hw), i.e. the FMAs of
// an im2col conv without the im2col, one thread, CPU time. Build: g++ -O2 gemm_ref.cpp -lopenblas
#include <cblas.h>
#include <chrono>
#include <cstdio>
#include <time.h>
#include <vector>
#include <algorithm>
extern "C" void openblas_set_num_threads(int);
static double now() { timespec ts; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); return ts.tv_sec + 1e-9 * ts.tv_nsec; }
int main() {
    openblas_set_num_threads(1);
    struct L { int cin, cout, hw; } layers[] = {{64, 64, 224}, {64, 128, 112}, {128, 128, 112}, {128, 256, 56}, {256, 256, 56}, {256, 512, 28}, {512, 128, 14}};
    for (auto l : layers) {
        int M = l.cout, K = l.cin * 9, N = l.hw * l.hw;
        std::vector<float> a((size_t) M * K, 0.01f), b((size_t) K * N, 0.02f), c((size_t) M * N);
        std::vector<double> ts;
        for (int r = 0; r < 4; r++) {
            double t0 = now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.f, a.data(), K, b.data(), N, 0.f, c.data(), N);
            ts.push_back(now() - t0);
        }
        std::sort(ts.begin(), ts.end());
        std::printf("%4d->%-4d @%-3d dense sgemm %8.2f ms %6.1f GFLOP/s\n", l.cin, l.cout, l.hw, ts[1] * 1e3, 2.0 * M * K * N / ts[1] * 1e-9);
    }
}
