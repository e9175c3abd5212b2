#!/usr/bin/env bash
# Runs a command with PRIMER_TEST_S3_URL pointing at an S3-compatible server that has a
# bucket called `primer-test`, for the media store's S3 tests.
#
# If PRIMER_TEST_S3_URL is already set, that server is used as it is. Otherwise a
# throwaway moto server (installed by scripts/setup.sh test, from PyPI) is started on a
# free port and stopped when the command ends, whether it passed or not. Its buckets live
# in memory, so nothing is left behind.
set -euo pipefail

if [[ -n "${PRIMER_TEST_S3_URL:-}" ]]; then
  exec "$@"
fi

moto="${PRIMER_TOOLS_DIR:-$HOME/.cache/primer/tools}/moto/bin/moto_server"
[[ -x "$moto" ]] || { echo "no moto server at $moto: run scripts/setup.sh test" >&2; exit 1; }
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$(mktemp /tmp/primer-s3.XXXXXX.log)"
"$moto" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT INT TERM

url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "$url/" && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
curl -fsS -o /dev/null -X PUT "$url/primer-test" || { cat "$log" >&2; exit 1; }

export PRIMER_TEST_S3_URL="$url"
"$@"
