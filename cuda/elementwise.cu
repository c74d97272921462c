// Elementwise, reduction and small utility kernels the CUDA backend needs for every primitive that
// cuBLAS/cuDNN do not cover.
// Shapes: flat arrays of n elements unless stated; broadcasting through ds_index (ds_cuda.h).
// Layout: contiguous row-major outputs; inputs contiguous or strided as stated.
// Launch: 1-D grid-stride, DS_THREADS threads per block, blocks = min(ceil(n/256), 65535·8).
// Op codes follow the ordinals of io.deepslim.backend.UnaryOp / BinaryOp / ReduceOp.
#include "ds_cuda.h"
#include <math.h>

extern "C" __global__ void ds_fill_f32(float* y, float v, long long n) {
    DS_FOR(i, n) y[i] = v;
}

// y = op(a, alpha), a and y contiguous (may alias).
extern "C" __global__ void ds_unary_f32(int op, const float* a, float alpha, float* y, long long n) {
    DS_FOR(i, n) {
        float v = a[i], r;
        switch (op) {
            case 0: r = -v; break;                                   // NEG
            case 1: r = expf(v); break;                              // EXP
            case 2: r = logf(v); break;                              // LOG
            case 3: r = sqrtf(v); break;                             // SQRT
            case 4: r = fabsf(v); break;                             // ABS
            case 5: r = v > 0.f ? v : 0.f; break;                    // RELU
            case 6: r = 1.f / (1.f + expf(-v)); break;               // SIGMOID
            case 7: r = tanhf(v); break;                             // TANH
            case 8: r = v > 0.f ? 1.f : 0.f; break;                  // STEP
            case 9: r = v > 0.f ? 1.f : (v < 0.f ? -1.f : v); break; // SIGN (keeps ±0 and NaN)
            case 10: r = alpha * v; break;                           // SCALE
            case 11: r = v + alpha; break;                           // ADD_SCALAR
            case 12: r = powf(v, alpha); break;                      // POW
            case 13: r = 1.f / v; break;                             // RECIPROCAL
            case 14: r = fmaxf(v, alpha); break;                     // CLAMP_MIN
            default: r = fmaxf(v, 0.f) + log1pf(expf(-fabsf(v)));   // SOFTPLUS
        }
        y[i] = r;
    }
}

// out (contiguous, ix.shape) = op(a, b) with a and b read through ix's strides (broadcast = stride 0).
extern "C" __global__ void ds_binary_f32(int op, const float* a, const float* b, float* out, ds_index ix, long long n) {
    DS_FOR(i, n) {
        long long oa, ob;
        ds_offsets(ix, i, &oa, &ob);
        float x = a[oa], y = b[ob], r;
        switch (op) {
            case 0: r = x + y; break;
            case 1: r = x - y; break;
            case 2: r = x * y; break;
            case 3: r = x / y; break;
            case 4: r = (x != x || y != y) ? NAN : fmaxf(x, y); break; // MAX (NaN propagates as Java)
            case 5: r = (x != x || y != y) ? NAN : fminf(x, y); break; // MIN
            case 6: r = x > y ? 1.f : 0.f; break;                      // GT
            case 7: r = x == y ? 1.f : 0.f; break;                     // EQ
            default: r = y > 0.f ? x : 0.f;                            // MASK_POSITIVE
        }
        out[i] = r;
    }
}

// out (contiguous, ix.shape) = a read through ix.a_stride (a strided copy / contiguous-ization).
extern "C" __global__ void ds_copy_strided_f32(const float* a, float* out, ds_index ix, long long n) {
    // a is read through ix.a_stride and out written through ix.b_stride: either may be a strided view
    DS_FOR(i, n) {
        long long oa, ob;
        ds_offsets(ix, i, &oa, &ob);
        out[ob] = a[oa];
    }
}

// y += alpha * x
extern "C" __global__ void ds_axpy_f32(float alpha, const float* x, float* y, long long n) {
    DS_FOR(i, n) y[i] += alpha * x[i];
}

// a viewed as (outer, d, inner) → out (outer, inner); op 0 SUM, 1 MEAN, 2 MAX; double accumulation
// as the reference backend. One thread per output element.
extern "C" __global__ void ds_reduce_f32(int op, const float* a, float* out, int outer, int d, int inner) {
    DS_FOR(i, (long long)outer * inner) {
        long long o = i / inner, in = i % inner;
        const float* p = a + o * (long long)d * inner + in;
        if (op == 2) {
            float m = -INFINITY;
            for (int k = 0; k < d; k++) { float v = p[(long long)k * inner]; m = (v > m || v != v) ? v : m; }
            out[i] = m;
        } else {
            double s = 0;
            for (int k = 0; k < d; k++) s += p[(long long)k * inner];
            out[i] = (float)(op == 1 ? s / d : s);
        }
    }
}

// a (rows, cols) → out (rows) index of the first maximum, as float. One thread per row.
extern "C" __global__ void ds_argmax_lastdim_f32(const float* a, float* out, int rows, int cols) {
    DS_FOR(r, rows) {
        const float* p = a + r * (long long)cols;
        int best = 0;
        float bv = p[0];
        for (int c = 1; c < cols; c++) if (p[c] > bv) { bv = p[c]; best = c; }
        out[r] = (float)best;
    }
}

// Inverted dropout mask: 1/(1-p) where a counter-based hash of (seed, i) mapped to [0,1) is ≥ p.
// Not the CPU's SplittableRandom sequence: masks agree in distribution, not element by element.
extern "C" __global__ void ds_dropout_mask_f32(float* out, float p, unsigned long long seed, long long n) {
    float keep = 1.f / (1.f - p);
    DS_FOR(i, n) {
        unsigned long long z = seed + 0x9E3779B97F4A7C15ull * (unsigned long long)(i + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        double u = (double)(z >> 11) * (1.0 / 9007199254740992.0);
        out[i] = u >= p ? keep : 0.f;
    }
}

// Partial min/max: block b writes (min, max) of its grid-stride share to part[2b], part[2b+1].
// A second launch with one block over the partials (n = 2·blocks, pairs) finishes the reduction.
extern "C" __global__ void ds_minmax_partial_f32(const float* x, long long n, int pairs, float* part) {
    __shared__ float lo[DS_THREADS], hi[DS_THREADS];
    float l = INFINITY, h = -INFINITY;
    if (pairs) {
        for (long long i = threadIdx.x; i < n; i += blockDim.x) { l = fminf(l, x[2 * i]); h = fmaxf(h, x[2 * i + 1]); }
    } else {
        DS_FOR(i, n) { float v = x[i]; l = fminf(l, v); h = fmaxf(h, v); }
    }
    lo[threadIdx.x] = l;
    hi[threadIdx.x] = h;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            lo[threadIdx.x] = fminf(lo[threadIdx.x], lo[threadIdx.x + s]);
            hi[threadIdx.x] = fmaxf(hi[threadIdx.x], hi[threadIdx.x + s]);
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) { part[2 * blockIdx.x] = lo[0]; part[2 * blockIdx.x + 1] = hi[0]; }
}

// q = clamp(rint(x / scale) + zero, -128, 127) as int8; rintf rounds half to even like the reference.
extern "C" __global__ void ds_quantize_f32(const float* x, float inv_scale, int zero, signed char* q, long long n) {
    DS_FOR(i, n) {
        float v = rintf(x[i] * inv_scale) + (float)zero;
        q[i] = (signed char)fmaxf(-128.f, fminf(127.f, v));
    }
}

// Per-channel bias add over NCHW: y[n, c, p] += bias[c] (after cuBLAS products laid out as NCHW).
extern "C" __global__ void ds_bias_nchw_f32(float* y, const float* bias, int channels, int plane, long long n) {
    DS_FOR(i, n) y[i] += bias[(i / plane) % channels];
}
