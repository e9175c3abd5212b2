# Shared by the benchmark parts (sourced): a Primer with the demo data on a free port, in
# a temporary directory deleted at exit, and a report file under target/bench.
#
#   source scripts/bench/lib.sh; bench_report media; start_primer; sign_in learner
set -euo pipefail

primer=./target/release/primer
[[ -x "$primer" ]] || { echo "build Primer first: make build" >&2; exit 1; }
out_dir=target/bench
mkdir -p "$out_dir"

work="$(mktemp -d /tmp/primer-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not up: $1" >&2; exit 1; }

# Every line of the report goes to the terminal and to target/bench/<part>.txt.
bench_report() { report="$out_dir/$1.txt"; : > "$report"; }
log() { printf '%s\n' "$*" | tee -a "$report"; }

port=$(free_port)
base="http://127.0.0.1:$port"
export PRIMER_DATA_DIR="$work/data" PRIMER_LOG="${PRIMER_LOG:-warn}"
"$primer" demo >/dev/null

# Starts (or restarts) the server; its pid is in $primer_pid.
start_primer() {
  "$primer" serve --bind "127.0.0.1:$port" &
  primer_pid=$!
  pids+=("$primer_pid")
  wait_for "$base/healthz"
}

# Signs a demo person in and prints their session cookie's value.
sign_in() {
  curl -fsS -c "$work/$1.cookies" -H 'content-type: application/json' \
    -d "{\"email\":\"$1@primer.example\",\"password\":\"primer-demo\"}" "$base/api/v1/auth/login" >/dev/null
  awk '$6 == "primer_session" { print $7 }' "$work/$1.cookies"
}

# The server's resident memory in KiB.
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$primer_pid/status"; }
