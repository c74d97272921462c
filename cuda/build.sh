#!/usr/bin/env bash
# Compiles cuda/*.cu into one fatbin (sm_90 SASS + compute_90 PTX for newer GPUs) at
# <out>/io/deepslim/backend/cuda/deepslim_kernels.fatbin. Skips with a message when nvcc is absent,
# so CPU-only builds never need the CUDA toolkit. Usage: cuda/build.sh <classes-dir>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: cuda/build.sh <classes-dir>}/io/deepslim/backend/cuda"
NVCC="${NVCC:-nvcc}"
if ! command -v "$NVCC" >/dev/null 2>&1; then
  echo "[cuda] nvcc not found: the CUDA kernels are not built (the CUDA device will report the missing fatbin)"
  exit 0
fi
mkdir -p "$out"
target="$out/deepslim_kernels.fatbin"
newest=$(ls -t "$here"/*.cu "$here"/*.h | head -1)
if [[ -f "$target" && "$target" -nt "$newest" ]]; then
  echo "[cuda] $target is up to date"
  exit 0
fi
"$NVCC" -fatbin -O3 -std=c++17 \
  -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90 \
  -o "$target.tmp" "$here/deepslim_kernels.cu"
mv "$target.tmp" "$target"
echo "[cuda] built $target ($(stat -c %s "$target") bytes) with $("$NVCC" --version | tail -1)"
