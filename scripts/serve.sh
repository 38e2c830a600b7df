#!/usr/bin/env bash
# One command from a fresh clone to a running server on the embedded defaults
# (127.0.0.1:3110, local storage under ./data). Extra arguments go to `serve`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
exec "$root/build/lakehouse" serve "$@"
