# Primer: build, run and test. `make run` and `make test` are the two commands a newcomer
# needs; each installs what it needs first (scripts/setup.sh) and skips what is there.
#
# The build is four plain steps rather than cargo-leptos, which takes ~18 minutes to
# install on a 2-core machine (its latest release also needs a newer rustc): the wasm
# bundle, wasm-bindgen (pinned to Cargo.lock's version by scripts/setup.sh), the CSS and
# public files, and the server.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Build output and tools live outside the checkout, so a fresh clone builds warm. The
# checkout's `target` is a link to that directory, so `target/release/primer` and
# `target/site` are where everyone expects them.
CACHE_DIR ?= $(HOME)/.cache/primer
export CARGO_TARGET_DIR ?= $(CACHE_DIR)/target
export PRIMER_TOOLS_DIR ?= $(CACHE_DIR)/tools
# Someone ran plain cargo before make created the link: use that directory as it is.
ifeq ($(shell test -d target -a ! -L target && echo real),real)
export CARGO_TARGET_DIR := $(CURDIR)/target
endif
export PATH := $(PRIMER_TOOLS_DIR)/bin:$(HOME)/.cargo/bin:$(PATH)

SITE := target/site
PKG := $(SITE)/pkg
# The name of the JS/wasm/CSS bundle; the server's HydrationScripts use the same name.
# The learner's bundle is `primer`, the staff's `primer-staff` (app::Bundle).
OUTPUT_NAME := primer
WASM_DIR := $(CARGO_TARGET_DIR)/wasm32-unknown-unknown/wasm-release

.PHONY: help run build test bench test-rust test-e2e shell-budget setup-build setup-test setup-bench target-link wasm site server fmt lint clean

help:
	@echo "make run    build, migrate, load demo data, serve on http://127.0.0.1:3000"
	@echo "make test   every test: unit, HTTP (SQLite + PostgreSQL), end2end (Chromium)"
	@echo "make build  the release binary (target/release/primer) and site (target/site)"
	@echo "make lint   rustfmt --check and clippy"
	@echo "make bench  media serving against nginx, upload memory, the app's bytes, Lighthouse, offline start, sync, reports, a sign-in burst, a take over a flaky link"
	@echo "            (one part: make bench BENCH=app)"

run: build
	./target/release/primer demo
	exec ./target/release/primer serve

build: setup-build target-link wasm site server

test: setup-test build shell-budget lint test-rust test-e2e

# The learner shell's bytes against its budget (scripts/shell-budget.sh).
shell-budget:
	scripts/shell-budget.sh

setup-build:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

setup-bench:
	@scripts/setup.sh bench

# Benchmarks report ratios against a baseline measured in the same run (never a pass/fail
# timing): see scripts/bench.sh.
bench: setup-bench build
	BENCH="$(BENCH)" scripts/bench.sh

target-link:
	@mkdir -p "$(CARGO_TARGET_DIR)"
	@if [[ "$(CARGO_TARGET_DIR)" != "$(CURDIR)/target" ]]; then ln -sfn "$(CARGO_TARGET_DIR)" target; fi

# Two bundles, each built on its own: cargo unifies the features of the packages one
# command builds, and the learner's must be built without app's `staff` feature.
wasm:
	cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
	cargo build -p frontend-staff --lib --target wasm32-unknown-unknown --profile wasm-release
	@mkdir -p $(PKG)
	wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
	  --out-dir $(PKG) --out-name $(OUTPUT_NAME) $(WASM_DIR)/frontend.wasm
	wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
	  --out-dir $(PKG) --out-name $(OUTPUT_NAME)-staff $(WASM_DIR)/frontend_staff.wasm
	@# The glue without its comment lines and indentation (the phone pays for every byte).
	for f in $(OUTPUT_NAME).js $(OUTPUT_NAME)-staff.js; do \
	  awk -f scripts/strip-comments.awk "$(PKG)/$$f" > "$(PKG)/$$f.tmp" || exit 1; mv "$(PKG)/$$f.tmp" "$(PKG)/$$f"; done

site: wasm
	@mkdir -p $(PKG)
	@# Two stylesheets: everyone's, and the staff's pages' own (learners never download it).
	awk -f scripts/strip-comments.awk style/main.css > $(PKG)/$(OUTPUT_NAME).css
	awk -f scripts/strip-comments.awk style/staff.css > $(PKG)/$(OUTPUT_NAME)-staff.css
	cp -R public/. $(SITE)/
	@# The browser scripts without their comment lines and indentation (the phone pays for every byte).
	for f in public/*.js; do awk -f scripts/strip-comments.awk "$$f" > "$(SITE)/$${f#public/}" || exit 1; done
	@# Compressed once, at the highest levels, so phones on a weak signal download the
	@# smallest bundle; the server sends these files as they are.
	cd $(PKG) && for f in $(OUTPUT_NAME).js $(OUTPUT_NAME)_bg.wasm $(OUTPUT_NAME)-staff.js $(OUTPUT_NAME)-staff_bg.wasm $(OUTPUT_NAME).css $(OUTPUT_NAME)-staff.css; do \
	  brotli --force --best --keep "$$f" && gzip --force --best --keep "$$f"; done

server:
	cargo build -p server --release

# Unit and HTTP-level tests; PostgreSQL tests run against a throwaway server that
# scripts/with-postgres.sh starts and stops (or PRIMER_TEST_POSTGRES_URL), the S3 media
# store against a throwaway moto server from scripts/with-s3.sh (or PRIMER_TEST_S3_URL), email
# against a real SMTP server (aiosmtpd: plain, STARTTLS, TLS) from scripts/with-smtp.sh.
test-rust:
	cargo fmt --all --check
	scripts/with-postgres.sh scripts/with-s3.sh scripts/with-smtp.sh cargo test -p app -p server

# The service worker's own logic first (node --test, no browser), then Chromium.
test-e2e:
	cd end2end && node --test unit/
	cd end2end && npx playwright test

lint:
	cargo fmt --all --check
	cargo clippy -p app -p server --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p frontend-staff --target wasm32-unknown-unknown -- -D warnings
	@# The islands spike (issue 19's measurement, scripts/islands-spike.sh) keeps compiling.
	cargo clippy -p islands-spike --features pages --target wasm32-unknown-unknown -- -D warnings

fmt:
	cargo fmt --all

clean:
	rm -rf "$(CARGO_TARGET_DIR)" target
