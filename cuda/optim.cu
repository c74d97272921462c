// Optimizer steps on device, in place over contiguous float32 parameters (PyTorch semantics, see
// io.deepslim.backend.Backend#sgdStep / #adamStep). Shapes: w, g, state all length n.
// Launch: 1-D grid-stride, DS_THREADS threads per block.
#include "ds_cuda.h"
#include <math.h>

extern "C" __global__ void ds_sgd_step_f32(float* w, const float* g, float* vel, float lr, float momentum, float wd,
                                           int nesterov, int first, long long n) {
    DS_FOR(i, n) {
        float d = g[i] + wd * w[i];
        if (momentum != 0.f) {
            float v = first ? d : momentum * vel[i] + d;
            vel[i] = v;
            d = nesterov ? d + momentum * v : v;
        }
        w[i] -= lr * d;
    }
}

// bc1 = 1 − β1^t and bc2 = 1 − β2^t are computed once on the host in double.
extern "C" __global__ void ds_adam_step_f32(float* w, const float* g, float* m, float* v, float lr, float b1, float b2,
                                            float eps, float wd, int decoupled, float bc1, float bc2, long long n) {
    float sbc2 = sqrtf(bc2);
    DS_FOR(i, n) {
        float p = w[i], gr = g[i];
        if (decoupled) p *= 1.f - lr * wd; else gr += wd * p;
        float mi = b1 * m[i] + (1.f - b1) * gr;
        float vi = b2 * v[i] + (1.f - b2) * gr * gr;
        m[i] = mi;
        v[i] = vi;
        w[i] = p - (lr / bc1) * mi / (sqrtf(vi) / sbc2 + eps);
    }
}
