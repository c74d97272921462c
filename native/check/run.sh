#!/usr/bin/env bash
# Builds native/check/selfcheck.cpp (the kernels against double-precision references, no JVM) and runs it:
# on this machine for every CPU path it has, then, when a cross compiler and qemu are installed
# (apt-get install g++-aarch64-linux-gnu qemu-user), as a static arm64 binary under qemu-aarch64,
# which runs the portable path on that architecture. Exit status non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${TMPDIR:-/tmp}/deepslim-selfcheck-$$"
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
flags=(-std=c++17 -O2 -pthread -I"$here/../include" -I"$here/../src" -Wno-unused-variable -Wno-subobject-linkage)
g++ "${flags[@]}" "$here/selfcheck.cpp" -o "$out/selfcheck"
# DS_MAX_PATH caps the path the kernels run (to measure an AVX2 machine's paths on an AVX-512 one)
DS_MAX_PATH=avx2 DS_EXPECT_PATH="$(grep -qw avx512f /proc/cpuinfo && grep -qw avx2 /proc/cpuinfo && echo avx2 || DS_MAX_PATH= "$out/selfcheck" | sed -n 's/.*best path //p' | head -1)" "$out/selfcheck"
DS_MAX_PATH=portable DS_EXPECT_PATH=portable "$out/selfcheck"
echo "host ($(uname -m)):"
"$out/selfcheck"
if command -v aarch64-linux-gnu-g++ >/dev/null && command -v qemu-aarch64 >/dev/null; then
  aarch64-linux-gnu-g++ "${flags[@]}" -static "$here/selfcheck.cpp" -o "$out/selfcheck-arm64"
  echo "arm64 (qemu-aarch64):"
  qemu-aarch64 "$out/selfcheck-arm64"
else
  echo "arm64: skipped (needs aarch64-linux-gnu-g++ and qemu-aarch64)"
fi
