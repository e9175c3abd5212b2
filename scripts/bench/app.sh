#!/usr/bin/env bash
# The learner app on a phone: what a first visit costs and how fast it starts offline.
#
#   1. Bytes of a first visit: the sign-in page's HTML and the shell (JS, WASM, CSS and the
#      two small scripts every page loads), each raw, gzip and brotli, as the server sends
#      them; then what Chromium actually transferred on a first visit, the service
#      worker's precache included. Goal: the shell within 200 KB brotli.
#   2. Starting offline: a signed-in reload of Home with the network gone (from the
#      service worker's copies) against the same reload online, in the same browser.
#   3. Lighthouse (npm `lighthouse`, Debian's Chromium, its mobile preset: a slow 4G
#      connection and a 4x slower CPU, simulated) on the sign-in page, and as the demo
#      learner on Home, Library and a video's player page; the median of five runs each.
#      Goal: performance ≥ 95, TBT ≤ 150 ms.
#
# Nothing here is a pass/fail test: it prints numbers and writes target/bench/app.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh
bench_report app
start_primer
learner_session=$(sign_in learner)
lighthouse="${PRIMER_TOOLS_DIR:-$HOME/.cache/primer/tools}/lighthouse/node_modules/.bin/lighthouse"
[[ -x "$lighthouse" ]] || { echo "lighthouse is missing: scripts/setup.sh bench" >&2; exit 1; }

log "Primer learner app benchmark, $(date -u +%FT%TZ), $(nproc) cores"
log ""

# --- 1. Bytes ---------------------------------------------------------------------------
# Sizes of the bodies as the server sends them for each Accept-Encoding.
body_size() { # url encoding
  curl -fsS -H 'Accept: text/html' -H "Accept-Encoding: $2" -b "primer_session=${3:-}" -o - "$1" | wc -c
}
log "1. A first visit's bytes (response bodies as served)"
printf -v line '%-22s %10s %10s %10s' file raw gzip brotli; log "$line"
declare -A total=([identity]=0 [gzip]=0 [br]=0)
for path in /login /pkg/primer.js /pkg/primer_bg.wasm /pkg/primer.css /sw-register.js /offline-store.js; do
  sizes=()
  for enc in identity gzip br; do
    n=$(body_size "$base$path" "$enc")
    sizes+=("$n")
    [[ "$path" == /login ]] || total[$enc]=$((total[$enc] + n))
  done
  printf -v line '%-22s %10s %10s %10s' "$path" "${sizes[@]}"; log "$line"
done
printf -v line '%-22s %10s %10s %10s' "shell (all but HTML)" "${total[identity]}" "${total[gzip]}" "${total[br]}"; log "$line"
log "shell, brotli: $(awk -v b="${total[br]}" 'BEGIN { printf "%.0f KB = %.2fx the 200 KB goal", b / 1000, b / 200000 }')"
home=$(body_size "$base/" br "$learner_session")
log "Home as the demo learner, brotli HTML: $home B"
log "first visit to Home (HTML + shell), brotli: $((home + total[br])) B = $(awk -v b="$((home + total[br]))" 'BEGIN { printf "%.2fx", b / 200000 }') the 200 KB goal"
staff=0
for path in /pkg/primer-staff.js /pkg/primer-staff_bg.wasm; do staff=$((staff + $(body_size "$base$path" br))); done
log "the staff's bundle (Studio, Team, admin pages only; not in the above), brotli: $staff B"
log ""

# --- 2. Chromium: the first visit as transferred, and the offline start ---------------
browser_json=$(node end2end/bench/app.mjs "$base")
python3 - "$browser_json" <<'PY' | tee -a "$report"
import json, sys
r = json.loads(sys.argv[1])
fv = r["first_visit"]
print("Chromium, first visit to / (redirected to sign-in), bytes transferred (headers + encoded bodies):")
for who in ("page", "worker"):
    kinds = fv[who]
    print(f"  {who:7s}" + "".join(f" {k} {v:,}" for k, v in sorted(kinds.items())) + f"  total {sum(kinds.values()):,}")
print()
on, off = r["reload"]["online"], r["reload"]["offline"]
print(f"2. Reload of Home, signed in, median of {r['runs']}:")
print(f"  online:  content {on['content_ms']:.0f} ms, hydrated {on['hydrated_ms']:.0f} ms")
print(f"  offline: content {off['content_ms']:.0f} ms, hydrated {off['hydrated_ms']:.0f} ms")
print(f"  offline / online: content {off['content_ms'] / on['content_ms']:.2f}x, hydrated {off['hydrated_ms'] / on['hydrated_ms']:.2f}x")
PY
log ""

# --- 3. Lighthouse ------------------------------------------------------------------------
printf '{"Cookie": "primer_session=%s"}' "$learner_session" > "$work/learner-headers.json"
log "3. Lighthouse mobile (simulated slow 4G, 4x CPU), median of 5 runs by score:"
printf -v line '%-10s %6s %9s %9s %7s %9s' page score LCP TBT CLS FCP; log "$line"
# A video module's player page, as the demo learner finds it in their catalog.
video=$(curl -fsS -b "primer_session=$learner_session" "$base/api/v1/catalog" |
  python3 -c 'import json, sys; print(next(m["id"] for m in json.load(sys.stdin)["modules"] if m["kind"] == "video"))')
for target in "sign-in /login" "home /" "library /library" "player /modules/$video"; do
  read -r name path <<<"$target"
  headers=()
  [[ "$name" == sign-in ]] || headers=(--extra-headers="$work/learner-headers.json")
  for i in 1 2 3 4 5; do
    CHROME_PATH=/usr/bin/chromium "$lighthouse" "$base$path" --quiet "${headers[@]}" \
      --only-categories=performance --output=json --output-path="$work/lh-$name-$i.json" \
      --chrome-flags="--headless=new --no-sandbox --disable-background-networking --disable-gpu --disable-dev-shm-usage" \
      >/dev/null 2>&1 || { echo "lighthouse failed on $path" >&2; exit 1; }
  done
  python3 - "$name" "$work"/lh-"$name"-*.json <<'PY' | tee -a "$report"
import json, sys
name, files = sys.argv[1], sys.argv[2:]
runs = []
for f in files:
    r = json.load(open(f))
    if r.get("runtimeError"):
        sys.exit(f"lighthouse: {r['runtimeError']}")
    a = r["audits"]
    runs.append((r["categories"]["performance"]["score"] * 100, a["largest-contentful-paint"]["numericValue"],
                 a["total-blocking-time"]["numericValue"], a["cumulative-layout-shift"]["numericValue"],
                 a["first-contentful-paint"]["numericValue"]))
runs.sort()
s, lcp, tbt, cls, fcp = runs[len(runs) // 2]
print(f"{name:10s} {s:6.0f} {lcp / 1000:8.1f}s {tbt:7.0f}ms {cls:7.3f} {fcp / 1000:8.1f}s   (scores {', '.join(f'{r[0]:.0f}' for r in runs)})")
PY
done
log "Goal: performance ≥ 95 on each."
log ""
log "Written to $report"
