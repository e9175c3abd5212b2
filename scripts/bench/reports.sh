#!/usr/bin/env bash
# The manager report at scale, on SQLite and on PostgreSQL: 10,000 learners x 50 modules
# (500,000 learning records and as many progress rows; server/examples/reports_bench.rs
# seeds them), then `GET /api/v1/reports/people` as JSON and as CSV, each on a freshly
# started server: time to first byte, total time (median of 3), and the server's peak
# resident memory over what it held before the request. The baseline, in the same run:
# one hand-written SQL aggregate of the report's main figures per person (required done
# and total, overdue, last activity, latest quiz score, last sync), read whole and written
# as JSON, or streamed into CSV. Then the module report (`GET /api/v1/reports/modules`)
# against one SQL aggregate per module over the same progress rows and records.
#
# Nothing here is a pass/fail test: it prints numbers, and writes them to
# target/bench/reports.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -z "${PRIMER_TEST_POSTGRES_URL:-}" ]]; then
  exec scripts/with-postgres.sh "$0" "$@"
fi
cargo build --release -q -p server --example reports_bench
bench=./target/release/examples/reports_bench
source scripts/bench/lib.sh
bench_report reports

# measure LABEL DATABASE_URL: seed, then every request on a server of its own.
measure() {
  local label=$1 url=$2 results="$work/$1.jsonl"
  start_primer
  "$bench" seed "$base" "$(sign_in admin)" "$url" "$work/plan-$label.json" | tee -a "$report"
  kill "$primer_pid"; wait "$primer_pid" 2>/dev/null || true
  local team
  team=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["team_ids"][0])' "$work/plan-$label.json")
  local role="job_role=Bench%20Seller"
  for run in "csv-team|people?format=csv&team_id=$team&$role" "csv-all|people?format=csv&$role" \
    "json-all|people?$role" "modules|modules?$role"; do
    start_primer
    "$bench" http "$base" "$(sign_in admin)" "$primer_pid" "${run#*|}" "${run%%|*}" >>"$results"
    kill "$primer_pid"; wait "$primer_pid" 2>/dev/null || true
  done
  "$bench" raw "$url" "$work/plan-$label.json" json >>"$results"
  "$bench" raw "$url" "$work/plan-$label.json" csv >>"$results"
  "$bench" raw-modules "$url" >>"$results"
  python3 - "$label" "$results" <<'PY' | tee -a "$report"
import json, sys
label, path = sys.argv[1], sys.argv[2]
r = {x["label"]: x for x in map(json.loads, open(path))}
mib = lambda kib: kib / 1024
def line(name, row, base):
    ratio = row["total_ms"] / max(base["total_ms"], 0.001)
    return (f"  {name:<30} first byte {row['ttfb_ms']:7.0f} ms, total {row['total_ms']:7.0f} ms "
            f"= {ratio:.2f}x the raw SQL ({base['total_ms']:.0f} ms); {row['bytes'] / 1e6:.1f} MB; "
            f"server memory +{mib(row['peak_growth_kib']):.1f} MiB")
print(f"{label}: people report, 10,000 learners (admin, filtered to the bench job role)")
print(line("JSON, 10,000 people", r["json-all"], r["raw json"]))
print(line("CSV, 10,000 people", r["csv-all"], r["raw csv"]))
print(f"  {'CSV, one team (2,500 people)':<30} first byte {r['csv-team']['ttfb_ms']:7.0f} ms, total {r['csv-team']['total_ms']:7.0f} ms; "
      f"server memory +{mib(r['csv-team']['peak_growth_kib']):.1f} MiB")
team, every = r["csv-team"]["peak_growth_kib"], r["csv-all"]["peak_growth_kib"]
print(f"  CSV memory, 4x the people: +{mib(team):.1f} -> +{mib(every):.1f} MiB "
      f"(JSON of the same 10,000: +{mib(r['json-all']['peak_growth_kib']):.1f} MiB)")
print(f"  raw SQL baseline: JSON {r['raw json']['total_ms']:.0f} ms ({r['raw json']['rows']} rows), "
      f"CSV {r['raw csv']['total_ms']:.0f} ms (first chunk {r['raw csv']['ttfb_ms']:.0f} ms)")
m, base = r["modules"], r["raw modules"]
print(f"  {'module report (50 modules)':<30} total {m['total_ms']:7.0f} ms = {m['total_ms'] / max(base['total_ms'], 0.001):.2f}x "
      f"the raw SQL per module ({base['total_ms']:.0f} ms); server memory +{mib(m['peak_growth_kib']):.1f} MiB")
PY
}

measure SQLite "sqlite://$PRIMER_DATA_DIR/primer.db"

psql=psql
for dir in /usr/lib/postgresql/*/bin; do [[ -x "$dir/psql" ]] && psql="$dir/psql"; done
db="primer_reports_$$"
"$psql" -q "$PRIMER_TEST_POSTGRES_URL" -c "CREATE DATABASE $db"
export PRIMER_DATABASE_URL="${PRIMER_TEST_POSTGRES_URL%/*}/$db" PRIMER_DATA_DIR="$work/pg"
"$primer" demo >/dev/null
log ""
measure PostgreSQL "$PRIMER_DATABASE_URL"
"$psql" -q "$PRIMER_TEST_POSTGRES_URL" -c "DROP DATABASE $db" || true
