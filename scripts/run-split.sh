#!/usr/bin/env bash
# Split mode on one machine: the seven roles as separate processes on loopback,
# each on its port from lakehouse.toml's [split] (defaults as in DESIGN.md),
# the gateway on server.listen (127.0.0.1:3110).
#
#   scripts/run-split.sh start [--data DIR] [--config FILE]   # waits until every /health answers
#   scripts/run-split.sh stop  [--data DIR]                   # SIGTERM, waits for clean exits
#
# DIR (default ./data-split) holds one directory per role (storaged's holds the
# objects when storage is local), logs/<role>.log and run/<role>.pid.
# Set LAKEHOUSE_BIN to use a binary other than build/lakehouse.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${LAKEHOUSE_BIN:-$root/build/lakehouse}"
command="${1:-}"
shift || true
data="$root/data-split"
config=""
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data="$2"; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    *) echo "run-split.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
data="$(mkdir -p "$data" && cd "$data" && pwd)"
[ -n "$config" ] && config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"

# Start order: what a role calls comes up before it; the gateway last.
roles=(storaged catalogd embedd ingestd queryd vectord gateway)

url_of() {  # the URL a role answers on, from `lakehouse split-urls`
  "$bin" split-urls ${config:+--config "$config"} | awk -v r="$1" '$1 == r { print $2 }'
}

wait_healthy() {  # role url pid
  local role="$1" url="$2" pid="$3"
  for _ in $(seq 1 600); do
    if ! running "$pid"; then
      echo "run-split.sh: $role exited during start-up; see $data/logs/$role.log" >&2
      tail -n 5 "$data/logs/$role.log" >&2 || true
      return 1
    fi
    if curl -fsS -o /dev/null --max-time 1 "$url/health" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "run-split.sh: $role did not answer $url/health within 30 s" >&2
  return 1
}

# Alive and not a zombie (a stopped role is reparented, and its new parent may reap it late).
running() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]; }

stop_all() {
  local status=0
  for ((i = ${#roles[@]} - 1; i >= 0; i--)); do
    local role="${roles[$i]}" pidfile="$data/run/${roles[$i]}.pid"
    [ -f "$pidfile" ] || continue
    local pid; pid="$(cat "$pidfile")"
    if running "$pid"; then
      kill -TERM "$pid"
      for _ in $(seq 1 600); do running "$pid" || break; sleep 0.05; done
      if running "$pid"; then
        echo "run-split.sh: $role did not stop in 30 s; killing it" >&2
        kill -KILL "$pid"; status=1
      fi
    fi
    rm -f "$pidfile"
  done
  return $status
}

case "$command" in
  start)
    [ -x "$bin" ] || "$root/scripts/build.sh"
    mkdir -p "$data/logs" "$data/run"
    for role in "${roles[@]}"; do
      pidfile="$data/run/$role.pid"
      if [ -f "$pidfile" ] && running "$(cat "$pidfile")"; then
        echo "run-split.sh: $role is already running (pid $(cat "$pidfile"))" >&2; exit 1
      fi
      "$bin" serve --role "$role" --data "$data/$role" ${config:+--config "$config"} \
        >>"$data/logs/$role.log" 2>&1 &
      echo $! > "$pidfile"
      url="$(url_of "$role")"
      if ! wait_healthy "$role" "$url" "$(cat "$pidfile")"; then stop_all || true; exit 1; fi
      echo "$role  $url  pid $(cat "$pidfile")"
    done
    ;;
  stop)
    stop_all
    ;;
  *)
    echo "usage: scripts/run-split.sh start|stop [--data DIR] [--config FILE]" >&2
    exit 2
    ;;
esac
