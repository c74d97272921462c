#!/usr/bin/env bash
# Builds and runs int8_winograd_spike.cpp (a measurement spike, not an engine kernel): int8 Winograd F(2x2)
# against the direct int8 kernel, one thread, CPU time, plus relative errors against an fp64 conv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${TMPDIR:-/tmp}/ds_int8_winograd_spike"
g++ -O3 ${DS_CXXFLAGS:-} -ffp-contract=off -std=c++17 -pthread -I"$here/../../native/include" -I"$here/../../native/src" "$here/int8_winograd_spike.cpp" -o "$out"
"$out" "$@"
