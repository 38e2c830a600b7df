#!/usr/bin/env bash
# One command from a fresh clone to a full test run: bootstrap, build, ctest.
# LAKEHOUSE_SANITIZE=1 runs the suite under AddressSanitizer + UBSan.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
build="$root/build"
[ "${LAKEHOUSE_SANITIZE:-0}" = 1 ] && build="$root/build-asan"
cd "$build"
ctest --output-on-failure -j "$(nproc)" --timeout 600 "$@"
