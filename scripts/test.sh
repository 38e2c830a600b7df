#!/usr/bin/env bash
# One command from a fresh clone to a full test run: bootstrap, build, ctest,
# then the vector concurrency, object cache and gateway tests again under
# ThreadSanitizer.
# LAKEHOUSE_SANITIZE=1 runs the suite under AddressSanitizer + UBSan instead.
# LAKEHOUSE_SKIP_TSAN=1 skips the ThreadSanitizer pass.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
build="$root/build"
[ "${LAKEHOUSE_SANITIZE:-0}" = 1 ] && build="$root/build-asan"
(cd "$build" && ctest --output-on-failure -j "$(nproc)" --timeout 600 "$@")

if [ "${LAKEHOUSE_SANITIZE:-0}" != 1 ] && [ "${LAKEHOUSE_SKIP_TSAN:-0}" != 1 ]; then
  tsan="$root/build-tsan"
  if [ ! -f "$tsan/build.ninja" ]; then
    cmake -S "$root" -B "$tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLAKEHOUSE_TSAN=ON \
      -DLAKEHOUSE_BENCH=OFF >/dev/null
  fi
  cmake --build "$tsan" -j "$(nproc)" --target vector_test s3_store_test gateway_test
  echo "ThreadSanitizer: vector concurrency, object cache and gateway tests"
  # The first race fails the run. tests/tsan.supp lists the hnswlib-internal
  # races we accept and why. Lock-order reports are off: hnswlib nests its
  # per-node locks under its global lock in both orders by design (a thread
  # only waits on a node that is already linked into the graph, so the cycle
  # TSan fears cannot close); our own locks never nest inside hnswlib's.
  TSAN_OPTIONS="halt_on_error=1 exitcode=66 detect_deadlocks=0 suppressions=$root/tests/tsan.supp" \
    "$tsan/tests/vector_test" --gtest_filter='VectorIndexConcurrency.*'
  TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$root/tests/tsan.supp" \
    "$tsan/tests/s3_store_test" --gtest_filter='ObjectCacheTest.*'
  TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$root/tests/tsan.supp" \
    "$tsan/tests/gateway_test"
fi
