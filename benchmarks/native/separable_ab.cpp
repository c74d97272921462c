// A/B timing of two builds of ds_separable3x3_forward (e.g. main's sources and a branch's) on the
// zoo's 3x3 layer shapes, single thread, calling thread's CPU time, the two builds alternating in
// every repetition; prints medians and the largest output difference between the builds.
//   g++ -O3 -std=c++17 -ffp-contract=off -fPIC -shared -I<tree>/native/src -I<tree>/native/include \
//       -o libA.so benchmarks/native/separable_lib.cpp -lpthread        (once per source tree)
//   g++ -O2 -o separable_ab benchmarks/native/separable_ab.cpp -ldl
//   ./separable_ab ./libA.so ./libB.so PATH REPS [name filter]          (PATH -1: the best this CPU has)
#include <dlfcn.h>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <ctime>
#include <vector>
#include <algorithm>
#include <random>
typedef void (*F)(int,int,const float*,int,int,int,int,const float*,const float*,int,int,int,const float*,const float*,int,int,int,float*);
struct L { const char* name; int cin,h,cmid,groups,cout,pool; };
static double cpu_ms(){ timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t); return t.tv_sec*1e3+t.tv_nsec/1e6; }
int main(int argc, char** argv) {
    F f[2];
    for (int i=0;i<2;i++){ void* h=dlopen(argv[1+i],RTLD_NOW|RTLD_LOCAL); if(!h){printf("%s\n",dlerror());return 1;} f[i]=(F)dlsym(h,"ds_separable3x3_forward"); }
    int path = atoi(argv[3]); int reps = atoi(argv[4]);
    L ls[] = {
        {"s20 L1 3->32@224 pool", 3,224,32,1,0,1},
        {"s20 L2 32->64@112 pool", 32,112,64,1,0,1},
        {"s20 L3 64->128@56 pool", 64,56,128,1,0,1},
        {"vgg L2 64->64@224 pool", 64,224,64,1,0,1},
        {"vgg L3 64->128@112", 64,112,128,1,0,0},
        {"s20 L4 128->128@28", 128,28,128,1,0,0},
        {"s20 L4p 128->128@28 pool", 128,28,128,1,0,1},
        {"s20 L5p 128->128@14 pool", 128,14,128,1,0,1},
        {"s20 L6 128->64@7", 128,7,64,1,0,0},
        {"s20 L7 64->64@7", 64,7,64,1,0,0},
        {"s10 B1 3->32@224 pool", 3,224,32,1,0,1},
        {"s10 B2 dw32x2@112 .1x1 64 pool", 32,112,64,32,64,1}, {"s10 B3 dw64@56 .1x1 64 pool", 64,56,64,64,64,1}, {"s10 B4 dw64x2@28 .1x1 128 pool", 64,28,128,64,128,1}, {"s10 B5 dw128@14 .1x1 64 pool", 128,14,128,128,64,1}, {"dwonly B2 dw32x2@112", 32,112,64,32,0,1}, {"dwonly B3 dw64@56", 64,56,64,64,0,1}, {"dwonly B4 dw64x2@28", 64,28,128,64,0,1}, {"dwonly B5 dw128@14", 128,14,128,128,0,1},
    };
    std::mt19937 g(1); std::uniform_real_distribution<float> u(-1,1);
    for (auto& l : ls) {
        if (argc > 5 && !strstr(l.name, argv[5])) continue;
        int h = l.h, w = l.h;
        std::vector<float> x((size_t)l.cin*h*w), sw((size_t)l.cmid*(l.cin/l.groups)*9), sb(l.cmid), pw((size_t)l.cout*l.cmid+1), pb(l.cout+1);
        std::vector<float> y[2]; for (auto& yy: y) yy.assign((size_t)std::max(l.cmid,l.cout)*h*w, 0);
        for (auto& v : x) v = u(g); for (auto& v : sw) v = u(g); for (auto& v : pw) v = u(g); for (auto& v : sb) v = u(g);
        std::vector<double> ts[2];
        for (int r = 0; r < reps; r++) for (int i = 0; i < 2; i++) {
            double t0 = cpu_ms();
            f[i](path, 1, x.data(), 1, l.cin, h, w, sw.data(), sb.data(), l.cmid, l.groups, 1, l.cout ? pw.data() : nullptr, pb.data(), l.cout, 1, l.pool, y[i].data());
            ts[i].push_back(cpu_ms() - t0);
        }
        double macs = (double)h*w*l.cmid*(l.cin/l.groups)*9 + (double)h*w*l.cout*l.cmid;
        double md = 0, mx = 0; for (size_t k=0;k<y[0].size();k++){ md=std::max(md,(double)std::abs(y[0][k]-y[1][k])); mx=std::max(mx,(double)std::abs(y[0][k])); }
        for (int i=0;i<2;i++) std::sort(ts[i].begin(), ts[i].end());
        printf("%-32s A %.3f B %.3f ms (med cpu)  B/A %.2f  B %.1f GMAC/s  maxdiff %.2g of %.3g\n", l.name, ts[0][reps/2], ts[1][reps/2], ts[1][reps/2]/ts[0][reps/2], macs/ts[1][reps/2]/1e6, md, mx);
    }
}
