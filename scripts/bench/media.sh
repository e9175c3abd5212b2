#!/usr/bin/env bash
# Media benchmarks, each reported as a ratio against a baseline measured in the same run:
#
#   1. Range serving: Primer's `/media/{sha256}` against Debian's nginx serving the very same
#      file from Primer's store, under the same wrk load (random byte ranges, keep-alive).
#      Three kinds: open-ended ranges from a random point (what a video player asks for
#      while playing and seeking; bandwidth-bound), 1 MiB ranges, and 4 KiB ranges (the
#      per-request cost: session check, lookup, headers).
#   2. Memory while a ~1 GiB video upload streams in: the server's resident memory before,
#      at its peak during the upload, and after.
#
# Uses the release build (`make bench` builds it first). Nothing here is a pass/fail test:
# it prints numbers, and writes them to target/bench/media.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh
duration="${BENCH_SECONDS:-10}"
connections="${BENCH_CONNECTIONS:-16}"
bench_report media
start_primer
author_session=$(sign_in author)
learner_session=$(sign_in learner)

# --- 1. Range serving ------------------------------------------------------------------
# A 32 MB H.264 video (a long training clip at a phone-friendly bitrate, made here).
ffmpeg -v error -f lavfi -i testsrc2=size=1280x720:rate=25 -t 40 -c:v libx264 -preset ultrafast \
  -b:v 6M -maxrate 6M -bufsize 2M -pix_fmt yuv420p -movflags +faststart "$work/clip.mp4"
sha=$(curl -fsS -b "primer_session=$author_session" -F "file=@$work/clip.mp4" "$base/api/v1/media" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["sha256"])')
stored=$(find "$PRIMER_DATA_DIR" -type f -name "$sha" | head -1)
size=$(stat -c %s "$stored")
# Learners may fetch the files of modules they can open: publish one with this video.
module=$(curl -fsS -b "primer_session=$author_session" -H 'content-type: application/json' \
  -d "{\"kind\":\"video\",\"title\":\"Benchmark clip\",\"video_media_id\":\"$sha\"}" "$base/api/v1/modules" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fsS -o /dev/null -b "primer_session=$author_session" -X POST "$base/api/v1/modules/$module/publish"

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
log "File: $((size / 1000000)) MB video, random byte ranges; Primer checks the session cookie on every request."
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

log "Primer's resident memory after the range runs: $(($(rss) / 1024)) MiB"
log ""

# --- 2. Memory while a ~1 GiB upload streams ---------------------------------------------
# On a freshly started server, so memory the allocator kept from the range runs does not
# hide what the upload needs.
kill "$primer_pid"; wait "$primer_pid" 2>/dev/null || true
start_primer
# Raw 720p frames (4:2:2, 1.8 MB each) in a QuickTime file: a valid video of just under
# 1 GiB (the default limit), written at disk speed rather than encoded.
ffmpeg -v error -f lavfi -i testsrc2=size=1280x720:rate=25 -frames:v 580 -c:v rawvideo -pix_fmt uyvy422 \
  -f mov "$work/big.mov"
big=$(stat -c %s "$work/big.mov")
before=$(rss)
peak=$before
start=$(date +%s.%N)
curl -fsS -o "$work/upload.json" -b "primer_session=$author_session" -F "file=@$work/big.mov" "$base/api/v1/media" &
upload_pid=$!
while kill -0 "$upload_pid" 2>/dev/null; do
  now=$(rss); ((now > peak)) && peak=$now
  sleep 0.02
done
wait "$upload_pid"
end=$(date +%s.%N)
after=$(rss)
grep -q '"sha256"' "$work/upload.json" || { cat "$work/upload.json" >&2; echo "the upload failed" >&2; exit 1; }
log "Upload of a $((big / 1048576)) MiB video (multipart, over loopback):"
log "  server resident memory: $((before / 1024)) MiB before, $((peak / 1024)) MiB at peak, $((after / 1024)) MiB after"
log "  peak growth: $(((peak - before) / 1024)) MiB = $(awk -v g=$((peak - before)) -v b="$big" 'BEGIN { printf "%.2f", g * 1024 * 100 / b }') % of the file"
log "  took $(awk -v s="$start" -v e="$end" -v b="$big" 'BEGIN { printf "%.1f s (%.0f MB/s, including SHA-256, ffprobe and the poster frame)", e - s, b / (e - s) / 1e6 }')"
log ""
log "Written to $report"
