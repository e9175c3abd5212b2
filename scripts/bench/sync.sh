#!/usr/bin/env bash
# Sync benchmarks, each reported against a baseline measured in the same run:
#
#   1. Ingest: records per second through `POST /api/v1/sync` (HTTP, session auth,
#      validation, quiz scoring, the progress projection, certificates, durable commit) at
#      batch sizes 1, 50 and 500, against inserting the same kind of rows into the same
#      table through sea-orm directly (one insert and one durable commit per batch), on
#      SQLite (WAL, synchronous=FULL) and on PostgreSQL (fsync on, as in production); for
#      a new learner and for one given 100,000 earlier records.
#      See server/examples/sync_ingest.rs.
#   2. The app: how long the learner app takes to send 500 records queued offline after
#      the phone comes back online, against one plain POST of 500 records.
#
# Nothing here is a pass/fail test: it prints numbers, and writes them to
# target/bench/sync.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
# A throwaway PostgreSQL that commits durably (unless one is given).
if [[ -z "${PRIMER_TEST_POSTGRES_URL:-}" ]]; then
  PRIMER_PG_DURABLE=1 exec scripts/with-postgres.sh "$0" "$@"
fi
cargo build --release -q -p server --example sync_ingest
ingest=./target/release/examples/sync_ingest
source scripts/bench/lib.sh
bench_report sync
# The benchmark is one learner syncing as fast as it can: past any person's rate limit.
export PRIMER_SYNC_MAX_BATCHES_PER_MINUTE=1000000 PRIMER_SYNC_MAX_RECORDS_PER_MINUTE=1000000000

log "Sync ingest, one device sending batches one after another (records/s; ratio = sync / raw insert):"
start_primer
"$ingest" "$base" "$(sign_in learner)" "sqlite://$PRIMER_DATA_DIR/primer.db" SQLite \
  "$(sign_in sam)" sam@primer.example | tee -a "$report"

log ""
log "The app flushing 500 queued records after coming back online (Chromium, SQLite):"
flush=$(node end2end/bench/flush.mjs "$base" "$(sign_in learner)")
python3 - "$flush" <<'PY' | tee -a "$report"
import json, sys
r = json.loads(sys.argv[1])
print(f"  app: {r['app_flush_ms']} ms from `online` to \"All synced\" (median of {len(r['runs'])}: {r['runs']} ms)")
print(f"  one POST of the same 500 records from the same page: {r['single_post_ms']} ms "
      f"(the app takes {r['app_flush_ms'] / max(r['single_post_ms'], 1):.1f}x that)")
PY
kill "$primer_pid"; wait "$primer_pid" 2>/dev/null || true

# The same on PostgreSQL: a database of its own, the demo data, a server on it.
psql=psql
for dir in /usr/lib/postgresql/*/bin; do [[ -x "$dir/psql" ]] && psql="$dir/psql"; done
db="primer_bench_$$"
"$psql" -q "$PRIMER_TEST_POSTGRES_URL" -c "CREATE DATABASE $db"
export PRIMER_DATABASE_URL="${PRIMER_TEST_POSTGRES_URL%/*}/$db" PRIMER_DATA_DIR="$work/pg"
"$primer" demo >/dev/null
start_primer
"$ingest" "$base" "$(sign_in learner)" "$PRIMER_DATABASE_URL" PostgreSQL \
  "$(sign_in sam)" sam@primer.example | tee -a "$report"
kill "$primer_pid"; wait "$primer_pid" 2>/dev/null || true
"$psql" -q "$PRIMER_TEST_POSTGRES_URL" -c "DROP DATABASE $db" || true
