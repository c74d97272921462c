#!/usr/bin/env bash
# Builds and runs sparse_bench.cpp (g++ -O3 ${DS_CXXFLAGS:-}, as the JavaCPP build compiles native/) with [threads (default 1)] [check] [L1 window bytes].
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${TMPDIR:-/tmp}/ds_sparse_bench"
g++ -O3 ${DS_CXXFLAGS:-} -ffp-contract=off -std=c++17 -pthread -I"$here/../../native/include" -I"$here/../../native/src" "$here/sparse_bench.cpp" -o "$out"
"$out" "$@"
