#!/usr/bin/env bash
# Builds parallel_overhead.cpp against this tree's kernels, and with DS_BEFORE=<dir of another
# native/src copy> also against that copy, then alternates the two builds for ROUNDS (default 3)
# rounds; arguments: [threads (default 2)].
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${TMPDIR:-/tmp}/ds_parallel_overhead"
flags=(-O3 -ffp-contract=off -std=c++17 -pthread -I"$here/../../native/include" -I"$here/../../native/src")
g++ "${flags[@]}" "$here/parallel_overhead.cpp" -o "$out-after"
if [ -n "${DS_BEFORE:-}" ]; then
  g++ "${flags[@]}" -DDS_KERNEL_DIR="$DS_BEFORE" "$here/parallel_overhead.cpp" -o "$out-before"
fi
for r in $(seq "${ROUNDS:-3}"); do
  if [ -n "${DS_BEFORE:-}" ]; then echo "round $r before:"; "$out-before" "$@"; fi
  echo "round $r after:"; "$out-after" "$@"
done
