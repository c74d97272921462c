// Spike (not part of the engine): would an int8 Winograd F(2x2, 3x3) convolution beat the direct int8
// kernel, and at what cost in accuracy? One thread, CPU time, AVX-512 VNNI only.
//
// Scheme: input codes u = q - zero (0..255 after ReLU) are transformed exactly (V = B^T d B, int16,
// |V| <= 1020), then requantized to s8 with one scale per (tile, position) over all channels (the scale
// factors out of the channel sum); weights are transformed exactly (U' = 2G w 2G^T, integers) and
// requantized to s8 per (output channel, position). 16 GEMMs of u8 (Vq + 128) x s8 (Uq) with vpdpbusd,
// then M = (acc - 128 * sum Uq) * sU * sV, the output transform A^T M A, / 4. The spatial direct kernel
// (ds_int8_conv2d_forward) gives the exact integer sums to compare with.
//
// Build and run: benchmarks/native/int8_winograd_spike.sh
#include "../../native/src/ds_dispatch.cpp"
#include "../../native/src/ds_int8.cpp"
#include "../../native/src/ds_int8_conv.cpp"
#include <chrono>
#include <cstdio>
#include <random>
#include <time.h>

namespace spike {

double cpu_now() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

double phase[4];  // transform, requantize, GEMMs, output transform (CPU s, all calls)
constexpr int CB = 8;    // output channels per weight block
constexpr int NBV = 3;   // 16-tile vectors per micro-kernel call

struct Packed {
    int cin, cout, C4, nb;
    std::vector<int8_t> uq;     // [pos][block][c4][CB][4]
    std::vector<float> su;      // [pos][cout]
    std::vector<int32_t> usum;  // [pos][cout]
};

Packed pack(const int8_t* w, int cout, int cin) {
    Packed p{cin, cout, (cin + 3) / 4, (cout + CB - 1) / CB, {}, {}, {}};
    static const int G2[4][3] = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};
    std::vector<int32_t> U((size_t) 16 * cout * cin);
    for (int o = 0; o < cout; o++)
        for (int c = 0; c < cin; c++) {
            const int8_t* g = w + ((size_t) o * cin + c) * 9;
            int t[4][3];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 3; j++) t[i][j] = G2[i][0] * g[j] + G2[i][1] * g[3 + j] + G2[i][2] * g[6 + j];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) U[((size_t) (i * 4 + j) * cout + o) * cin + c] = G2[j][0] * t[i][0] + G2[j][1] * t[i][1] + G2[j][2] * t[i][2];
        }
    p.uq.assign((size_t) 16 * p.nb * p.C4 * CB * 4, 0);
    p.su.assign((size_t) 16 * cout, 1.f);
    p.usum.assign((size_t) 16 * cout, 0);
    for (int pos = 0; pos < 16; pos++)
        for (int o = 0; o < cout; o++) {
            const int32_t* u = &U[((size_t) pos * cout + o) * cin];
            int mx = 0;
            for (int c = 0; c < cin; c++) mx = std::max(mx, std::abs(u[c]));
            float s = mx > 0 ? mx / 127.f : 1.f;
            p.su[pos * cout + o] = s;
            int32_t sum = 0;
            for (int c = 0; c < cin; c++) {
                int q = (int) std::lrintf(u[c] / s);
                q = std::max(-127, std::min(127, q));
                sum += q;
                p.uq[((((size_t) pos * p.nb + o / CB) * p.C4 + c / 4) * CB + o % CB) * 4 + c % 4] = (int8_t) q;
            }
            p.usum[pos * cout + o] = sum;
        }
    return p;
}

// acc[r][v] over all c4 of one position: NB vectors of 16 tiles x CB channels.
template <int NB>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void micro(const uint8_t* xv, size_t vecStride, const int8_t* wb, int C4, __m512i acc[CB][NBV]) {
    for (int r = 0; r < CB; r++)
        for (int v = 0; v < NB; v++) acc[r][v] = _mm512_setzero_si512();
    for (int c4 = 0; c4 < C4; c4++) {
        __m512i x[NB];
        for (int v = 0; v < NB; v++) x[v] = _mm512_loadu_si512(xv + v * vecStride + (size_t) c4 * 64);
        for (int r = 0; r < CB; r++) {
            int32_t w4;
            std::memcpy(&w4, wb + ((size_t) c4 * CB + r) * 4, 4);
            const __m512i b = _mm512_set1_epi32(w4);
            for (int v = 0; v < NB; v++) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], x[v], b);
        }
    }
}

// y (cout, h, w) = conv of codes u (cin, h, w; 0..255), pad 1, in units of u * w, through int8 Winograd.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void forward(const Packed& p, const uint8_t* u, int h, int w, float* y) {
    const int th = (h + 1) / 2, tw = (w + 1) / 2, cin = p.cin, cout = p.cout;
    const int rowsPerBlock = std::max(1, (16 * NBV + tw - 1) / tw / 1);
    std::vector<int16_t> V, E, O, R;
    std::vector<uint8_t> xv;
    std::vector<float> sv, M;
    for (int ty0 = 0; ty0 < th; ty0 += rowsPerBlock) {
        const int ty1 = std::min(th, ty0 + rowsPerBlock), nt = (ty1 - ty0) * tw, nv = (nt + 15) / 16, nt16 = nv * 16;
        V.assign((size_t) cin * 16 * nt16, 0);
        E.assign(tw + 2, 0);
        O.assign(tw + 2, 0);
        R.assign((size_t) 4 * 4 * tw, 0);
        double ph0 = cpu_now();
        // exact transform: rows first (even/odd columns), then the 4 rows of each tile row
        for (int c = 0; c < cin; c++) {
            const uint8_t* uc = u + (size_t) c * h * w;
            for (int ty = ty0; ty < ty1; ty++) {
                for (int r = 0; r < 4; r++) {
                    const int iy = 2 * ty - 1 + r;
                    int16_t* rr = &R[(size_t) r * 4 * tw];
                    if (iy < 0 || iy >= h) {
                        std::fill(rr, rr + 4 * tw, 0);
                        continue;
                    }
                    const uint8_t* row = uc + (size_t) iy * w;
                    // E[j] = u[2j], O[j + 1] = u[2j + 1] (O[0] = the left padding), E[tw] = the right padding
                    for (int j = 0; j <= tw; j++) {
                        E[j] = 2 * j < w ? row[2 * j] : 0;
                        O[j + 1] = 2 * j + 1 < w ? row[2 * j + 1] : 0;
                    }
                    O[0] = 0;
                    // d0 = u[2tx-1] = O[tx], d1 = E[tx], d2 = O[tx+1], d3 = E[tx+1]
                    for (int tx = 0; tx < tw; tx++) {
                        rr[tx] = O[tx] - O[tx + 1];
                        rr[tw + tx] = E[tx] + O[tx + 1];
                        rr[2 * tw + tx] = O[tx + 1] - E[tx];
                        rr[3 * tw + tx] = E[tx] - E[tx + 1];
                    }
                }
                int16_t* vc = &V[(size_t) c * 16 * nt16 + (size_t) (ty - ty0) * tw];
                for (int k = 0; k < 4; k++) {
                    const int16_t *r0 = &R[(size_t) (0 * 4 + k) * tw], *r1 = &R[(size_t) (1 * 4 + k) * tw];
                    const int16_t *r2 = &R[(size_t) (2 * 4 + k) * tw], *r3 = &R[(size_t) (3 * 4 + k) * tw];
                    for (int tx = 0; tx < tw; tx++) {
                        vc[(size_t) (0 * 4 + k) * nt16 + tx] = r0[tx] - r2[tx];
                        vc[(size_t) (1 * 4 + k) * nt16 + tx] = r1[tx] + r2[tx];
                        vc[(size_t) (2 * 4 + k) * nt16 + tx] = r2[tx] - r1[tx];
                        vc[(size_t) (3 * 4 + k) * nt16 + tx] = r1[tx] - r3[tx];
                    }
                }
            }
        }
        double ph1 = cpu_now();
        phase[0] += ph1 - ph0;
        // one scale per (position, tile) over the channels; codes + 128 as u8, [pos][vec][c4][16][4]
        sv.assign((size_t) 16 * nt16, 1.f);
        xv.assign((size_t) 16 * nv * p.C4 * 64, 128);
        for (int pos = 0; pos < 16; pos++) {
            std::vector<int> mx(nt16, 0);
            for (int c = 0; c < cin; c++) {
                const int16_t* vp = &V[((size_t) c * 16 + pos) * nt16];
                for (int t = 0; t < nt16; t++) mx[t] = std::max(mx[t], (int) std::abs(vp[t]));
            }
            std::vector<float> inv(nt16);
            for (int t = 0; t < nt16; t++) {
                float s = mx[t] > 127 ? mx[t] / 127.f : 1.f;  // values within s8 stay exact
                sv[(size_t) pos * nt16 + t] = s;
                inv[t] = 1.f / s;
            }
            for (int c = 0; c < cin; c++) {
                const int16_t* vp = &V[((size_t) c * 16 + pos) * nt16];
                for (int t = 0; t < nt16; t++) {
                    int q = (int) std::lrintf(vp[t] * inv[t]);
                    q = std::max(-127, std::min(127, q));
                    xv[(((size_t) pos * nv + t / 16) * p.C4 + c / 4) * 64 + (t % 16) * 4 + c % 4] = (uint8_t) (q + 128);
                }
            }
        }
        double ph2 = cpu_now();
        phase[1] += ph2 - ph1;
        // 16 GEMMs into M [pos][cout][nt16]
        M.assign((size_t) 16 * cout * nt16, 0.f);
        const size_t vecStride = (size_t) p.C4 * 64;
        for (int pos = 0; pos < 16; pos++)
            for (int b = 0; b < p.nb; b++) {
                const int8_t* wb = &p.uq[(((size_t) pos * p.nb + b) * p.C4) * CB * 4];
                for (int v0 = 0; v0 < nv; v0 += NBV) {
                    const int nb = std::min(NBV, nv - v0);
                    __m512i acc[CB][NBV];
                    const uint8_t* xp = &xv[((size_t) pos * nv + v0) * vecStride];
                    if (nb == 3) micro<3>(xp, vecStride, wb, p.C4, acc);
                    else if (nb == 2) micro<2>(xp, vecStride, wb, p.C4, acc);
                    else micro<1>(xp, vecStride, wb, p.C4, acc);
                    for (int r = 0; r < CB && b * CB + r < cout; r++) {
                        const int o = b * CB + r;
                        const __m512i corr = _mm512_set1_epi32(128 * p.usum[pos * cout + o]);
                        const __m512 s = _mm512_set1_ps(p.su[pos * cout + o]);
                        for (int v = 0; v < nb; v++) {
                            const int t0 = (v0 + v) * 16;
                            __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][v], corr)), s);
                            f = _mm512_mul_ps(f, _mm512_loadu_ps(&sv[(size_t) pos * nt16 + t0]));
                            _mm512_storeu_ps(&M[((size_t) pos * cout + o) * nt16 + t0], f);
                        }
                    }
                }
            }
        double ph3 = cpu_now();
        phase[2] += ph3 - ph2;
        // output transform A^T M A (A^T = [1 1 1 0; 0 1 -1 -1]) / 4, vectorized over tiles
        for (int o = 0; o < cout; o++)
            for (int t = 0; t < nt; t++) {
                float m[16];
                for (int pos = 0; pos < 16; pos++) m[pos] = M[((size_t) pos * cout + o) * nt16 + t];
                float a[2][4];
                for (int j = 0; j < 4; j++) {
                    a[0][j] = m[0 * 4 + j] + m[1 * 4 + j] + m[2 * 4 + j];
                    a[1][j] = m[1 * 4 + j] - m[2 * 4 + j] - m[3 * 4 + j];
                }
                const int ty = ty0 + t / tw, tx = t % tw;
                for (int i = 0; i < 2; i++) {
                    const int oy = 2 * ty + i;
                    if (oy >= h) continue;
                    const float y0 = a[i][0] + a[i][1] + a[i][2], y1 = a[i][1] - a[i][2] - a[i][3];
                    if (2 * tx < w) y[((size_t) o * h + oy) * w + 2 * tx] = 0.25f * y0;
                    if (2 * tx + 1 < w) y[((size_t) o * h + oy) * w + 2 * tx + 1] = 0.25f * y1;
                }
            }
        phase[3] += cpu_now() - ph3;
    }
}

}  // namespace spike

int main(int argc, char** argv) {
    using namespace spike;
    struct L { int cin, cout, hw; } layers[] = {{64, 64, 224}, {128, 256, 56}, {256, 512, 28}, {512, 512, 14}, {64, 64, 64}, {256, 256, 16}, {256, 512, 8}};
    std::mt19937 rng(7);
    std::normal_distribution<float> nd;
    std::printf("| layer | direct int8 ms | winograd int8 ms | speed-up | rel. RMS error, spatial int8 vs fp64 | winograd int8 vs fp64 | winograd vs spatial int8 |\n|---|---|---|---|---|---|---|\n");
    for (auto l : layers) {
        const int h = l.hw, w = l.hw, cin = l.cin, cout = l.cout;
        // activations: a smooth random field per channel (two 3x3 box blurs of noise), plus an offset, ReLU
        std::vector<float> a((size_t) cin * h * w), t1((size_t) h * w);
        for (int c = 0; c < cin; c++) {
            float off = 0.5f * nd(rng);
            float* ac = &a[(size_t) c * h * w];
            for (auto& v : t1) v = nd(rng);
            for (int pass = 0; pass < 2; pass++) {
                std::vector<float> t2((size_t) h * w, 0.f);
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++) {
                        float s = 0;
                        for (int di = -1; di <= 1; di++)
                            for (int dj = -1; dj <= 1; dj++) {
                                int ii = i + di, jj = j + dj;
                                if (ii >= 0 && ii < h && jj >= 0 && jj < w) s += t1[(size_t) ii * w + jj];
                            }
                        t2[(size_t) i * w + j] = s / 3.f;
                    }
                t1 = t2;
            }
            for (size_t i = 0; i < t1.size(); i++) ac[i] = std::max(0.f, t1[i] + off);
        }
        float amax = 0;
        for (float v : a) amax = std::max(amax, v);
        const float sa = amax / 255.f;
        std::vector<uint8_t> u(a.size());
        std::vector<int8_t> q(a.size());
        for (size_t i = 0; i < a.size(); i++) {
            int c = (int) std::lrintf(a[i] / sa);
            u[i] = (uint8_t) std::min(255, c);
            q[i] = (int8_t) (u[i] - 128);
        }
        std::vector<float> W((size_t) cout * cin * 9), sw(cout);
        std::vector<int8_t> wq(W.size());
        for (auto& v : W) v = nd(rng) * std::sqrt(2.f / (cin * 9));
        for (int o = 0; o < cout; o++) {
            float mx = 0;
            for (int i = 0; i < cin * 9; i++) mx = std::max(mx, std::fabs(W[(size_t) o * cin * 9 + i]));
            sw[o] = mx / 127.f;
            for (int i = 0; i < cin * 9; i++) wq[(size_t) o * cin * 9 + i] = (int8_t) std::lrintf(W[(size_t) o * cin * 9 + i] / sw[o]);
        }
        // direct int8 (exact integer sums, in units of u * w)
        std::vector<int8_t> dpack(ds_int8_conv2d_packed_bytes(cout, cin, 3, 3, 1));
        std::vector<int32_t> wsum(cout);
        ds_int8_conv2d_pack(wq.data(), cout, cin, 3, 3, 1, dpack.data(), wsum.data());
        std::vector<float> ones(cout, 1.f), yd((size_t) cout * h * w), yw(yd.size());
        auto direct = [&]() {
            ds_int8_conv2d_forward(DS_PATH_AVX512_VNNI, 1, q.data(), 1, cin, h, w, 1.f, -128, dpack.data(), wsum.data(), ones.data(), cout,
                                   nullptr, cout, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0.f, 0, yd.data(), h, w);
        };
        Packed p = pack(wq.data(), cout, cin);
        auto wino = [&]() { forward(p, u.data(), h, w, yw.data()); };
        direct();
        wino();
        double best[2] = {1e9, 1e9};
        for (double& v : phase) v = 0;
        for (int rep = 0; rep < 7; rep++) {
            double t0 = cpu_now();
            direct();
            double t1s = cpu_now();
            wino();
            double t2 = cpu_now();
            best[0] = std::min(best[0], t1s - t0);
            best[1] = std::min(best[1], t2 - t1s);
        }
        // errors against the fp64 conv of the unquantized a, W (sampled output channels)
        double e_s = 0, e_w = 0, e_ws = 0, n2 = 0;
        for (int o = 0; o < cout; o += std::max(1, cout / 16))
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) {
                    double ref = 0;
                    for (int c = 0; c < cin; c++)
                        for (int ki = 0; ki < 3; ki++)
                            for (int kj = 0; kj < 3; kj++) {
                                int ii = i + ki - 1, jj = j + kj - 1;
                                if (ii >= 0 && ii < h && jj >= 0 && jj < w)
                                    ref += (double) a[((size_t) c * h + ii) * w + jj] * W[(((size_t) o * cin + c) * 3 + ki) * 3 + kj];
                            }
                    const size_t at = ((size_t) o * h + i) * w + j;
                    double ys = (double) yd[at] * sa * sw[o], yv = (double) yw[at] * sa * sw[o];
                    e_s += (ys - ref) * (ys - ref);
                    e_w += (yv - ref) * (yv - ref);
                    e_ws += (yv - ys) * (yv - ys);
                    n2 += ref * ref;
                }
        std::printf("| %d→%d @%d | %.2f | %.2f | %.2f× | %.4f | %.4f | %.4f |\n", cin, cout, h, best[0] * 1e3, best[1] * 1e3, best[0] / best[1],
                    std::sqrt(e_s / n2), std::sqrt(e_w / n2), std::sqrt(e_ws / n2));
        std::printf("|  phases (ms per call): transform %.2f, requantize %.2f, GEMMs %.2f, output transform %.2f |\n", phase[0] / 7e-3,
                    phase[1] / 7e-3, phase[2] / 7e-3, phase[3] / 7e-3);
        std::fflush(stdout);
    }
    return 0;
}
