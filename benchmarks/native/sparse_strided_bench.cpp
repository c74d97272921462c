// Single-thread CPU time of strided (stride 2, 3x3, pad 1) sparse convs: the portable loop (path 0) against
// the best vector path, which splits the input by stride phase into a stride-1 conv; also their max difference.
// Build and run: g++ -O3 -ffp-contract=off -std=c++17 -pthread -Inative/include -Inative/src \
//   benchmarks/native/sparse_strided_bench.cpp -o /tmp/ds_strided && /tmp/ds_strided
#include "ds_dispatch.cpp"
#include "ds_sparse.cpp"
#include <cstdio>
#include <random>
#include <time.h>
#include <initializer_list>
static double now(){timespec ts;clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&ts);return ts.tv_sec+1e-9*ts.tv_nsec;}
int main(){
  struct L{int cin,cout,hw;} ls[]={{64,128,112},{128,256,56},{256,512,28}};
  std::mt19937 rng(1); std::normal_distribution<float> nd; std::uniform_real_distribution<float> ud;
  for(auto l: ls) for(double sp: {0.8,0.9,0.95}){
    std::vector<float> x((size_t)l.cin*l.hw*l.hw); for(auto&v:x)v=nd(rng);
    int ho=(l.hw+2-3)/2+1; std::vector<float> y((size_t)l.cout*ho*ho), ref(y.size());
    std::vector<int32_t> rp(l.cout+1), k; std::vector<float> v;
    for(int co=0;co<l.cout;co++){for(int i=0;i<l.cin*9;i++) if(ud(rng)>=sp){k.push_back(i);v.push_back(nd(rng));} rp[co+1]=k.size();}
    double t[3]={0,0,0};
    for(int path: {0, ds_best_path()}){
      auto run=[&](float* out){ds_sparse_conv2d_forward(path,1,x.data(),1,l.cin,l.hw,l.hw,rp.data(),k.data(),v.data(),nullptr,l.cout,3,3,2,2,1,1,1,1,1,0,0,out,ho,ho);};
      run(path?y.data():ref.data());
      std::vector<double> ts; for(int r=0;r<5;r++){double t0=now(); run(path?y.data():ref.data()); ts.push_back(now()-t0);} std::sort(ts.begin(),ts.end()); t[path?1:0]=ts[2];
    }
    double err=0; for(size_t i=0;i<y.size();i++) err=std::max(err,(double)std::fabs(y[i]-ref[i])/(1+std::fabs(ref[i])));
    printf("%d->%d @%d s2 sparsity %.2f: portable loop %.2f ms, %s phase-split %.2f ms (%.2fx), max rel diff %.1e\n",l.cin,l.cout,l.hw,sp,t[0]*1e3,ds_path_name(ds_best_path()),t[1]*1e3,t[0]/t[1],err);
  }
}
