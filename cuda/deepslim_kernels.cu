// The one CUDA module the Java side loads (io/deepslim/backend/cuda/deepslim_kernels.fatbin): every op
// family file is included here so a single cuModuleLoadData makes all kernels available.
#include "elementwise.cu"
#include "pool.cu"
#include "optim.cu"
#include "sparse.cu"
#include "int8.cu"
#include "lowrank.cu"
