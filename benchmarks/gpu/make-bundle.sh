#!/usr/bin/env bash
# Builds the self-contained GPU check bundle: a jlinked Java runtime, the project jar, its test
# classes (the CUDA suites and golden fixtures), every runtime + test dependency jar (incl. the CUDA
# presets), and check.sh. Output: target/gpu-bundle.tgz (size printed). Usage: benchmarks/gpu/make-bundle.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
stage=target/gpu-bundle/deepslim-gpu
rm -rf target/gpu-bundle && mkdir -p "$stage/lib"
mvn -o -q -B package -DskipTests
mvn -o -q -B dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$stage/lib"
cp target/deepslim-*.jar "$stage/lib/"
# test classes as a folder: the golden fixtures are read as files (Path.of(resource URI))
cp -r target/test-classes "$stage/test-classes"
# CUDA presets jars that other platforms would pull are absent; drop jars the check does not need
# (charts, PDF, terminal and image-format jars serve the CLI; the check runs tensors, models and tests only)
rm -f "$stage"/lib/*linux-arm64* "$stage"/lib/*-sources.jar
for j in VectorGraphics2D animated-gif-lib pdfbox fontbox graphics2d xchart jline progressbar picocli commons-logging; do
  rm -f "$stage"/lib/"$j"-*.jar
done
jlink --add-modules java.base,jdk.unsupported,java.management,java.logging,jdk.zipfs \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$stage/jre"
cp benchmarks/gpu/check.sh tools/bench_torch_gpu.py tools/torch_models.py "$stage/"
tar -C target/gpu-bundle -czf target/gpu-bundle.tgz deepslim-gpu
echo "[bundle] target/gpu-bundle.tgz: $(du -m target/gpu-bundle.tgz | cut -f1) MiB packed, $(du -sm "$stage" | cut -f1) MiB unpacked"
