#!/usr/bin/env bash
# Installs what Primer's build (and, with `test`, its test suite) needs on a Debian machine,
# skipping whatever is already there. Safe to run any number of times.
#
#   scripts/setup.sh build   # wasm32 target, wasm-bindgen CLI
#   scripts/setup.sh test    # the above + Chromium, PostgreSQL, end2end npm packages
#   scripts/setup.sh bench   # build + nginx (the baseline), wrk (the load generator),
#                            # Chromium, the end2end packages and Lighthouse
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-build}"
tools_dir="${PRIMER_TOOLS_DIR:-$HOME/.cache/primer/tools}"
say() { printf '\033[1;34m==> %s\033[0m\n' "$*"; }

# --- Disk space --------------------------------------------------------------------
# The target directory lives outside the checkout and outlives it, and rustc's
# incremental caches grow with every edit (they once filled this machine's disk, which
# stops everything). With under 20 GB free they go (a rebuild without them takes a few
# minutes); with under 10 GB still, the debug build goes too.
target="${CARGO_TARGET_DIR:-target}"
if [[ -d "$target" ]]; then
  free_gb() { df --output=avail -BG "$target" | tail -1 | tr -dc 0-9; }
  if (( $(free_gb) < 20 )); then
    say "only $(free_gb) GB free: removing incremental build caches in $target"
    rm -rf "$target"/*/incremental "$target"/*/*/incremental
  fi
  if (( $(free_gb) < 10 )); then
    say "only $(free_gb) GB free: removing the debug build in $target"
    rm -rf "$target/debug"
  fi
fi

# --- Debian packages ---------------------------------------------------------------
debs=()
# brotli compresses the browser bundle at build time; ffmpeg reads uploaded videos
# (duration, size, a poster frame) and makes the demo's videos.
command -v brotli >/dev/null || debs+=(brotli)
{ command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null; } || debs+=(ffmpeg)
# The demo's videos carry titles drawn in this font.
[[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || debs+=(fonts-dejavu-core)
if [[ "$what" == test ]]; then
  command -v chromium >/dev/null || debs+=(chromium fonts-dejavu-core)
  # Debian's postgresql keeps its server binaries (initdb, pg_ctl) off PATH.
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null \
    || debs+=(postgresql)
  # The S3 media store is tested against moto, an S3-compatible server from PyPI, in a
  # virtual environment of its own.
  command -v curl >/dev/null || debs+=(curl)
  python3 -c 'import venv, ensurepip' 2>/dev/null || debs+=(python3-venv)
  # The email tests' SMTP server gets a certificate from a throwaway CA.
  command -v openssl >/dev/null || debs+=(openssl)
fi
if [[ "$what" == bench ]]; then
  # nginx is only the benchmark's baseline: installed, never started as a service.
  [[ -x /usr/sbin/nginx ]] || debs+=(nginx-light)
  command -v wrk >/dev/null || debs+=(wrk)
  command -v curl >/dev/null || debs+=(curl)
  command -v chromium >/dev/null || debs+=(chromium fonts-dejavu-core)
fi
if ((${#debs[@]})); then
  say "installing Debian packages: ${debs[*]}"
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${debs[@]}"
fi

# --- Rust: the browser target ------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# --- wasm-bindgen CLI ----------------------------------------------------------------
# The CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock (the JS glue
# it writes is tied to the crate's internals), so the version is read from the lockfile.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$("$tools_dir/bin/wasm-bindgen" --version 2>/dev/null | awk '{print $2}' || true)
if [[ "$have" != "$want" ]]; then
  say "installing wasm-bindgen-cli $want into $tools_dir"
  # Not --locked: the CLI's own lockfile pins a crate version this registry lacks.
  cargo install wasm-bindgen-cli --version "$want" --root "$tools_dir" --force
fi

# --- moto: the S3-compatible server the media store's S3 tests run against -------------
moto_version=5.2.5
if [[ "$what" == test && "$(cat "$tools_dir/moto/.primer-version" 2>/dev/null)" != "$moto_version" ]]; then
  say "installing moto $moto_version (S3-compatible test server) into $tools_dir/moto"
  rm -rf "$tools_dir/moto"
  python3 -m venv "$tools_dir/moto"
  "$tools_dir/moto/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version"
  echo "$moto_version" > "$tools_dir/moto/.primer-version"
fi

# --- aiosmtpd: the SMTP server the email tests send to (scripts/with-smtp.sh), and dkimpy,
# which checks Primer's DKIM signatures with an implementation of its own ---------------
mailsink_version="aiosmtpd==1.4.6 dkimpy==1.1.8"
if [[ "$what" == test && "$(cat "$tools_dir/mailsink/.primer-version" 2>/dev/null)" != "$mailsink_version" ]]; then
  say "installing $mailsink_version (SMTP test server) into $tools_dir/mailsink"
  rm -rf "$tools_dir/mailsink"
  python3 -m venv "$tools_dir/mailsink"
  # shellcheck disable=SC2086
  "$tools_dir/mailsink/bin/pip" install --quiet --disable-pip-version-check $mailsink_version
  echo "$mailsink_version" > "$tools_dir/mailsink/.primer-version"
fi

# --- end2end: Playwright's test runner (never its browser download) ------------------
if [[ "$what" == test || "$what" == bench ]]; then
  if [[ ! -f end2end/node_modules/.package-lock.json \
        || end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]]; then
    say "installing end2end npm packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# --- Lighthouse, for the app benchmark (Debian's Chromium, never its own browser) -------
if [[ "$what" == bench ]]; then
  lh="$tools_dir/lighthouse"
  if ! cmp -s scripts/bench/lighthouse/package-lock.json "$lh/package-lock.json" \
      || [[ ! -x "$lh/node_modules/.bin/lighthouse" ]]; then
    say "installing Lighthouse into $lh"
    mkdir -p "$lh"
    cp scripts/bench/lighthouse/package.json scripts/bench/lighthouse/package-lock.json "$lh/"
    (cd "$lh" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
