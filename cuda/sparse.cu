// Masked-sparse kernels for pruned layers: the weight (rows = output features/channels, cols =
// input features or Cin·kh·kw) is stored as CSR (row_ptr[rows+1], col_idx[nnz], values[nnz]).
//  - ds_csr_linear_f32: pruned Linear, y (M, rows) = x (M, cols) · Wᵀ + bias (+ReLU).
//    Launch: grid (ceil(rows/8), M), block (32, 8): one warp per (m, output row), lanes stride the
//    row's nonzeros, warp-shuffle sum; the x row is read through L1/L2 (gathers).
//  - ds_im2col_f32 + ds_csr_cols_f32: pruned conv as sparse weight × im2col columns.
//    im2col: x (Cin, H, W) of one image → cols (Cin·kh·kw, Ho·Wo), zero padding; 1-D grid-stride.
//    csr_cols: y (rows, P) = W (rows, K) CSR · cols (K, P) + bias (+ReLU); grid (ceil(P/256), rows),
//    block 256: each thread one output column, coalesced reads of cols along P.
#include "ds_cuda.h"

extern "C" __global__ void ds_csr_linear_f32(const int* row_ptr, const int* col_idx, const float* values,
                                             const float* x, const float* bias, float* y, int m_rows, int rows,
                                             int cols, int relu) {
    int r = blockIdx.x * blockDim.y + threadIdx.y;
    int m = blockIdx.y;
    if (r >= rows || m >= m_rows) return;
    const float* xr = x + (long long)m * cols;
    float s = 0.f;
    for (int j = row_ptr[r] + threadIdx.x; j < row_ptr[r + 1]; j += 32) s += values[j] * xr[col_idx[j]];
    for (int o = 16; o > 0; o >>= 1) s += __shfl_down_sync(0xffffffffu, s, o);
    if (threadIdx.x == 0) {
        if (bias) s += bias[r];
        y[(long long)m * rows + r] = relu && s < 0.f ? 0.f : s;
    }
}

extern "C" __global__ void ds_im2col_f32(const float* x, float* cols, int cin, int h, int w, int kh, int kw, int ho,
                                         int wo, int sh, int sw, int ph, int pw, int dh, int dw) {
    long long p = (long long)ho * wo;
    DS_FOR(i, (long long)cin * kh * kw * p) {
        int ow = (int)(i % wo), oh = (int)((i / wo) % ho);
        long long row = i / p;
        int c = (int)(row / (kh * kw)), r = (int)((row / kw) % kh), q = (int)(row % kw);
        int ih = oh * sh - ph + r * dh, iw = ow * sw - pw + q * dw;
        cols[i] = (ih >= 0 && ih < h && iw >= 0 && iw < w) ? x[((long long)c * h + ih) * w + iw] : 0.f;
    }
}

extern "C" __global__ void ds_csr_cols_f32(const int* row_ptr, const int* col_idx, const float* values,
                                           const float* cols, const float* bias, float* y, int rows, int p, int relu) {
    int col = blockIdx.x * blockDim.x + threadIdx.x;
    int r = blockIdx.y;
    if (col >= p || r >= rows) return;
    float s = 0.f;
    for (int j = row_ptr[r]; j < row_ptr[r + 1]; j++) s += values[j] * cols[(long long)col_idx[j] * p + col];
    if (bias) s += bias[r];
    y[(long long)r * p + col] = relu && s < 0.f ? 0.f : s;
}
