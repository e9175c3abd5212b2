#!/usr/bin/env bash
# Runs Primer's benchmarks against the release build (`make bench` builds it first). Each
# part reports ratios against a baseline measured in the same run, prints its numbers and
# writes them to target/bench/<part>.txt; nothing here passes or fails on timing.
#
#   make bench               every part
#   make bench BENCH=app     one or more parts by name: media video app sync reports login takes
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a parts <<<"${BENCH:-media video app sync reports login takes}"
for part in "${parts[@]}"; do
  [[ -x "scripts/bench/$part.sh" ]] || { echo "no benchmark called $part (scripts/bench/)" >&2; exit 1; }
  "scripts/bench/$part.sh"
  echo
done
