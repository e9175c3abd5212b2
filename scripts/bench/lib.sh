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

# Waits until a video's renditions are ready (or fails if making them failed); prints the
# media as authors see it.
#   wait_ready SHA256 AUTHOR-SESSION [TIMEOUT-SECONDS]
wait_ready() {
  local deadline=$((SECONDS + ${3:-900})) seen state
  while ((SECONDS < deadline)); do
    seen=$(curl -fsS -b "primer_session=$2" "$base/api/v1/media/$1")
    state=$(python3 -c 'import json,sys; print((json.loads(sys.argv[1]).get("processing") or {}).get("state"))' "$seen")
    case $state in
      ready) printf '%s\n' "$seen"; return 0 ;;
      failed) echo "making renditions failed: $seen" >&2; exit 1 ;;
    esac
    sleep 0.5
  done
  echo "renditions not ready in time: $seen" >&2; exit 1
}

# Range serving of one stored file: Primer's `/media/{sha256}` (as a signed-in learner)
# against Debian's nginx serving the very same file, under the same wrk load (random byte
# ranges, keep-alive): open-ended ranges, 1 MiB and 4 KiB. Logs a table and the ratios.
#   ranges_vs_nginx SHA256 STORED-FILE LEARNER-SESSION
ranges_vs_nginx() {
  local sha=$1 stored=$2 learner_session=$3
  local duration="${BENCH_SECONDS:-10}" connections="${BENCH_CONNECTIONS:-16}"
  size=$(stat -c %s "$stored")
  nginx_port=$(free_port)
  mkdir -p "$work/nginx"
  cat > "$work/nginx/nginx.conf" <<EOF
  # nginx as it is usually tuned for static files: a worker per core, sendfile, no access log.
  # Its workers run as this user, so they can read Primer's private store.
  user $(id -un);
  worker_processes auto;
  pid $work/nginx/nginx.pid;
  error_log $work/nginx/error.log warn;
  events { worker_connections 1024; }
  http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
      listen 127.0.0.1:$nginx_port;
      location = /media/$sha {
        alias $stored;
        default_type video/mp4;
        etag on;
        add_header Cache-Control "private, max-age=31536000, immutable";
      }
    }
  }
EOF
  /usr/sbin/nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
  pids+=($!)
  wait_for "http://127.0.0.1:$nginx_port/media/$sha"

  # Both answer the same range the same way (a sanity check, not a benchmark).
  a=$(curl -fsS -b "primer_session=$learner_session" -H 'Range: bytes=1000-1999' "$base/media/$sha" | sha256sum)
  b=$(curl -fsS -H 'Range: bytes=1000-1999' "http://127.0.0.1:$nginx_port/media/$sha" | sha256sum)
  [[ "$a" == "$b" ]] || { echo "Primer and nginx disagree on a range" >&2; exit 1; }

  # Random ranges, the same sequence for both servers (seeded per wrk thread).
  cat > "$work/ranges.lua" <<'EOF'
  local size = tonumber(os.getenv("BENCH_FILE_SIZE"))
  local span = tonumber(os.getenv("BENCH_RANGE"))
  local cookie = os.getenv("BENCH_COOKIE")
  local counter = 0
  function setup(thread) counter = counter + 1; thread:set("seed", counter) end
  function init() math.randomseed(seed) end
  function request()
    local headers
    if span == 0 then -- open-ended, as a video player asks: from a random point to the end
      headers = { ["Range"] = "bytes=" .. math.random(0, size - 1) .. "-" }
    else
      local first = math.random(0, size - span)
      headers = { ["Range"] = "bytes=" .. first .. "-" .. (first + span - 1) }
    end
    if cookie ~= "" then headers["Cookie"] = cookie end
    return wrk.format("GET", nil, headers)
  end
  function done(summary, latency, requests)
    io.write(string.format("RESULT %d %d %.0f %.0f\n", summary.requests, summary.bytes,
      summary.duration, latency:percentile(99)))
    io.write(string.format("STATUS %d\n", summary.errors.status))
  end
EOF

  # Prints "requests/s MB/s p99-ms" for one server and range size.
  run_wrk() { # url cookie range
    local out
    out=$(BENCH_FILE_SIZE=$size BENCH_RANGE=$3 BENCH_COOKIE=$2 \
      wrk -t2 -c"$connections" -d"${duration}s" -s "$work/ranges.lua" "$1")
    local bad; bad=$(awk '/^STATUS/ { print $2 }' <<<"$out")
    [[ "$bad" == 0 ]] || { echo "$out" >&2; echo "non-2xx answers during the run" >&2; exit 1; }
    awk '/^RESULT/ { s = $4 / 1e6; printf "%.0f %.1f %.1f\n", $2 / s, $3 / s / 1e6, $5 / 1000 }' <<<"$out"
  }

  log "Primer media benchmark, $(date -u +%FT%TZ), $(nproc) cores, wrk -t2 -c$connections -d${duration}s"
  log "File: a $(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }') MB rendition, random byte ranges; Primer checks the session cookie on every request."
  log ""
  printf -v header '%-10s %-8s %12s %10s %9s' range server "requests/s" "MB/s" "p99 ms"
  log "$header"
  for range in 0 1048576 4096; do
    case $range in 0) label="open" ;; 1048576) label="1 MiB" ;; *) label="4 KiB" ;; esac
    # Warm both (page cache, connections), then measure nginx, Primer, nginx, Primer and
    # keep each server's better run, so one noisy moment does not decide the ratio.
    BENCH_FILE_SIZE=$size BENCH_RANGE=$range BENCH_COOKIE="" wrk -t1 -c2 -d1s -s "$work/ranges.lua" \
      "http://127.0.0.1:$nginx_port/media/$sha" >/dev/null
    best_n="0 0 0"; best_p="0 0 0"
    for _ in 1 2; do
      n=$(run_wrk "http://127.0.0.1:$nginx_port/media/$sha" "" "$range")
      p=$(run_wrk "$base/media/$sha" "primer_session=$learner_session" "$range")
      awk -v a="$n" -v b="$best_n" 'BEGIN { split(a, x, " "); split(b, y, " "); exit !(x[1] > y[1]) }' && best_n=$n
      awk -v a="$p" -v b="$best_p" 'BEGIN { split(a, x, " "); split(b, y, " "); exit !(x[1] > y[1]) }' && best_p=$p
    done
    read -r nr nm nl <<<"$best_n"; read -r pr pm pl <<<"$best_p"
    printf -v line '%-10s %-8s %12s %10s %9s' "$label" nginx "$nr" "$nm" "$nl"; log "$line"
    printf -v line '%-10s %-8s %12s %10s %9s' "$label" Primer "$pr" "$pm" "$pl"; log "$line"
    ratio=$(awk -v p="$pr" -v n="$nr" 'BEGIN { printf "%.2f", p / n }')
    log "$label ranges: Primer / nginx = ${ratio}x (goal: at least 0.9x)"
    log ""
  done
}
