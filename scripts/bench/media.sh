#!/usr/bin/env bash
# Media benchmarks, each reported as a ratio against a baseline measured in the same run:
#
#   1. Range serving: Primer's `/media/{sha256}` against Debian's nginx serving the very same
#      file from Primer's store, under the same wrk load (random byte ranges, keep-alive).
#      Three kinds: open-ended ranges from a random point (what a video player asks for
#      while playing and seeking; bandwidth-bound), 1 MiB ranges, and 4 KiB ranges (the
#      per-request cost: session check, lookup, headers). The file is a video's standard
#      rendition, what phones fetch (see `ranges_vs_nginx` in lib.sh).
#   2. Memory while a ~1 GiB video upload streams in: the server's resident memory before,
#      at its peak during the upload, and after.
#
# Uses the release build (`make bench` builds it first). Nothing here is a pass/fail test:
# it prints numbers, and writes them to target/bench/media.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh
bench_report media
start_primer
author_session=$(sign_in author)
learner_session=$(sign_in learner)

# --- 1. Range serving ------------------------------------------------------------------
# A 32 MB H.264 video (a long training clip at a phone-friendly bitrate, made here).
ffmpeg -v error -f lavfi -i testsrc2=size=1280x720:rate=25 -t 40 -c:v libx264 -preset ultrafast \
  -b:v 6M -maxrate 6M -bufsize 2M -pix_fmt yuv420p -movflags +faststart "$work/clip.mp4"
source_sha=$(curl -fsS -b "primer_session=$author_session" -F "file=@$work/clip.mp4" "$base/api/v1/media" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["sha256"])')
# Learners get its renditions, never the upload: wait for them, publish a module with the
# video, and serve its standard rendition (the larger one phones fetch).
ready=$(wait_ready "$source_sha" "$author_session")
sha=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["renditions"][-1]["media_id"])' "$ready")
stored=$(find "$PRIMER_DATA_DIR" -type f -name "$sha" | head -1)
module=$(curl -fsS -b "primer_session=$author_session" -H 'content-type: application/json' \
  -d "{\"kind\":\"video\",\"title\":\"Benchmark clip\",\"video_media_id\":\"$source_sha\"}" "$base/api/v1/modules" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fsS -o /dev/null -b "primer_session=$author_session" -X POST "$base/api/v1/modules/$module/publish"

ranges_vs_nginx "$sha" "$stored" "$learner_session"

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
