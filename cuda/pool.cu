// Pooling kernels (max with argmax, average, adaptive average) forward and backward.
// cuDNN pooling is not used because the backend contract records the argmax as the flat index
// inside the input plane (the CPU backends' layout), which cuDNN does not expose.
// Shapes: x (planes = N·C, H, W), y (planes, Ho, Wo); argmax int32 shaped as y.
// Launch: 1-D grid-stride over output elements (forward) or input elements (backward).
#include "ds_cuda.h"
#include <math.h>

extern "C" __global__ void ds_maxpool_forward_f32(const float* x, float* y, int* argmax, int planes, int h, int w,
                                                  int ho, int wo, int k, int stride, int pad) {
    DS_FOR(i, (long long)planes * ho * wo) {
        int ow = (int)(i % wo), oh = (int)((i / wo) % ho);
        long long pl = i / ((long long)ho * wo);
        const float* in = x + pl * h * w;
        float bv = -INFINITY;
        int best = -1;
        for (int r = 0; r < k; r++) {
            int ih = oh * stride - pad + r;
            if (ih < 0 || ih >= h) continue;
            for (int c = 0; c < k; c++) {
                int iw = ow * stride - pad + c;
                if (iw < 0 || iw >= w) continue;
                float v = in[ih * w + iw];
                // first maximum wins; a NaN replaces a number (the reference's rule)
                if (best < 0 || v > bv || (v != v && bv == bv)) { bv = v; best = ih * w + iw; }
            }
        }
        y[i] = bv;
        argmax[i] = best;
    }
}

// dx (planes, h·w) zeroed by the caller; each dy element adds into its recorded argmax.
extern "C" __global__ void ds_maxpool_backward_f32(const float* dy, const int* argmax, float* dx, int planes,
                                                   int hw, int howo) {
    DS_FOR(i, (long long)planes * howo) {
        long long pl = i / howo;
        atomicAdd(dx + pl * hw + argmax[i], dy[i]);
    }
}

// Average pooling, padding counted in the divisor (count_include_pad=True).
extern "C" __global__ void ds_avgpool_forward_f32(const float* x, float* y, int planes, int h, int w, int ho, int wo,
                                                  int k, int stride, int pad) {
    DS_FOR(i, (long long)planes * ho * wo) {
        int ow = (int)(i % wo), oh = (int)((i / wo) % ho);
        const float* in = x + (i / ((long long)ho * wo)) * h * w;
        float s = 0.f;
        for (int r = 0; r < k; r++) {
            int ih = oh * stride - pad + r;
            if (ih < 0 || ih >= h) continue;
            for (int c = 0; c < k; c++) {
                int iw = ow * stride - pad + c;
                if (iw >= 0 && iw < w) s += in[ih * w + iw];
            }
        }
        y[i] = s / (float)(k * k);
    }
}

// Gather form (no atomics): each input element sums the windows that cover it.
extern "C" __global__ void ds_avgpool_backward_f32(const float* dy, float* dx, int planes, int h, int w, int ho, int wo,
                                                   int k, int stride, int pad) {
    DS_FOR(i, (long long)planes * h * w) {
        int iw = (int)(i % w), ih = (int)((i / w) % h);
        const float* g = dy + (i / ((long long)h * w)) * ho * wo;
        float s = 0.f;
        for (int oh = 0; oh < ho; oh++) {
            int r = ih + pad - oh * stride;
            if (r < 0 || r >= k) continue;
            for (int ow = 0; ow < wo; ow++) {
                int c = iw + pad - ow * stride;
                if (c >= 0 && c < k) s += g[oh * wo + ow];
            }
        }
        dx[i] = s / (float)(k * k);
    }
}

// PyTorch's adaptive window: rows [floor(o·h/ho), ceil((o+1)·h/ho)).
extern "C" __global__ void ds_adaptive_avgpool_forward_f32(const float* x, float* y, int planes, int h, int w, int ho, int wo) {
    DS_FOR(i, (long long)planes * ho * wo) {
        int ow = (int)(i % wo), oh = (int)((i / wo) % ho);
        const float* in = x + (i / ((long long)ho * wo)) * h * w;
        int r0 = oh * h / ho, r1 = ((oh + 1) * h + ho - 1) / ho;
        int c0 = ow * w / wo, c1 = ((ow + 1) * w + wo - 1) / wo;
        float s = 0.f;
        for (int r = r0; r < r1; r++) for (int c = c0; c < c1; c++) s += in[r * w + c];
        y[i] = s / (float)((r1 - r0) * (c1 - c0));
    }
}

extern "C" __global__ void ds_adaptive_avgpool_backward_f32(const float* dy, float* dx, int planes, int h, int w, int ho, int wo) {
    DS_FOR(i, (long long)planes * h * w) {
        int iw = (int)(i % w), ih = (int)((i / w) % h);
        const float* g = dy + (i / ((long long)h * w)) * ho * wo;
        float s = 0.f;
        for (int oh = 0; oh < ho; oh++) {
            int r0 = oh * h / ho, r1 = ((oh + 1) * h + ho - 1) / ho;
            if (ih < r0 || ih >= r1) continue;
            for (int ow = 0; ow < wo; ow++) {
                int c0 = ow * w / wo, c1 = ((ow + 1) * w + wo - 1) / wo;
                if (iw >= c0 && iw < c1) s += g[oh * wo + ow] / (float)((r1 - r0) * (c1 - c0));
            }
        }
        dx[i] = s;
    }
}
