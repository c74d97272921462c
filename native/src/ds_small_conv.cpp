// Dense convolution for small maps (inference): y = relu?(conv(x, w) + bias), then an optional 2x2/2
// max-pool; any kernel size, stride, padding and dilation, ungrouped (see ds_small_conv_forward in
// deepslim_native.h).
//
// Why: on a map of a few dozen positions per call the Winograd F(4x4) kernel has few tiles, and its
// transformed filter (36 floats per 3x3 kernel, 4x the weight) is read from memory for each call and
// used by only those few tiles: vgg45m's 256->512 layer on a 4x4 map streams 19 MB for 4.7 M
// multiplies. Here the weight is read once per call in its own size (9 floats per 3x3 kernel), packed
// once per layer as [Cout/16 blocks][K][16] (K = Cin*kh*kw; zero past Cout), and the input is unfolded
// into col [K][columns] (columns = the output positions of a group of samples, up to ~256 columns, so a
// batch widens the product).
// The micro-kernel holds NC blocks of 16 output channels x PB columns in registers: per k it loads
// NC weight vectors and broadcasts PB column values, NC*PB FMAs for NC + PB loads. The vector paths
// are one source (ds_small_conv_body.inc) compiled three times.
#include "ds_common.h"
#include "ds_pool.h"

namespace {

// Below this many flops per call one thread does the whole layer: measured on the shared 2-vCPU machine, vgg45m's
// 4x4 layer (38 MFLOP) took 0.27 ms on two threads against 0.23 on one and its 2x2 layer (4.7 MFLOP) 0.15 against
// 0.07 (a helper's wake-up and the split weight stream cost more than half the work saves).
constexpr double SMALL_PARALLEL_MIN_FLOPS = 64e6;

struct SmallJob {
    const float* col;   // [K][ldc]
    size_t ldc;
    int K, cols;        // reduction length; columns (n * P)
    const float* w;     // packed [blocks][K][16]
    const float* bias;  // blocks * 16 floats (zero padded)
    int cout, P, relu;  // P: positions per sample
    float* map;         // (n, cout, P)
};

}  // namespace

namespace dssc_portable {
#include "ds_vec_portable.inc"
constexpr int NC = 1, PB = 2;  // 4 blocks of 4 lanes x 2 columns: 8 accumulators of 16 SSE registers
#include "ds_small_conv_body.inc"
}  // namespace dssc_portable

#if DS_X86
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace dssc_avx2 {
#include "ds_vec_avx2.inc"
constexpr int NC = 1, PB = 6;  // 2 vectors x 6 columns: 12 accumulators of 16 ymm
#include "ds_small_conv_body.inc"
}  // namespace dssc_avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,fma")
namespace dssc_avx512 {
#include "ds_vec_avx512.inc"
constexpr int NC = 2, PB = 12;  // 2 blocks x 12 columns: 24 accumulators of 32 zmm
#include "ds_small_conv_body.inc"
}  // namespace dssc_avx512
#pragma GCC pop_options
#endif


extern "C" int64_t ds_small_conv_packed_floats(int cout, int k) { return (int64_t) ((cout + 15) / 16) * k * 16; }

extern "C" void ds_small_conv_pack(const float* w, int cout, int k, float* out) {
    const int blocks = (cout + 15) / 16;
    std::memset(out, 0, sizeof(float) * (size_t) blocks * k * 16);
    for (int o = 0; o < cout; o++)
        for (int i = 0; i < k; i++) out[((size_t) (o / 16) * k + i) * 16 + o % 16] = w[(size_t) o * k + i];
}

extern "C" void ds_small_conv_forward(int path, int threads, const float* x, int n, int cin, int h, int w, const float* wpack,
                                      const float* bias, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                                      int relu, int pool, float* y, int ho, int wo) {
    if (n <= 0 || cout <= 0 || ho <= 0 || wo <= 0) return;
    path = ds_effective_path(path);
    const int K = cin * kh * kw, P = ho * wo, blocks = (cout + 15) / 16;
    // samples in groups of at most ~256 columns (the unfolded group stays a few MB; the weight is read once per group)
    const int group = std::max(1, std::min(n, 256 / P));
    const size_t ldcMax = (size_t) group * P, mapFloats = pool ? (size_t) n * cout * P : 0;
    float* scratch = (float*) ds_thread_scratch<3>(sizeof(float) * ((size_t) K * ldcMax + mapFloats + (size_t) blocks * 16));
    float* col = scratch;
    float* map = pool ? scratch + (size_t) K * ldcMax : y;
    float* b = scratch + (size_t) K * ldcMax + mapFloats;
    for (int o = 0; o < blocks * 16; o++) b[o] = bias && o < cout ? bias[o] : 0.f;
    void (*task)(const SmallJob&, int, int, int, int) = &dssc_portable::run;
    int nc = dssc_portable::NC;
#if DS_X86
    if (path >= DS_PATH_AVX512_VNNI) task = &dssc_avx512::run, nc = dssc_avx512::NC;
    else if (path >= DS_PATH_AVX2) task = &dssc_avx2::run, nc = dssc_avx2::NC;
#endif
    for (int s0 = 0; s0 < n; s0 += group) {
        const int ns = std::min(group, n - s0), cols = ns * P;
        const size_t ldc = (size_t) cols;
        ds_unfold_rows(x, s0, ns, cin, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, col, ldc, 0, K);  // row (c, ki, kj)
        const SmallJob a{col, ldc, K, cols, wpack, b, cout, P, relu, map + (size_t) s0 * cout * P};
        // tasks: groups of nc blocks (the weight split over threads: each streams its share once)
        const int groupsOfBlocks = (blocks + nc - 1) / nc;
        const int parts = std::max(1, std::min(groupsOfBlocks, 4 * std::max(1, threads)));
        const double flops = 2.0 * K * cols * cout;
        ds_parallel(parts, flops > SMALL_PARALLEL_MIN_FLOPS ? threads : 1, [&](int t) {
            const int g0 = (int) ((long) groupsOfBlocks * t / parts), g1 = (int) ((long) groupsOfBlocks * (t + 1) / parts);
            task(a, g0 * nc, std::min(blocks, g1 * nc), 0, cols);
        });
    }
    if (!pool) return;
    const int planes = n * cout;
    for (int pl = 0; pl < planes; pl++) ds_max_pool2_f32(map + (size_t) pl * P, ho, wo, y + (size_t) pl * (ho / 2) * (wo / 2));
}
