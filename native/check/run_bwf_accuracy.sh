#!/usr/bin/env bash
# Builds and runs native/check/winograd_bwf_accuracy.cpp (Winograd backward-filter error and time on
# the vgg45m 64x64 training shapes); argument: batch (default 32). Prints a Markdown table.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${TMPDIR:-/tmp}/deepslim-bwf-$$"
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
g++ -std=c++17 -O2 -pthread -I"$here/../include" -I"$here/../src" -Wno-unused-variable -Wno-subobject-linkage \
  "$here/winograd_bwf_accuracy.cpp" -o "$out/bwf" 2>/dev/null
"$out/bwf" "${1:-32}"
