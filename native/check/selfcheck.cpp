// Stand-alone check of the native kernels against naive double-precision references, outside the JVM.
// Its purpose is the platforms the JUnit suite cannot reach: native/check/run.sh cross-compiles it for
// arm64 (aarch64-linux-gnu-g++, static) and runs it under qemu-aarch64, so the portable path (the
// only one there) is compiled AND executed on that architecture. On x86 it checks every path the CPU has.
// Exit status 0 when every case is within its tolerance; each failure prints one line.
#include "../src/ds_dispatch.cpp"
#include "../src/ds_sparse.cpp"
#include "../src/ds_int8.cpp"
#include "../src/ds_int8_conv.cpp"
#include "../src/ds_quantize.cpp"
#include "../src/ds_depthwise.cpp"
#include "../src/ds_winograd.cpp"
#include "../src/ds_winograd_bwf.cpp"
#include "../src/ds_linear.cpp"
#include "../src/ds_small_conv.cpp"
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>

static std::mt19937 rng(7);
static int failures = 0, cases = 0;

static std::vector<float> randn(size_t n) {
    std::normal_distribution<float> nd;
    std::vector<float> v(n);
    for (auto& x : v) x = nd(rng);
    return v;
}

// max |got - want| <= tol * max(1, rms(want)).
static void expect_close(const std::string& what, const std::vector<float>& got, const std::vector<double>& want, double tol) {
    cases++;
    double rms = 0, worst = 0;
    for (double w : want) rms += w * w;
    rms = std::sqrt(rms / std::max<size_t>(1, want.size()));
    for (size_t i = 0; i < want.size(); i++) worst = std::max(worst, std::fabs(got[i] - want[i]));
    if (!(worst <= tol * std::max(1.0, rms))) {
        failures++;
        std::printf("FAIL %s: max error %.3g (rms %.3g, tol %.3g)\n", what.c_str(), worst, rms, tol);
    }
}

// Dense reference conv in double: x (n,cin,h,w), w (cout,cin/groups,kh,kw).
static std::vector<double> conv_ref(const std::vector<float>& x, int n, int cin, int h, int w, const std::vector<float>& wt,
                                    const float* bias, int cout, int k, int s, int p, int groups, int relu, int ho, int wo) {
    std::vector<double> y((size_t) n * cout * ho * wo);
    int cinG = cin / groups, coutG = cout / groups;
    for (int b = 0; b < n; b++)
        for (int co = 0; co < cout; co++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++) {
                    double acc = bias ? bias[co] : 0;
                    int g = co / coutG;
                    for (int c = 0; c < cinG; c++)
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++) {
                                int ih = oh * s - p + i, iw = ow * s - p + j;
                                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                                acc += (double) x[(((size_t) b * cin + g * cinG + c) * h + ih) * w + iw] *
                                       wt[(((size_t) co * cinG + c) * k + i) * k + j];
                            }
                    y[(((size_t) b * cout + co) * ho + oh) * wo + ow] = relu && acc < 0 ? 0 : acc;
                }
    return y;
}

static int sparse_samples = 2;  // samples per check_sparse_conv call

static void check_sparse_conv(int path, int cin, int cout, int hw, int k, int s, int groups, double keep, int pool = 0) {
    int n = sparse_samples, p = k / 2, ho = (hw + 2 * p - k) / s + 1;
    auto x = randn((size_t) n * cin * hw * hw), wt = randn((size_t) cout * (cin / groups) * k * k), bias = randn(cout);
    std::uniform_real_distribution<float> ud;
    for (auto& v : wt) if (ud(rng) > keep) v = 0;
    std::vector<int32_t> rowptr(cout + 1), kidx;
    std::vector<float> vals;
    int per = (cin / groups) * k * k;
    for (int co = 0; co < cout; co++) {
        for (int i = 0; i < per; i++)
            if (wt[(size_t) co * per + i] != 0) { kidx.push_back(i); vals.push_back(wt[(size_t) co * per + i]); }
        rowptr[co + 1] = (int32_t) vals.size();
    }
    kidx.push_back(0); vals.push_back(0);  // never empty
    const int hp = pool ? ho / 2 : ho;  // with pool: the 2x2 stride-2 max-pool of the ReLU'd conv
    std::vector<float> y((size_t) n * cout * hp * hp);
    ds_sparse_conv2d_forward(path, 2, x.data(), n, cin, hw, hw, rowptr.data(), kidx.data(), vals.data(), bias.data(),
                             cout, k, k, s, s, p, p, 1, 1, groups, 1, pool, y.data(), ho, ho);
    auto want = conv_ref(x, n, cin, hw, hw, wt, bias.data(), cout, k, s, p, groups, 1, ho, ho);
    if (pool) {
        std::vector<double> pooled((size_t) n * cout * hp * hp);
        for (size_t m = 0; m < (size_t) n * cout; m++)
            for (int i = 0; i < hp; i++)
                for (int j = 0; j < hp; j++) {
                    const double* r0 = &want[(m * ho + 2 * i) * ho + 2 * j];
                    pooled[(m * hp + i) * hp + j] = std::max(std::max(r0[0], r0[1]), std::max(r0[ho], r0[ho + 1]));
                }
        want = pooled;
    }
    char what[160];
    std::snprintf(what, sizeof what, "sparse conv %s cin=%d cout=%d hw=%d k=%d s=%d g=%d keep=%.2f pool=%d", ds_path_name(path), cin, cout, hw, k, s,
                  groups, keep, pool);
    expect_close(what, y, want, 1e-5);
    // the same weights as a named pack: offsets prepared on the first call, cached for the second (same output)
    static int64_t pack = 0;
    pack++;
    for (int call = 0; call < 2; call++) {
        std::fill(y.begin(), y.end(), -1.f);
        ds_sparse_conv2d_forward_pack(pack, path, 2, x.data(), n, cin, hw, hw, rowptr.data(), kidx.data(), vals.data(), bias.data(),
                                      cout, k, k, s, s, p, p, 1, 1, groups, 1, pool, y.data(), ho, ho);
        expect_close(std::string(what) + (call ? " packed, cached" : " packed"), y, want, 1e-5);
    }
}

static void check_sparse_linear(int path, int m, int k, int nout) {
    auto x = randn((size_t) m * k), wt = randn((size_t) nout * k), bias = randn(nout);
    std::vector<int32_t> rowptr(nout + 1), cols;
    std::vector<float> vals;
    for (int o = 0; o < nout; o++) {
        for (int i = 0; i < k; i++)
            if ((i * 7 + o) % 5 == 0) { cols.push_back(i); vals.push_back(wt[(size_t) o * k + i]); } else wt[(size_t) o * k + i] = 0;
        rowptr[o + 1] = (int32_t) vals.size();
    }
    cols.push_back(0); vals.push_back(0);
    std::vector<float> y((size_t) m * nout);
    ds_sparse_linear_forward(path, 2, x.data(), m, k, rowptr.data(), cols.data(), vals.data(), bias.data(), nout, 0, y.data());
    std::vector<double> want((size_t) m * nout);
    for (int r = 0; r < m; r++)
        for (int o = 0; o < nout; o++) {
            double acc = bias[o];
            for (int i = 0; i < k; i++) acc += (double) x[(size_t) r * k + i] * wt[(size_t) o * k + i];
            want[(size_t) r * nout + o] = acc;
        }
    expect_close(std::string("sparse linear ") + ds_path_name(path) + " m=" + std::to_string(m) + " k=" + std::to_string(k), y, want, 1e-5);
}

static std::vector<int8_t> rand_codes(size_t n, int lo, int hi) {
    std::uniform_int_distribution<int> ud(lo, hi);
    std::vector<int8_t> v(n);
    for (auto& q : v) q = (int8_t) ud(rng);
    return v;
}

static void check_int8_linear(int path, int m, int k, int nout) {
    auto xq = rand_codes((size_t) m * k, -128, 127), wq = rand_codes((size_t) nout * k, -127, 127);
    int k4 = ds_int8_packed_k(k), xz = 3;
    std::vector<int8_t> packed((size_t) nout * k4, 0);
    std::vector<int32_t> wsum(nout, 0);
    for (int o = 0; o < nout; o++)
        for (int i = 0; i < k; i++) { packed[(size_t) o * k4 + i] = wq[(size_t) o * k + i]; wsum[o] += wq[(size_t) o * k + i]; }
    auto wscale = randn(nout), bias = randn(nout);
    for (auto& s : wscale) s = 0.01f + std::fabs(s) * 0.01f;
    float xs = 0.02f;
    std::vector<float> y((size_t) m * nout);
    ds_int8_linear_forward(path, 2, xq.data(), m, k, xs, xz, packed.data(), wsum.data(), wscale.data(), nout, bias.data(), nout, 0, y.data());
    std::vector<double> want((size_t) m * nout);
    for (int r = 0; r < m; r++)
        for (int o = 0; o < nout; o++) {
            long long acc = 0;
            for (int i = 0; i < k; i++) acc += (long long) (xq[(size_t) r * k + i] - xz) * wq[(size_t) o * k + i];
            want[(size_t) r * nout + o] = (double) xs * wscale[o] * acc + bias[o];
        }
    expect_close(std::string("int8 linear ") + ds_path_name(path) + " m=" + std::to_string(m) + " k=" + std::to_string(k), y, want, 1e-5);
}

static void check_int8_conv(int path, int cin, int cout, int hw, int s) {
    int n = 1, k = 3, p = 1, ho = (hw + 2 - 3) / s + 1, xz = -2;
    auto xq = rand_codes((size_t) n * cin * hw * hw, -128, 127), wq = rand_codes((size_t) cout * cin * 9, -127, 127);
    std::vector<int8_t> packed(ds_int8_conv2d_packed_bytes(cout, cin, k, k, 1));
    std::vector<int32_t> wsum(cout);
    ds_int8_conv2d_pack(wq.data(), cout, cin, k, k, 1, packed.data(), wsum.data());
    auto wscale = randn(cout), bias = randn(cout);
    for (auto& v : wscale) v = 0.01f + std::fabs(v) * 0.01f;
    float xs = 0.05f;
    std::vector<float> y((size_t) n * cout * ho * ho);
    ds_int8_conv2d_forward(path, 2, xq.data(), n, cin, hw, hw, xs, xz, packed.data(), wsum.data(), wscale.data(), cout,
                           bias.data(), cout, k, k, s, s, p, p, 1, 1, 1, 1, 0, 0.f, 0, y.data(), ho, ho);
    // Reference: padding holds the code xz, so padded taps contribute (xz - xz) * w = 0.
    std::vector<float> xf(xq.size()), wf(wq.begin(), wq.end());
    for (size_t i = 0; i < xq.size(); i++) xf[i] = (float) (xq[i] - xz);
    auto acc = conv_ref(xf, n, cin, hw, hw, wf, nullptr, cout, k, s, p, 1, 0, ho, ho);
    std::vector<double> want(acc.size());
    for (size_t i = 0; i < acc.size(); i++) {
        int co = (int) (i / ((size_t) ho * ho)) % cout;
        double v = (double) xs * wscale[co] * acc[i] + bias[co];
        want[i] = v < 0 ? 0 : v;
    }
    expect_close(std::string("int8 conv ") + ds_path_name(path) + " cin=" + std::to_string(cin) + " hw=" + std::to_string(hw) +
                 " s=" + std::to_string(s), y, want, 1e-5);
}

static void check_quantize() {
    auto x = randn(1031);
    std::vector<int8_t> q(x.size());
    float scale = 0.03f;
    int zero = 5;
    ds_quantize_s8(2, x.data(), (int64_t) x.size(), scale, zero, q.data());
    cases++;
    for (size_t i = 0; i < x.size(); i++) {
        float r = std::nearbyint(x[i] * (1.0f / scale)) + zero;
        int want = (int) std::min(127.f, std::max(-128.f, r));
        if (q[i] != want) {
            failures++;
            std::printf("FAIL quantize at %zu: %d vs %d\n", i, q[i], want);
            return;
        }
    }
}

static void check_separable(int path, int cin, int cout, int hw, int stride, bool depthwise, bool pool) {
    int n = 2, groups = depthwise ? cin : 1, cmid = cin, ho = (hw - 1) / stride + 1;
    auto x = randn((size_t) n * cin * hw * hw), sw = randn((size_t) cmid * (cin / groups) * 9), sb = randn(cmid);
    auto pw = randn((size_t) cout * cmid), pb = randn(cout);
    int yo = pool ? ho / 2 : ho;
    std::vector<float> y((size_t) n * cout * yo * yo);
    ds_separable3x3_forward(path, 2, x.data(), n, cin, hw, hw, sw.data(), sb.data(), cmid, groups, stride,
                            pw.data(), pb.data(), cout, 1, pool ? 1 : 0, y.data());
    auto mid = conv_ref(x, n, cin, hw, hw, sw, sb.data(), cmid, 3, stride, 1, groups, 0, ho, ho);
    std::vector<double> full((size_t) n * cout * ho * ho);
    for (int b = 0; b < n; b++)
        for (int co = 0; co < cout; co++)
            for (int i = 0; i < ho * ho; i++) {
                double acc = pb[co];
                for (int c = 0; c < cmid; c++) acc += pw[(size_t) co * cmid + c] * mid[((size_t) b * cmid + c) * ho * ho + i];
                full[((size_t) b * cout + co) * ho * ho + i] = acc < 0 ? 0 : acc;
            }
    std::vector<double> want((size_t) n * cout * yo * yo);
    for (int b = 0; b < n; b++)
        for (int co = 0; co < cout; co++)
            for (int r = 0; r < yo; r++)
                for (int c = 0; c < yo; c++) {
                    const double* plane = &full[((size_t) b * cout + co) * ho * ho];
                    double v = pool ? std::max(std::max(plane[2 * r * ho + 2 * c], plane[2 * r * ho + 2 * c + 1]),
                                               std::max(plane[(2 * r + 1) * ho + 2 * c], plane[(2 * r + 1) * ho + 2 * c + 1]))
                                    : plane[r * ho + c];
                    want[(((size_t) b * cout + co) * yo + r) * yo + c] = v;
                }
    char what[160];
    std::snprintf(what, sizeof what, "separable %s cin=%d cout=%d hw=%d s=%d %s%s", ds_path_name(path), cin, cout, hw, stride,
                  depthwise ? "depthwise" : "dense", pool ? " pool" : "");
    expect_close(what, y, want, 1e-4);
}

// planes (h, w) of a double map, 2x2 / 2 max-pooled (floor) when pool, else as they are.
static std::vector<double> pooled_ref(const std::vector<double>& full, size_t planes, int h, int w, bool pool) {
    int yh = pool ? h / 2 : h, yw = pool ? w / 2 : w;
    std::vector<double> want(planes * yh * yw);
    for (size_t p = 0; p < planes; p++)
        for (int i = 0; i < yh; i++)
            for (int j = 0; j < yw; j++) {
                const double* f = full.data() + p * h * w;
                want[(p * yh + i) * yw + j] = pool ? std::max(std::max(f[2 * i * w + 2 * j], f[2 * i * w + 2 * j + 1]),
                                                              std::max(f[(2 * i + 1) * w + 2 * j], f[(2 * i + 1) * w + 2 * j + 1]))
                                                   : f[i * w + j];
            }
    return want;
}

// Winograd F(4x4, 3x3), stride 1 pad 1, bias + ReLU, optionally the 2x2 max-pool, against the double conv.
static void check_winograd(int path, int n, int cin, int cout, int h, int w, bool pool) {
    auto x = randn((size_t) n * cin * h * w), wt = randn((size_t) cout * cin * 9), b = randn(cout);
    auto full = conv_ref(x, n, cin, h, w, wt, b.data(), cout, 3, 1, 1, 1, 1, h, w);
    auto want = pooled_ref(full, (size_t) n * cout, h, w, pool);
    std::vector<float> u(ds_winograd_f4_packed_floats(cin, cout)), y(want.size(), NAN);
    ds_winograd_f4_pack(wt.data(), cout, cin, u.data());
    ds_winograd_f4_forward(path, 2, x.data(), n, cin, h, w, u.data(), b.data(), cout, 1, pool ? 1 : 0, y.data());
    expect_close(std::string("winograd ") + ds_path_name(path) + " " + std::to_string(cin) + "->" + std::to_string(cout) + " "
                 + std::to_string(h) + "x" + std::to_string(w) + (pool ? " pool" : ""), y, want, 2e-4);
}

// The small-map dense conv (square kernel k, stride s, padding k/2, ReLU, optional pool) against the double reference.
static void check_small_conv(int path, int n, int cin, int cout, int hw, int k, int s, bool pool) {
    const int ho = (hw + 2 * (k / 2) - k) / s + 1;
    auto x = randn((size_t) n * cin * hw * hw), wt = randn((size_t) cout * cin * k * k), b = randn(cout);
    auto full = conv_ref(x, n, cin, hw, hw, wt, b.data(), cout, k, s, k / 2, 1, 1, ho, ho);
    auto want = pooled_ref(full, (size_t) n * cout, ho, ho, pool);
    std::vector<float> u(ds_small_conv_packed_floats(cout, cin * k * k)), y(want.size(), NAN);
    ds_small_conv_pack(wt.data(), cout, cin * k * k, u.data());
    ds_small_conv_forward(path, 2, x.data(), n, cin, hw, hw, u.data(), b.data(), cout, k, k, s, s, k / 2, k / 2, 1, 1, 1, pool ? 1 : 0,
                          y.data(), ho, ho);
    expect_close(std::string("small-map conv ") + ds_path_name(path) + " " + std::to_string(cin) + "->" + std::to_string(cout) + " "
                 + std::to_string(hw) + "x" + std::to_string(hw) + " k" + std::to_string(k) + " s" + std::to_string(s) + (pool ? " pool" : ""),
                 y, want, 1e-4);
}

// dw (cout, cin, 3, 3) of a 3x3 stride-1 pad-1 conv in double: sum over images and pixels of dy * x (shifted).
static std::vector<double> conv_bwf_ref(const std::vector<float>& x, const std::vector<float>& dy, int n, int cin, int h, int w,
                                        int cout) {
    std::vector<double> dw((size_t) cout * cin * 9, 0.0);
    for (int b = 0; b < n; b++)
        for (int co = 0; co < cout; co++)
            for (int ci = 0; ci < cin; ci++)
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++) {
                        double acc = 0;
                        for (int oh = 0; oh < h; oh++) {
                            int ih = oh - 1 + i;
                            if (ih < 0 || ih >= h) continue;
                            for (int ow = 0; ow < w; ow++) {
                                int iw = ow - 1 + j;
                                if (iw < 0 || iw >= w) continue;
                                acc += (double) dy[(((size_t) b * cout + co) * h + oh) * w + ow] * x[(((size_t) b * cin + ci) * h + ih) * w + iw];
                            }
                        }
                        dw[(((size_t) co * cin + ci) * 3 + i) * 3 + j] += acc;
                    }
    return dw;
}

// Winograd F(4x4, 3x3) backward-filter against the double reference: relative Frobenius error within tol.
static void check_winograd_bwf(int path, int n, int cin, int cout, int h, int w, double tol) {
    auto x = randn((size_t) n * cin * h * w), dy = randn((size_t) n * cout * h * w);
    auto want = conv_bwf_ref(x, dy, n, cin, h, w, cout);
    std::vector<float> got(want.size(), NAN);
    ds_winograd_f4_backward_filter(path, 2, x.data(), dy.data(), n, cin, h, w, cout, got.data());
    cases++;
    double num = 0, den = 0;
    for (size_t i = 0; i < want.size(); i++) {
        double d = got[i] - want[i];
        num += d * d;
        den += want[i] * want[i];
    }
    double rel = std::sqrt(num / std::max(den, 1e-300));
    if (!(rel <= tol)) {
        failures++;
        std::printf("FAIL winograd backward-filter %s n%d %d->%d %dx%d: relative Frobenius error %.3g (tol %.3g)\n", ds_path_name(path), n,
                    cin, cout, h, w, rel, tol);
    }
}

// ds_parallel on the helper pool: a nested call runs every inner task once (inline), and callers on
// several threads at once (each asking for 2 threads; the pool serves one, the others work alone) get
// the same results as one caller alone. A watchdog ends the process if a call never returns (deadlock).
static std::atomic<bool> pool_check_done(false);

static void check_pool_concurrency() {
    // the watchdog only fires while this check runs (the rest of the self-check may take longer under qemu)
    std::thread([] {
        for (int s = 0; s < 120 * 10 && !pool_check_done.load(); s++) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (pool_check_done.load()) return;
        std::printf("FAIL pool concurrency: still running after 120 s (deadlock?)\n");
        std::fflush(stdout);
        _exit(1);
    }).detach();
    cases++;
    std::vector<std::atomic<int>> hits(8 * 16);
    for (auto& h : hits) h = 0;
    ds_parallel(8, 2, [&](int o) { ds_parallel(16, 2, [&](int i) { hits[o * 16 + i]++; }); });
    for (auto& h : hits) if (h != 1) { failures++; std::printf("FAIL nested ds_parallel: a task ran %d times\n", h.load()); break; }
    // one sparse conv layer (vector path when the CPU has one, pooled) run alone, then by 4 threads at once
    const int cin = 24, cout = 16, hw = 40, ho = hw;
    auto x = randn((size_t) cin * hw * hw), vals0 = randn((size_t) cout * cin * 9);
    std::vector<int32_t> rowptr(cout + 1), kidx;
    std::vector<float> vals;
    for (int co = 0; co < cout; co++) {
        for (int i = 0; i < cin * 9; i++) if ((i * 13 + co) % 4 == 0) { kidx.push_back(i); vals.push_back(vals0[(size_t) co * cin * 9 + i]); }
        rowptr[co + 1] = (int32_t) vals.size();
    }
    for (int pool = 0; pool <= 1; pool++) {
        cases++;
        const size_t ny = (size_t) cout * (pool ? (ho / 2) * (ho / 2) : ho * ho);
        auto run = [&](int threads, std::vector<float>& y) {
            ds_sparse_conv2d_forward(ds_best_path(), threads, x.data(), 1, cin, hw, hw, rowptr.data(), kidx.data(), vals.data(), nullptr,
                                     cout, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, pool, y.data(), ho, ho);
        };
        std::vector<float> want(ny);
        run(1, want);
        std::atomic<int> bad(0);
        std::vector<std::thread> callers;
        for (int c = 0; c < 4; c++) {
            callers.emplace_back([&] {
                std::vector<float> y(ny);
                for (int r = 0; r < 50; r++) {
                    run(2, y);
                    if (std::memcmp(y.data(), want.data(), sizeof(float) * ny) != 0) bad++;
                }
            });
        }
        for (auto& t : callers) t.join();
        if (bad) { failures++; std::printf("FAIL concurrent sparse conv pool=%d: %d of 200 calls differ from one caller alone\n", pool, bad.load()); }
    }
    pool_check_done = true;
}

int main() {
    std::printf("native self-check: best path %s\n", ds_path_name(ds_best_path()));
    if (const char* want = std::getenv("DS_EXPECT_PATH")) {  // run.sh: DS_MAX_PATH caps the detected path
        bool ok = std::strcmp(want, ds_path_name(ds_best_path())) == 0;
        std::printf("%s DS_MAX_PATH=%s: best path %s, expected %s\n", ok ? "ok" : "FAIL", std::getenv("DS_MAX_PATH") ? std::getenv("DS_MAX_PATH") : "(unset)",
                    ds_path_name(ds_best_path()), want);
        return ok ? 0 : 1;
    }
    check_quantize();
    check_pool_concurrency();
    for (int path = 0; path <= ds_best_path(); path++) {
        // column-split layout: the default policy (1), off (0), and forced wherever it applies (2: AVX2 too)
        for (int mode : {1, 0, 2}) {
            ds_sparse_kj_mode = mode;
            for (double keep : {0.05, 0.3}) {
                for (int hw : {1, 7, 31}) check_sparse_conv(path, 5, 6, hw, 3, 1, 1, keep);
                check_sparse_conv(path, 40, 5, 31, 3, 1, 1, keep, 1);
                check_sparse_conv(path, 8, 8, 30, 3, 1, 4, keep, 1);
            }
        }
        ds_sparse_kj_mode = 1;
        for (double keep : {0.1, 0.5}) {  // strided: stride-phase split on the vector paths, odd sizes
            for (int hw : {1, 7, 31}) check_sparse_conv(path, 5, 6, hw, 3, 2, 1, keep);
            check_sparse_conv(path, 12, 8, 30, 3, 2, 4, keep);       // grouped
            check_sparse_conv(path, 6, 4, 31, 3, 2, 1, keep, 1);     // pooled
            check_sparse_conv(path, 3, 5, 17, 5, 2, 1, keep);        // 5x5 (kernel 3x3 per phase)
            check_sparse_conv(path, 40, 7, 23, 3, 2, 1, keep);       // channel-blocked after the split (160 channels)
        }
        // the small-map path (im2col rows) on every shape (1 << 30), then off (0: padded-plane kernels), then the default
        for (int small : {1 << 30, 0}) {
            ds_sparse_small_max_positions(small);
            for (double keep : {0.05, 0.3}) {
                for (int hw : {1, 4, 7, 31}) check_sparse_conv(path, 5, 6, hw, 3, 1, 1, keep);
                check_sparse_conv(path, 40, 24, 4, 3, 1, 1, keep, 1);   // a 32 px model's 4x4 map, pooled
                check_sparse_conv(path, 12, 32, 10, 3, 1, 1, keep);      // chunk path (small-map path off): a single chunk
                check_sparse_conv(path, 12, 32, 10, 3, 1, 1, keep, 1);   // the same pooled: a single band
                check_sparse_conv(path, 8, 8, 9, 3, 2, 4, keep, 1);      // strided, grouped, pooled
                sparse_samples = 3;  // 14x14: two samples side by side in the small path's rows, then one
                check_sparse_conv(path, 9, 7, 14, 3, 1, 1, keep, 1);
                check_sparse_conv(path, 9, 7, 14, 3, 1, 1, keep);
                sparse_samples = 2;
            }
        }
        ds_sparse_small_max_positions(128);
        {  // a chunk-path shape's second packed call finds its offsets cached
            long hits = ds_sparse_plan_hits();
            check_sparse_conv(path, 40, 5, 31, 3, 1, 1, 0.2, 1);
            if (ds_sparse_plan_hits() != hits + 1) {
                failures++;
                std::printf("FAIL sparse plan cache %s: %ld hits, expected 1\n", ds_path_name(path), ds_sparse_plan_hits() - hits);
            }
        }
        for (double keep : {0.05, 0.3, 1.0}) {
            check_sparse_conv(path, 7, 9, 13, 3, 1, 1, keep);
            check_sparse_conv(path, 31, 17, 9, 3, 2, 1, keep);
            check_sparse_conv(path, 8, 8, 11, 3, 1, 4, keep);
            check_sparse_conv(path, 5, 3, 7, 1, 1, 1, keep);
            check_sparse_conv(path, 7, 9, 13, 3, 1, 1, keep, 1);    // pooled epilogue: odd map, row bands
            check_sparse_conv(path, 40, 5, 31, 3, 1, 1, keep, 1);   // pooled, channel-blocked on the vector paths
            check_sparse_conv(path, 6, 4, 15, 3, 2, 1, keep, 1);    // pooled, strided: portable loop + scratch pool
        }
        check_sparse_linear(path, 1, 1025, 7);
        check_sparse_linear(path, 7, 31, 33);
        check_int8_linear(path, 1, 1025, 7);
        check_int8_linear(path, 9, 31, 17);
        check_int8_conv(path, 3, 8, 13, 1);
        check_int8_conv(path, 17, 9, 10, 1);
        check_int8_conv(path, 7, 5, 9, 2);
        check_separable(path, 3, 16, 17, 1, false, true);
        check_separable(path, 32, 24, 15, 1, true, true);
        check_separable(path, 16, 8, 12, 2, true, false);
        check_winograd(path, 2, 17, 33, 13, 9, true);
        check_winograd(path, 1, 16, 16, 28, 70, false);
        check_small_conv(path, 1, 64, 40, 4, 3, 1, true);
        check_small_conv(path, 20, 9, 17, 2, 3, 1, false);  // 80 columns
        check_small_conv(path, 3, 5, 33, 7, 3, 2, false);   // strided: 4x4 out
        check_small_conv(path, 2, 4, 16, 4, 5, 1, true);
        check_winograd_bwf(path, 3, 17, 33, 13, 7, 1e-5);
        check_winograd_bwf(path, 1, 1, 1, 1, 1, 1e-5);
        check_winograd_bwf(path, 2, 3, 16, 5, 9, 1e-5);
        check_winograd_bwf(path, 4, 40, 24, 16, 16, 1e-5);
        check_winograd_bwf(path, 16, 64, 64, 32, 32, 1e-5);  // two image groups accumulate into dU
    }
    std::printf("%d cases, %d failures\n", cases, failures);
    return failures == 0 ? 0 : 1;
}
