/*
 * deepslim native CPU kernels: the one flat C interface the Java binding
 * (io.deepslim.backend.nativ.NativeLibrary) mirrors. All tensors are row-major
 * float32 / int8 in NCHW; pointers are raw addresses of off-heap storage.
 *
 * Every kernel takes `path` (a DS_PATH_* value, normally ds_best_path()) and
 * `threads` (how many threads it may use). A path the CPU lacks falls back to
 * the portable one, so a wrong value is slow, never a crash.
 */
#ifndef DEEPSLIM_NATIVE_H
#define DEEPSLIM_NATIVE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DS_PATH_PORTABLE 0
#define DS_PATH_AVX2 1
#define DS_PATH_AVX512_VNNI 2

/* The fastest path this CPU supports (detected once with __builtin_cpu_supports). */
int ds_best_path(void);

/* The path `path` really runs on this CPU ("portable", "avx2", "avx512-vnni"). */
const char* ds_path_name(int path);

/*
 * Direct sparse convolution, no im2col: y (n, cout, ho, wo) = conv(x (n, cin, h, w), W) + bias,
 * optionally ReLU. W (cout, cin/groups, kh, kw) is in CSR per output channel: the nonzeros of
 * channel co are rowptr[co] .. rowptr[co+1]-1, each with kidx = (c*kh + ki)*kw + kj (c within
 * the group) and value vals[i]. bias may be null. pool != 0: a 2x2 stride-2 max-pool follows
 * (after bias and ReLU) and y is the pooled (n, cout, ho/2, wo/2); ho, wo stay the conv's.
 */
void ds_sparse_conv2d_forward(int path, int threads, const float* x, int n, int cin, int h, int w,
                              const int32_t* rowptr, const int32_t* kidx, const float* vals, const float* bias,
                              int cout, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                              int groups, int relu, int pool, float* y, int ho, int wo);

/*
 * ds_sparse_conv2d_forward for a pack the caller names: pack != 0 is an id for these rowptr/kidx/vals contents,
 * never reused for others; the nonzeros' offsets for each input geometry are then prepared once and kept
 * (a bounded cache, started over when full) instead of on every call. pack 0: prepared per call.
 */
void ds_sparse_conv2d_forward_pack(int64_t pack, int path, int threads, const float* x, int n, int cin, int h, int w,
                                   const int32_t* rowptr, const int32_t* kidx, const float* vals, const float* bias,
                                   int cout, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                                   int groups, int relu, int pool, float* y, int ho, int wo);

/* How many ds_sparse_conv2d_forward_pack calls found their prepared offsets cached, since the library loaded. */
long ds_sparse_plan_hits(void);

/*
 * How many input-channel blocks ds_sparse_conv2d_forward splits each conv group into on this path
 * (1: one pass; more: partial sums kept between blocks so each block's input window stays in L1).
 */
int ds_sparse_conv_blocks(int path, int cin, int w, int kh, int kw, int sh, int sw, int pw,
                          int dh, int dw, int groups);

/*
 * 1 when ds_sparse_conv2d_forward runs this conv in the column-split layout (rows padded to 16 floats,
 * nonzeros grouped by kernel column, every load aligned): AVX-512, stride 1, 3-wide kernel, dw 1,
 * w + 2*pw not a multiple of 16; else 0.
 */
int ds_sparse_conv_column_split(int path, int w, int kw, int sh, int sw, int pw, int dw);

/*
 * 1 when ds_sparse_conv2d_forward runs a strided conv on this path's vector kernel (the input split by
 * stride phase into a stride-1 conv; strides up to 4, no dilation, not the portable path); else 0.
 */
int ds_sparse_conv_strided_vector(int path, int sh, int sw, int dh, int dw);

/*
 * 1 when ds_sparse_conv2d_forward runs an output map of ho x wo on the small-map path: the sample unfolded
 * into im2col rows (a nonzero's kidx is its row), each output channel one pass of its nonzeros over every
 * position, output channels spread over the threads (vector paths, ho*wo up to the limit below).
 */
int ds_sparse_conv_small_map(int path, int ho, int wo);

/* Sets the most output positions the small-map path takes (0: never; negative: unchanged); returns the previous value. */
int ds_sparse_small_max_positions(int positions);

/* Sparse x dense for Linear: y (m, nout) = x (m, k) . W^T + bias, W (nout, k) in CSR by output row. */
void ds_sparse_linear_forward(int path, int threads, const float* x, int m, int k,
                              const int32_t* rowptr, const int32_t* cols, const float* vals, const float* bias,
                              int nout, int relu, float* y);

/*
 * 1 when a packed CSR still matches its layer: orig[idx[i]] == vals[i] and mask[idx[i]] != 0 for
 * every kept entry i (a cheap per-call check that the weights were not edited in place).
 */
int ds_sparse_matches(const float* orig, const float* mask, const int32_t* idx, const float* vals, int64_t nnz);

/* {min, max} of x[0..n). */
void ds_min_max(const float* x, int64_t n, float* out2);

/* q = clamp(rint(x * (1/scale)) + zero, -128, 127), exactly as the Java reference. */
void ds_quantize_s8(int threads, const float* x, int64_t n, float scale, int zero, int8_t* q);

/* Row length of packed int8 weights: k rounded up to a multiple of 4 (zero padded). */
int ds_int8_packed_k(int k);

/*
 * Int8 GEMM, int32 accumulation: y[i, o] = xs * wscale[o] * sum_k (xq[i,k] - xz) * wq[o,k] + bias[o]
 * (then ReLU if relu). xq (m, k) int8; wq packed (nout, ds_int8_packed_k(k)) int8 in [-127, 127];
 * wsum[o] = sum_k wq[o,k]; wscale has nscale (1 or nout) entries; bias may be null.
 */
void ds_int8_linear_forward(int path, int threads, const int8_t* xq, int m, int k, float xs, int xz,
                            const int8_t* wq, const int32_t* wsum, const float* wscale, int nscale,
                            const float* bias, int nout, int relu, float* y);

/*
 * Bytes of a conv layer's packed int8 weights (ds_int8_conv2d_pack): rows padded to
 * ds_int8_packed_k for strided convs, then the direct (stride-1) kernel's blocks of 8 channels.
 */
int64_t ds_int8_conv2d_packed_bytes(int cout, int cinG, int kh, int kw, int groups);

/* Packs w (cout, cinG, kh, kw) int8 in [-127, 127] into out (ds_int8_conv2d_packed_bytes) and wsum (cout). */
void ds_int8_conv2d_pack(const int8_t* w, int cout, int cinG, int kh, int kw, int groups, int8_t* out, int32_t* wsum);

/*
 * 1 when ds_int8_conv2d_forward runs a stride-1 conv of this geometry on its flat small-map layout
 * (16 consecutive pixels of the flattened ho*wo map per vector instead of 16 of one row; maps whose
 * rows fill few vector lanes), 0 for the row layout. DS_INT8_FLAT=off switches the flat layout off.
 */
int ds_int8_conv_flat_layout(int cinG, int kh, int kw, int dh, int dw, int ho, int wo);

/*
 * Int8 convolution with the same arithmetic over the patches of xq (n, cin, h, w) int8, padding
 * holding the code xz; wq from ds_int8_conv2d_pack. Stride 1 runs direct (no im2col: the input is
 * relaid out once as [row][c4][col][4] and read in place); other strides pack im2col panels.
 * ho, wo: the conv's output size. pool: a 2x2 stride-2 max-pool follows (y is (n, cout, ho/2, wo/2)).
 * out_scale > 0: y holds int8 codes clamp(rint(v / out_scale) + out_zero) of the (pooled) values
 * (the next layer's input quantization, the reference's arithmetic), else floats.
 */
void ds_int8_conv2d_forward(int path, int threads, const int8_t* xq, int n, int cin, int h, int w,
                            float xs, int xz, const int8_t* wq, const int32_t* wsum, const float* wscale,
                            int nscale, const float* bias, int cout, int kh, int kw, int sh, int sw,
                            int ph, int pw, int dh, int dw, int groups, int relu, int pool, float out_scale,
                            int out_zero, void* y, int ho, int wo);

/*
 * Fully connected layer for small batches (inference): y (m, nout) = x (m, k) . W^T + bias, then ReLU when
 * relu != 0. W (nout, k) row-major, as the layer stores it; bias may be null. One pass over W per 4 samples
 * (a matrix-vector product bound by reading W at batch 1); rows split over `threads` when W is
 * large.
 */
void ds_linear_forward(int path, int threads, const float* x, int m, int k, const float* w, const float* bias,
                       int nout, int relu, float* y);

/*
 * 3x3 convolution, stride 1 or 2, padding 1, of x (n, cin, h, w) with sw (cmid, cin/groups, 3, 3) and
 * bias sb (may be null): depthwise when groups == cin, dense for groups == 1 (meant for few input
 * channels per group: a direct kernel, no GEMM). Then, when pw is not null, a 1x1 convolution with
 * pw (cout, cmid) and bias pb (may be null); else cout = cmid. ReLU (relu != 0) on the last stage,
 * then, when pool != 0, a 2x2 stride-2 max-pool (floor mode). y: (n, cout, ho', wo') with
 * ho = (h-1)/stride + 1, wo likewise, halved (rounded down) when pooled. The intermediate map is
 * processed in bands of rows that stay in cache.
 */
void ds_separable3x3_forward(int path, int threads, const float* x, int n, int cin, int h, int w,
                             const float* sw, const float* sb, int cmid, int groups, int stride,
                             const float* pw, const float* pb, int cout, int relu, int pool, float* y);

/* Floats of a packed small-map conv weight (ds_small_conv_pack): (cout rounded up to 16) * k. */
int64_t ds_small_conv_packed_floats(int cout, int k);

/* Packs w (cout, k) row-major (k = cin * kh * kw, the layer's own layout) as [cout/16 blocks][k][16], zero padded. */
void ds_small_conv_pack(const float* w, int cout, int k, float* out);

/*
 * Dense convolution for small maps (inference): y = conv(x, w) + bias, then ReLU when relu != 0, then a
 * 2x2 stride-2 max-pool when pool != 0 (y is then (n, cout, ho/2, wo/2)). x (n, cin, h, w); any kernel
 * size, stride, padding, dilation; ungrouped. wpack from ds_small_conv_pack; bias may be null. The input
 * is unfolded into (cin*kh*kw) x (n*ho*wo) columns and multiplied with the weight read once in its own
 * size: for maps of a few dozen positions, where Winograd's transformed filter (4x the bytes) dominates.
 */
void ds_small_conv_forward(int path, int threads, const float* x, int n, int cin, int h, int w, const float* wpack,
                           const float* bias, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                           int relu, int pool, float* y, int ho, int wo);

/*
 * How many ds_winograd_f4_forward calls so far split their output channels over the threads (maps with fewer
 * tile blocks than threads and at least DS_WINO_CSPLIT_MIN_MACS = 4e6 multiply-adds: each thread transforms the
 * input itself and runs its share of the Cout blocks). For tests.
 */
int64_t ds_winograd_f4_split_calls(void);

/* Floats of a packed Winograd F(4x4, 3x3) filter (ds_winograd_f4_pack): 36 * cin * (cout rounded up to 16). */
int64_t ds_winograd_f4_packed_floats(int cin, int cout);

/* Transforms w (cout, cin, 3, 3) into u (ds_winograd_f4_packed_floats): [36][cout/16][cin][16], zero padded. */
void ds_winograd_f4_pack(const float* w, int cout, int cin, float* u);

/*
 * 3x3 convolution, stride 1, padding 1, by Winograd F(4x4, 3x3): y = conv(x (n, cin, h, w), w) + bias
 * (bias may be null), then ReLU when relu != 0, then when pool != 0 a 2x2 stride-2 max-pool (floor
 * mode) in the output transform. u from ds_winograd_f4_pack. y: (n, cout, h, w), or (n, cout, h/2, w/2)
 * pooled. Any size (maps not a multiple of 4 included); error ~1e-4 of the output's rms in float32.
 */
void ds_winograd_f4_forward(int path, int threads, const float* x, int n, int cin, int h, int w,
                            const float* u, const float* bias, int cout, int relu, int pool, float* y);

/*
 * dw (cout, cin, 3, 3) = the gradient of a 3x3 stride-1 pad-1 convolution with respect to its weight, for
 * input x (n, cin, h, w) and output gradient dy (n, cout, h, w), by Winograd F(4x4, 3x3): the 36 transformed
 * positions are GEMMs over (images x tiles), transformed back with G^T . G. Overwrites dw. Any map size.
 * Error ~3e-6 relative (Frobenius) in float32 on vgg45m's training shapes, about a float32 direct sum's.
 */
void ds_winograd_f4_backward_filter(int path, int threads, const float* x, const float* dy, int n, int cin,
                                    int h, int w, int cout, float* dw);

#ifdef __cplusplus
}
#endif

#endif
