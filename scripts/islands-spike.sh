#!/usr/bin/env bash
# Issue 19's islands spike: builds the learner's bundle as Leptos islands (spikes/islands,
# app::islands_spike) the way `make wasm` builds the real one (wasm-release profile,
# erase_components, wasm-bindgen with the same flags), twice: the floor (Leptos' islands
# runtime and one trivial island) and Home's and Library's islands with the device's part.
# Prints raw and brotli --best bytes of each wasm and its JS beside the shipped learner's
# bundle. A measurement only: nothing here is served.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
out=$target/islands-spike
mkdir -p "$out"
size() { printf '%9d B raw %8d B brotli' "$(wc -c <"$1")" "$(brotli --best -c "$1" | wc -c)"; }
for variant in floor pages; do
  features=()
  [[ $variant == pages ]] && features=(--features pages)
  cargo build -p islands-spike --lib --target wasm32-unknown-unknown --profile wasm-release "${features[@]}"
  wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
    --out-dir "$out/$variant" --out-name spike "$target/wasm32-unknown-unknown/wasm-release/islands_spike.wasm"
done
echo
echo "Islands spike (wasm-release, erase_components, wasm-bindgen as make wasm):"
printf '  %-44s %s\n' "islands floor: runtime + one trivial island" "$(size "$out/floor/spike_bg.wasm")"
printf '  %-44s %s\n' "Home + Library + device islands" "$(size "$out/pages/spike_bg.wasm")"
printf '  %-44s %s\n' "  its JS glue" "$(size "$out/pages/spike.js")"
if [[ -f target/site/pkg/primer_bg.wasm ]]; then
  printf '  %-44s %s\n' "shipped learner's bundle (full hydration)" "$(size target/site/pkg/primer_bg.wasm)"
fi
