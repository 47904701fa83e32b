#!/usr/bin/env bash
# Quick start, command 2: installs what is missing and runs the whole suite, cheapest first:
# format, lints (native and wasm32), native tests, browser tests, the release build and its
# size, the sandbox's Postman and browser suites, and the end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
target_dir=$(cargo metadata --format-version 1 --no-deps --offline | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
step() { printf '\n== %s\n' "$*"; }

step "format"
cargo fmt --all --check

step "clippy, native"
cargo clippy --offline --workspace --all-targets -- -D warnings

step "clippy, the sandbox's domain and wire views without the native host (no axum, tokio or network)"
cargo clippy --offline -p ecom-sandbox --no-default-features -- -D warnings

step "clippy, wasm32"
cargo clippy --offline -p ecom-playground -p ecom-core --all-targets --target wasm32-unknown-unknown -- -D warnings

step "clippy, wasm32: the sandbox in the browser (its portable http layer and the worker host)"
cargo clippy --offline -p ecom-sandbox-worker --target wasm32-unknown-unknown -- -D warnings

step "clippy, wasm32: the release build's split points (--cfg ecom_split, src/parts.rs)"
RUSTFLAGS="--cfg erase_components --cfg ecom_split" cargo clippy --offline -p ecom-playground --target wasm32-unknown-unknown -- -D warnings

step "native tests"
cargo test --offline --workspace

step "browser tests (wasm-bindgen-test, headless Chromium)"
# The runner leaves a browser profile per run in TMPDIR; debug info makes the test wasm 15x larger.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
TMPDIR="$scratch" CARGO_PROFILE_DEV_DEBUG=0 cargo test --offline -p ecom-playground --target wasm32-unknown-unknown

step "release build"
scripts/build.sh
scripts/size.sh

step "the official Postman collection with newman, against the sandbox"
crates/ecom-conformance/newman/run.sh

step "the sandbox's landing and app pages in headless Chromium"
crates/ecom-conformance/browser/run.sh

step "end-to-end (release app + proxy + sandbox in headless Chromium)"
ECOM_SERVER_BIN="$target_dir/release/ecom-proxy" node --test --test-concurrency=1 tests/e2e/

printf '\nall checks passed in %d s\n' "$(($(date +%s) - started))"
