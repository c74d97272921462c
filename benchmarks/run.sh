#!/usr/bin/env bash
# Builds deepslim, installs it to the local Maven repository, builds and runs the JMH suite.
# Usage: benchmarks/run.sh [JMH args...]   e.g. benchmarks/run.sh ConvBench -rf json -rff results/conv.json
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
(cd "$here/.." && mvn -q -B -ntp install -DskipTests)
(cd "$here" && mvn -q -B -ntp package)
cd "$here"
exec java -Xmx8g -jar target/benchmarks.jar "$@"
