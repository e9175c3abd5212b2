#!/usr/bin/env bash
# A burst of wrong passwords against the release build, on SQLite and on PostgreSQL: 60
# parallel sign-ins for one account from one address. Reports how many passwords were
# checked (401 answers; the rest are 429 `too_many_attempts` or `busy`) and the server's
# peak resident memory (VmHWM) over what it held when idle. Each argon2 check takes
# ~19 MiB while it runs, so the figures show the throttle counting attempts before it
# hashes them and the bound on checks at once (PRIMER_MAX_PASSWORD_CHECKS).
#
# Nothing here is a pass/fail test: it prints numbers, and writes them to
# target/bench/login.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ -z "${PRIMER_TEST_POSTGRES_URL:-}" ]]; then
  exec scripts/with-postgres.sh "$0" "$@"
fi
source scripts/bench/lib.sh
bench_report login

hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$primer_pid/status"; }

# burst LABEL: the demo learner's account, 60 wrong passwords at once.
burst() {
  local label=$1
  start_primer
  # Idle: started, the dummy hash computed, one page served.
  curl -fs -o /dev/null "$base/login"
  local idle
  idle=$(hwm)
  seq 60 | xargs -P 60 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
    -H 'content-type: application/json' -H "origin: $base" \
    -d '{"email":"learner@primer.example","password":"wrong guess {}"}' "$base/api/v1/auth/login" \
    >"$work/$label.codes"
  local peak checked throttled busy
  peak=$(hwm)
  checked=$(grep -c '^401$' "$work/$label.codes" || true)
  throttled=$(grep -c '^429$' "$work/$label.codes" || true)
  busy=$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")
  log "$label: 60 parallel wrong passwords, one account, one address"
  log "  passwords checked (401): $checked; refused before checking (429): $throttled; other: $((60 - checked - throttled))"
  log "  VmHWM idle $((idle / 1024)) MiB, after the burst $((peak / 1024)) MiB: +$(((peak - idle) / 1024)) MiB (healthz after: $busy)"
  kill "$primer_pid"; wait "$primer_pid" 2>/dev/null || true
}

burst sqlite

pg_db="primer_bench_login_$$"
psql "$PRIMER_TEST_POSTGRES_URL" -qc "CREATE DATABASE $pg_db" >/dev/null
pg_url="${PRIMER_TEST_POSTGRES_URL%/*}/$pg_db"
export PRIMER_DATABASE_URL="$pg_url"
"$primer" demo >/dev/null
burst postgres
psql "$PRIMER_TEST_POSTGRES_URL" -qc "DROP DATABASE $pg_db WITH (FORCE)" >/dev/null || true
