// Wake-up cost of the helper pool: ds_parallel with 2 busy tasks of W us, back to back or after a gap in which the
// caller works alone (as between layers), median of 200 calls. Build and run:
// g++ -O2 -std=c++17 -pthread -Inative/include -Inative/src benchmarks/native/wake_probe.cpp -o /tmp/wake && /tmp/wake
// (DS_SEPARABLE_SPIN_US=N makes the helpers spin N us after a job before sleeping).
#include "ds_dispatch.cpp"
#include "ds_pool.h"
#include <chrono>
#include <cstdio>
static volatile double sink;
static void busy(double us) { auto t0 = std::chrono::steady_clock::now(); double s = 0; while (std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() < us) s += 1; sink = s; }
int main() {
    for (double work : {10.0, 25.0, 50.0, 100.0, 200.0}) {
        for (int gap : {0, 200}) {
            std::vector<double> ts;
            for (int rep = 0; rep < 200; rep++) {
                if (gap) busy(gap);  // the caller works alone between calls (other layers)
                auto t0 = std::chrono::steady_clock::now();
                ds_parallel(2, 2, [&](int) { busy(work); });
                ts.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
            }
            std::sort(ts.begin(), ts.end());
            std::printf("2 tasks of %5.0f us, %3d us between calls: median %6.1f us (1 thread would be %5.0f)\n", work, gap, ts[100], 2 * work);
        }
    }
}
