#!/usr/bin/env bash
# Installs everything the build needs on Debian 12, idempotently:
# Debian packages, then DuckDB 1.4.4 and hnswlib 0.8.0 from npm tarballs with
# pinned checksums into .deps/ (ignored by git). Quick when already done.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="$root/.deps"

apt_packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates python3 curl
  libcpp-httplib-dev libcurl4-openssl-dev nlohmann-json3-dev libsimdjson-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# npm packs the DuckDB and hnswlib tarballs; any npm works (Debian's 9.x or a newer one).
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# fetch NAME SPEC SHA256: npm pack SPEC, verify, unpack into .deps/NAME/package.
fetch() {
  local name="$1" spec="$2" sha="$3" dir="$deps/$1"
  if [ -f "$dir/.sha256" ] && [ "$(cat "$dir/.sha256")" = "$sha" ]; then return 0; fi
  echo "bootstrap: fetching $spec" >&2
  local tmp; tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  (cd "$tmp" && npm pack "$spec" --silent >/dev/null 2>&1) || { echo "bootstrap: npm pack $spec failed" >&2; return 1; }
  local tgz; tgz="$(ls "$tmp"/*.tgz)"
  local got; got="$(sha256sum "$tgz" | cut -d' ' -f1)"
  if [ "$got" != "$sha" ]; then
    echo "bootstrap: checksum mismatch for $spec: expected $sha, got $got" >&2; return 1
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  tar xzf "$tgz" -C "$dir"
  echo "$sha" > "$dir/.sha256"
}

fetch duckdb-lib "@duckdb/node-bindings-linux-x64@1.4.4-r.4" 732fac4dc6b8f198870b9c4bb6ddf13544466daca00ad28ba2f1d80de5d7aa4b
fetch duckdb-src "duckdb@1.4.4" 5bb967dcbcd517670ba5f169f238fb9d6787e53752c60ebe24386169d76941ed
fetch hnswlib "hnswlib-node@3.0.0" 4a8074485e5abe659d23e9998d97a00226db056ca466ada6eedbc512a4c4df01

# The layout CMake reads: .deps/duckdb/{include,lib}, .deps/hnswlib/include/hnswlib.
mkdir -p "$deps/duckdb/include" "$deps/duckdb/lib" "$deps/hnswlib/include"
cp -u "$deps/duckdb-src/package/src/duckdb/src/include/duckdb.h" "$deps/duckdb/include/"
cp -u "$deps/duckdb-lib/package/libduckdb.so" "$deps/duckdb/lib/"
rm -rf "$deps/hnswlib/include/hnswlib"
cp -r "$deps/hnswlib/package/src/hnswlib" "$deps/hnswlib/include/hnswlib"

# s3rver, the S3 protocol server the test suite runs the S3 backend against,
# pinned by tools/s3rver/package-lock.json.
if [ ! -f "$root/tools/s3rver/node_modules/.package-lock.json" ] ||
   ! cmp -s "$root/tools/s3rver/package-lock.json" "$root/tools/s3rver/node_modules/.installed-lock.json"; then
  echo "bootstrap: installing s3rver (npm ci)" >&2
  (cd "$root/tools/s3rver" && npm ci --no-audit --no-fund --silent >/dev/null 2>&1) ||
    { echo "bootstrap: npm ci for tools/s3rver failed" >&2; exit 1; }
  cp "$root/tools/s3rver/package-lock.json" "$root/tools/s3rver/node_modules/.installed-lock.json"
fi
# s3rver answers a PUT before its file is written; see the script.
node "$root/tools/s3rver/patch-s3rver.js" || { echo "bootstrap: patching s3rver failed" >&2; exit 1; }
