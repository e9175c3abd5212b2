#!/usr/bin/env bash
# Starts the release build for the browser tests: a fresh SQLite database in a temporary
# directory, the demo people loaded, deleted again when Playwright stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
primer=./target/release/primer
[[ -x "$primer" ]] || { echo "build Primer first: make build" >&2; exit 1; }
data="$(mktemp -d /tmp/primer-e2e.XXXXXX)"
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT
trap 'exit 0' INT TERM
export PRIMER_DATA_DIR="$data" PRIMER_LOG="${PRIMER_LOG:-warn}"
"$primer" demo >/dev/null
"$primer" serve --bind "127.0.0.1:${PRIMER_E2E_PORT:-3917}" &
pid=$!
wait "$pid"
