// Single-thread CPU time of ds_separable3x3_forward on student10's five fused blocks and student20's
// 32->64 / 64->128 pooled layers at 224 (median of REPS after 3 warm-ups, ms). CPU time of one
// thread is far less sensitive to other load on a shared machine than wall time, so two builds of
// the kernel can be compared run against run. Build and run from the repository root:
//   g++ -std=c++17 -O3 -ffp-contract=off -Inative/include -Inative/src benchmarks/native/separable_cpu_time.cpp \
//       native/src/ds_depthwise.cpp native/src/ds_dispatch.cpp -lpthread -o /tmp/sep && /tmp/sep 15
#include "deepslim_native.h"
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>
#include <algorithm>
#include <string>
extern "C" int ds_best_path();
static double cpums() { timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
struct L { const char* name; int cin, h, cmid, groups, cout; };  // cout 0: no 1x1
int main(int argc, char** argv) {
    int reps = argc > 1 ? std::max(1, atoi(argv[1])) : 15;
    L ls[] = {{"s10 b1 3->32 @224", 3, 224, 32, 1, 0}, {"s10 b2 dw32x2+1x1 64 @112", 32, 112, 64, 32, 64},
              {"s10 b3 dw64+1x1 64 @56", 64, 56, 64, 64, 64}, {"s10 b4 dw64x2+1x1 128 @28", 64, 28, 128, 64, 128},
              {"s10 b5 dw128+1x1 64 @14", 128, 14, 128, 128, 64}, {"s20 l2 32->64 @112", 32, 112, 64, 1, 0},
              {"s20 l3 64->128 @56", 64, 56, 128, 1, 0}};
    int path = ds_best_path();
    for (auto& l : ls) {
        std::vector<float> x((size_t) l.cin * l.h * l.h), sw((size_t) l.cmid * (l.cin / l.groups) * 9), sb(l.cmid);
        int co = l.cout ? l.cout : l.cmid;
        std::vector<float> pw((size_t) co * l.cmid), pb(co), y((size_t) co * (l.h / 2) * (l.h / 2));
        for (auto& v : x) v = rand() / (float) RAND_MAX - 0.5f;
        for (auto& v : sw) v = rand() / (float) RAND_MAX - 0.5f;
        for (auto& v : pw) v = rand() / (float) RAND_MAX - 0.5f;
        std::vector<double> t;
        for (int r = 0; r < reps + 3; r++) {
            double t0 = cpums();
            ds_separable3x3_forward(path, 1, x.data(), 1, l.cin, l.h, l.h, sw.data(), sb.data(), l.cmid, l.groups, 1,
                                    l.cout ? pw.data() : nullptr, l.cout ? pb.data() : nullptr, co, 1, 1, y.data());
            if (r >= 3) t.push_back(cpums() - t0);
        }
        std::sort(t.begin(), t.end());
        printf("%-28s %.3f\n", l.name, t[t.size() / 2]);
    }
}
