#!/usr/bin/env bash
# A 60-second take uploaded with tus through a loopback proxy that limits the upload to
# 2 Mbit/s (a phone on a poor connection) and drops every connection every 10 s (a lift,
# a car park): bytes sent in all against the file's size (the goal is at most 1.1×), and
# the time to done against the same upload through the same proxy without drops (the
# baseline, measured in the same run). The client is scripts/bench/tus_flaky.py; the
# throttled hop has 32 KiB socket buffers, about what a 2 Mbit/s link holds in flight.
#
# Uses the release build (`make bench` builds it first); prints numbers and writes them
# to target/bench/takes.txt, nothing passes or fails on them.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh
bench_report takes
start_primer
author_session=$(sign_in author)
learner_session=$(sign_in learner)
rate="${BENCH_TAKE_RATE:-250000}"
drop_every="${BENCH_TAKE_DROP_EVERY:-10}"

# A practice module every learner may open, and a 60-second take of it as a phone
# records one: 640×360 H.264 at about 1.2 Mbit/s, with AAC sound.
module=$(curl -fsS -b "primer_session=$author_session" -H 'content-type: application/json' \
  -d '{"kind":"practice","title":"Bench pitch","estimated_seconds":120,"prompt":"Pitch it","max_seconds":90,
       "rubric":{"scale_max":4,"criteria":[{"name":"Opening","weight":1},{"name":"Close","weight":1}]}}' \
  "$base/api/v1/modules" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fsS -o /dev/null -b "primer_session=$author_session" -X POST "$base/api/v1/modules/$module/publish"
take() {
  ffmpeg -v error -f lavfi -i "testsrc2=size=640x360:rate=30" -f lavfi -i "sine=frequency=$1" -t 60 \
    -c:v libx264 -preset veryfast -b:v 1200k -maxrate 1200k -bufsize 600k -pix_fmt yuv420p \
    -c:a aac -b:a 64k -movflags +faststart "$2"
}
# Two different takes, so the second isn't answered from the first's stored bytes.
take 440 "$work/steady.mp4"
take 660 "$work/flaky.mp4"

run() { python3 scripts/bench/tus_flaky.py "$base" "$learner_session" "$module" "$1" --rate "$rate" --drop-every "$2"; }
steady=$(run "$work/steady.mp4" 0)
flaky=$(run "$work/flaky.mp4" "$drop_every")
python3 - "$steady" "$flaky" "$rate" "$drop_every" <<'PY' | tee -a "$report"
import json, sys
steady, flaky = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rate, every = float(sys.argv[3]), sys.argv[4]
print(f"A 60-second take ({flaky['size'] / 1e6:.1f} MB) through a proxy at {rate * 8 / 1e6:.1f} Mbit/s:")
for name, r in (("steady (baseline)", steady), (f"dropped every {every} s", flaky)):
    print(f"  {name:<22} {r['seconds']:6.1f} s, {r['requests']:3d} requests, {r['drops']:2d} drops, "
          f"{r['bytes_sent'] / r['size']:.3f}× the file's bytes sent")
print(f"  time to done with drops: {flaky['seconds'] / steady['seconds']:.2f}× the steady upload's")
PY
log ""
log "Written to $report"
