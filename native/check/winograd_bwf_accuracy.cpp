// Accuracy and speed of the native Winograd F(4x4, 3x3) backward-filter on the conv shapes of vgg45m
// training at 64x64 (batch given as argv[1], default 32): for each shape, the relative Frobenius error
// ||dw - dw_ref|| / ||dw_ref|| against a double-precision direct reference, next to that of a float32
// direct sum (what an im2col GEMM computes, up to its summation order), for x ~ N(0,1) and for x =
// relu(N(0,1)) (post-ReLU activations), dy ~ N(0,1); then the kernel's median time on each path at
// 1 and 2 threads. Build and run: native/check/run_bwf_accuracy.sh.
#include "../src/ds_dispatch.cpp"
#include "../src/ds_depthwise.cpp"
#include "../src/ds_winograd.cpp"
#include "../src/ds_winograd_bwf.cpp"
#include <chrono>
#include <cstdio>
#include <random>

static std::vector<float> randn(std::mt19937& rng, size_t n, bool relu) {
    std::normal_distribution<float> nd;
    std::vector<float> v(n);
    for (auto& x : v) x = relu ? std::max(0.f, nd(rng)) : nd(rng);
    return v;
}

// dw in double (D = double) or float (D = float) by direct sums over images and output pixels.
template <class D>
static std::vector<D> direct(const std::vector<float>& x, const std::vector<float>& dy, int n, int cin, int h, int w, int cout) {
    std::vector<D> dw((size_t) cout * cin * 9, 0);
    for (int co = 0; co < cout; co++)
        for (int ci = 0; ci < cin; ci++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) {
                    D acc = 0;
                    for (int b = 0; b < n; b++) {
                        const float* g = dy.data() + ((size_t) b * cout + co) * h * w;
                        const float* xp = x.data() + ((size_t) b * cin + ci) * h * w;
                        for (int oh = std::max(0, 1 - i); oh < std::min(h, h + 1 - i); oh++) {
                            int ih = oh - 1 + i;
                            for (int ow = std::max(0, 1 - j); ow < std::min(w, w + 1 - j); ow++)
                                acc += (D) g[oh * w + ow] * (D) xp[ih * w + ow - 1 + j];
                        }
                    }
                    dw[(((size_t) co * cin + ci) * 3 + i) * 3 + j] = acc;
                }
    return dw;
}

template <class D>
static double rel(const std::vector<D>& got, const std::vector<double>& want) {
    double num = 0, den = 0;
    for (size_t i = 0; i < want.size(); i++) {
        double d = (double) got[i] - want[i];
        num += d * d;
        den += want[i] * want[i];
    }
    return std::sqrt(num / den);
}

int main(int argc, char** argv) {
    int n = argc > 1 ? std::atoi(argv[1]) : 32;
    struct Shape { int cin, cout, hw; };
    const Shape shapes[] = {{3, 64, 64}, {64, 64, 64}, {64, 128, 32}, {128, 128, 32}, {128, 256, 16}, {256, 256, 16}, {256, 512, 8}, {512, 128, 4}};
    std::mt19937 rng(11);
    std::printf("| cin->cout @map | batch | F4 rel. error, x~N(0,1) | float32 direct | F4 rel. error, x=relu(N) | float32 direct |");
    for (int path = 0; path <= ds_best_path(); path++) std::printf(" %s ms 1t / 2t |", ds_path_name(path));
    std::printf("\n|---|---|---|---|---|---|");
    for (int path = 0; path <= ds_best_path(); path++) std::printf("---|");
    std::printf("\n");
    for (const Shape& s : shapes) {
        std::printf("| %d->%d @%d | %d |", s.cin, s.cout, s.hw, n);
        std::vector<float> x, dy;
        for (int relu = 0; relu < 2; relu++) {
            x = randn(rng, (size_t) n * s.cin * s.hw * s.hw, relu);
            dy = randn(rng, (size_t) n * s.cout * s.hw * s.hw, false);
            auto ref = direct<double>(x, dy, n, s.cin, s.hw, s.hw, s.cout);
            auto f32 = direct<float>(x, dy, n, s.cin, s.hw, s.hw, s.cout);
            std::vector<float> got(ref.size());
            ds_winograd_f4_backward_filter(ds_best_path(), 2, x.data(), dy.data(), n, s.cin, s.hw, s.hw, s.cout, got.data());
            std::printf(" %.2e | %.2e |", rel(got, ref), rel(f32, ref));
        }
        std::vector<float> got((size_t) s.cout * s.cin * 9);
        for (int path = 0; path <= ds_best_path(); path++) {
            std::printf(" ");
            for (int threads = 1; threads <= 2; threads++) {
                std::vector<double> ms;
                for (int r = 0; r < 5; r++) {
                    auto t0 = std::chrono::steady_clock::now();
                    ds_winograd_f4_backward_filter(path, threads, x.data(), dy.data(), n, s.cin, s.hw, s.hw, s.cout, got.data());
                    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
                }
                std::sort(ms.begin(), ms.end());
                std::printf(threads == 1 ? "%.1f / " : "%.1f |", ms[2]);
            }
        }
        std::printf("\n");
        std::fflush(stdout);
    }
    return 0;
}
