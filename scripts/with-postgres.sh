#!/usr/bin/env bash
# Runs a command with PRIMER_TEST_POSTGRES_URL pointing at a PostgreSQL server.
#
# If PRIMER_TEST_POSTGRES_URL is already set, that server is used as it is. Otherwise a
# throwaway server is created in a temporary directory (initdb, trust auth, a free port on
# 127.0.0.1), and stopped and deleted when the command ends, whether it passed or not.
# Each test creates its own database on it.
set -euo pipefail

if [[ -n "${PRIMER_TEST_POSTGRES_URL:-}" ]]; then
  exec "$@"
fi

pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do [[ -x "$dir/initdb" ]] && pg_bin="$dir"; done
[[ -z "$pg_bin" ]] && pg_bin="$(dirname "$(command -v initdb)")"

tmp="$(mktemp -d /tmp/primer-pg.XXXXXX)"
# PostgreSQL refuses to run as root: as root, run it as the `postgres` OS user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[[ $(id -u) -eq 0 ]] && chown postgres "$tmp"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

cleanup() {
  as_pg "$pg_bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

as_pg "$pg_bin/initdb" -D "$tmp/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log"; exit 1; }
# A throwaway server for tests: durability settings off for speed (this data is deleted
# at exit), unless PRIMER_PG_DURABLE=1 (benchmarks: commits as in production); enough
# connections for parallel tests that each open a small pool.
settings="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[[ "${PRIMER_PG_DURABLE:-}" == 1 ]] && settings=""
as_pg "$pg_bin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 30 start -o \
  "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c max_connections=300 $settings" \
  >/dev/null || { cat "$tmp/server.log"; exit 1; }

export PRIMER_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "throwaway PostgreSQL on 127.0.0.1:$port ($tmp)" >&2
set +e
"$@"
status=$?
set -e
exit $status
