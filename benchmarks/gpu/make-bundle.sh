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
# (the CLI itself stays: the GPU check runs deepslim predict / bench through picocli)
for j in VectorGraphics2D animated-gif-lib pdfbox fontbox graphics2d xchart commons-logging; do
  rm -f "$stage"/lib/"$j"-*.jar
done
# Two platform jars carry native libraries the check never loads; dropping them keeps the bundle under the device
# tool's 64 MiB (with the source tree): OpenBLAS's second JNI build (libjniopenblas_full.so, 24 MB) and headers
# (JavaCPP loads libjniopenblas(_nolapack).so and libopenblas.so.0), and every CUDA preset JNI library except
# cudart, cuBLAS and cuDNN (NPP, nvJPEG, cuFFT, cuSOLVER, NCCL, …; the backend loads only those three).
python3 - "$stage"/lib/openblas-*-linux-x86_64.jar "$stage"/lib/cuda-*-linux-x86_64.jar <<'PY'
import re, sys, zipfile, shutil
def unused(name):
    if name.endswith("libjniopenblas_full.so") or "/include/" in name:
        return True
    m = re.search(r"/cuda/linux-x86_64/libjni(\w+)\.so$", name)
    return bool(m) and m.group(1) not in ("cudart", "cublas", "cudnn")
for src in sys.argv[1:]:
    tmp = src + ".tmp"
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zo:
        for item in zi.infolist():
            if not unused(item.filename):
                zo.writestr(item, zi.read(item.filename))
    shutil.move(tmp, src)
PY
# java.desktop: ImageIO / BufferedImage (the synthetic data, image decoding, Detector)
jlink --add-modules java.base,jdk.unsupported,java.management,java.logging,jdk.zipfs,java.desktop \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$stage/jre"
strip --strip-unneeded "$stage/jre/lib/server/libjvm.so"   # its symbol table: 4 MB
cp benchmarks/gpu/check.sh tools/bench_torch_gpu.py tools/torch_models.py "$stage/"
# the tests stage without a GPU (cuda cases skip, fake-gpu and CPU cases run): a missing module or jar shows here
"$stage/jre/bin/java" -Ddeepslim.test.devices=cuda -Dorg.bytedeco.javacpp.cachedir="$root/target/gpu-bundle/javacpp" \
  -cp "$stage/test-classes:$stage/lib/*" io.deepslim.backend.cuda.CudaCheck bundle-selftest target/gpu-bundle/selftest > target/gpu-bundle/selftest.log 2>&1 \
  || { echo "[bundle] self-test failed: target/gpu-bundle/selftest.log"; tail -20 target/gpu-bundle/selftest.log; exit 1; }
grep -E 'tests (successful|failed|skipped)' target/gpu-bundle/selftest.log | sed 's/^/[bundle] self-test /'
tar -C target/gpu-bundle -czf target/gpu-bundle.tgz deepslim-gpu
echo "[bundle] target/gpu-bundle.tgz: $(du -m target/gpu-bundle.tgz | cut -f1) MiB packed, $(du -sm "$stage" | cut -f1) MiB unpacked"
