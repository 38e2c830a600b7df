#!/usr/bin/env bash
# Bootstraps (idempotent) and builds. LAKEHOUSE_SANITIZE=1 builds with
# AddressSanitizer + UBSan into build-asan/ instead of build/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
build="$root/build"
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${LAKEHOUSE_SANITIZE:-0}" = 1 ]; then
  build="$root/build-asan"
  flags=(-DCMAKE_BUILD_TYPE=Debug -DLAKEHOUSE_SANITIZE=ON -DLAKEHOUSE_BENCH=OFF)
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja "${flags[@]}" >/dev/null
fi
cmake --build "$build" -j "$(nproc)"
