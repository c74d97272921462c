#!/usr/bin/env bash
# The one command for a GPU machine without Java (H200, driver 580, CUDA 13, cuBLAS/cuDNN 9 inside a
# Python env): unpacks the bundle if given, points the loader at the host's CUDA libraries, then runs
# three stages, each in its own process with its own time limit so that one crash or hang cannot
# take the others with it:
#   1. tests  (io.deepslim.backend.cuda.CudaCheck tests): CUDA kernel tests, the vgg45m training-step
#      comparison and the backend-parameterized golden / gradient / optimizer suites, CUDA cases only;
#   2. bench  (CudaCheck bench): whole-model inference and training at 224 px, layer kernels;
#   3. PyTorch eager on the same GPU (tools/bench_torch_gpu.py), when the host's python3 has torch.
# Results go to $OUT (or the folder given as the second argument): env.txt, check.log, tests.txt,
# bench.tsv, bench-torch.tsv (at most 8 files, so a device tool can return them all).
# Usage: check.sh [gpu-bundle.tgz] [results-dir]      (inside the unpacked bundle: ./check.sh)
# Stage limits (seconds): DS_CHECK_TESTS_S (default 200), DS_CHECK_BENCH_S (150), DS_CHECK_TORCH_S (90; 0 skips it).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ $# -ge 1 && -f "$1" ]]; then
  work="$(mktemp -d)"; tar -C "$work" -xzf "$1"; here="$work/deepslim-gpu"; shift
fi
out="${1:-${OUT:-$PWD/gpu-results}}"
mkdir -p "$out"
log="$out/check.log"
start=$(date +%s)
say() { echo "[check +$(( $(date +%s) - start ))s] $*" | tee -a "$log"; }

# Every folder holding the driver or a CUDA 13 / cuDNN 9 library: system folders, /usr/local/nvidia (the
# driver, often a separate read-only mount), /usr/local/cuda*, and Python envs (nvidia/*/lib). No -xdev:
# those are often other mounts.
roots=()
for r in /usr/local/nvidia /usr/local/cuda /usr/local/cuda-13* /usr/lib /usr/lib64 /lib /lib64 /opt /usr/local/lib /root; do
  [[ -d "$r" ]] && roots+=("$r")
done
libdirs=$( { find "${roots[@]}" \( -name 'libcudart.so.13*' -o -name 'libcublas.so.13*' -o -name 'libcublasLt.so.13*' \
  -o -name 'libcudnn*.so.9*' -o -name 'libcuda.so.1' -o -name 'libnvrtc.so.13*' \) 2>/dev/null | grep -v '/\.javacpp/' | xargs -r -n1 dirname;
  ldconfig -p 2>/dev/null | awk '/libcuda\.so\.1 /{print $NF}' | xargs -r -n1 dirname; } | sort -u | paste -sd:)
export LD_LIBRARY_PATH="${libdirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
{
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  for d in ${libdirs//:/ }; do echo "== $d"; ls "$d" | grep -E 'libcuda\.so|cudart|cublas|cudnn|nvrtc' | head -30; done
  nvidia-smi 2>&1 || echo "nvidia-smi not available"
  echo "nproc $(nproc)"; grep -m1 'model name' /proc/cpuinfo
} > "$out/env.txt" 2>&1
say "library folders: $libdirs"
java=("$here/jre/bin/java" -Xmx24g -Dorg.bytedeco.javacpp.cachedir=/tmp/deepslim-javacpp -Ddeepslim.test.devices=cuda -cp "$here/test-classes:$here/lib/*")

say "stage tests (limit ${DS_CHECK_TESTS_S:-200} s)"
timeout "${DS_CHECK_TESTS_S:-200}" "${java[@]}" io.deepslim.backend.cuda.CudaCheck tests "$out" >> "$log" 2>&1
rc_tests=$?
say "stage tests: exit $rc_tests"
grep -E '^\[test\] (FAILED|ABORTED)' "$log" | head -40
tail -5 "$log"

if [[ $rc_tests -ne 3 ]]; then
  say "stage bench (limit ${DS_CHECK_BENCH_S:-150} s)"
  timeout "${DS_CHECK_BENCH_S:-150}" "${java[@]}" io.deepslim.backend.cuda.CudaCheck bench "$out" >> "$log" 2>&1
  say "stage bench: exit $?"
  grep '^\[bench\]' "$log" | cut -c1-200
fi

# PyTorch on the same GPU, when the host's Python has torch (the GPU machine's env does)
[[ "${DS_CHECK_TORCH_S:-90}" == 0 ]] && pythons=() || pythons=(python3 $(find /opt /usr/local -path '*/bin/python3' 2>/dev/null | head -5))
for py in "${pythons[@]}"; do
  if "$py" -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
    say "stage torch with $py (limit ${DS_CHECK_TORCH_S:-90} s)"
    timeout "${DS_CHECK_TORCH_S:-90}" "$py" "$here/bench_torch_gpu.py" "$out/bench-torch.tsv" >> "$log" 2>&1
    say "stage torch: exit $?"
    break
  fi
done
say "done; tests exit $rc_tests; results in $out"
exit $rc_tests
