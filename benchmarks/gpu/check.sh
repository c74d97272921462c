#!/usr/bin/env bash
# The one command for a GPU machine without Java (H200, driver 580, CUDA 13, cuBLAS/cuDNN 9 inside a
# Python env): unpacks the bundle if given, points the loader at the host's CUDA libraries, runs the
# CUDA test suite and the GPU model benchmarks (io.deepslim.backend.cuda.CudaCheck), and writes the
# results to $OUT (or the folder given as the second argument).
# Usage: check.sh [gpu-bundle.tgz] [results-dir]      (inside the unpacked bundle: ./check.sh)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ $# -ge 1 && -f "$1" ]]; then
  work="$(mktemp -d)"; tar -C "$work" -xzf "$1"; here="$work/deepslim-gpu"; shift
fi
out="${1:-${OUT:-$PWD/gpu-results}}"
mkdir -p "$out"
# every folder holding a CUDA 13 / cuDNN 9 library (system, /usr/local/cuda, Python env nvidia/*/lib)
libdirs=$(find / -xdev \( -name 'libcudart.so.13*' -o -name 'libcublas.so.13*' -o -name 'libcublasLt.so.13*' \
  -o -name 'libcudnn*.so.9*' -o -name 'libcuda.so.1' \) 2>/dev/null | xargs -r -n1 dirname | sort -u | paste -sd:)
export LD_LIBRARY_PATH="${libdirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "[check] LD_LIBRARY_PATH=$LD_LIBRARY_PATH" | tee "$out/env.txt"
nvidia-smi >> "$out/env.txt" 2>&1 || echo "[check] nvidia-smi not available" >> "$out/env.txt"
start=$(date +%s)
timeout 470 "$here/jre/bin/java" -Xmx16g -cp "$here/lib/*" io.deepslim.backend.cuda.CudaCheck "$out" 2>&1 | tee "$out/check.log"
rc=${PIPESTATUS[0]}
# PyTorch on the same GPU, when the host's Python has torch (the GPU machine's env does)
for py in python3 $(find / -xdev -path '*/bin/python3' 2>/dev/null | head -5); do
  if "$py" -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
    timeout 120 "$py" "$here/bench_torch_gpu.py" "$out/bench-torch.tsv" 2>&1 | tee -a "$out/check.log"
    break
  fi
done
echo "[check] exit $rc after $(( $(date +%s) - start )) s; results in $out" | tee -a "$out/check.log"
exit $rc
