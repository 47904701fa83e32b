#!/usr/bin/env bash
# Benchmarks that print figures (no pass/fail): the app's first-load size, the time to the
# first usable form in headless Chromium, and inline QR generation. With --all, also the
# sandbox (initiate and quick-start flow vs a bare axum route) and the proxy (vs direct and
# cors-anywhere, with wrk); each of those takes about two minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
export PATH="$PWD/node_modules/.bin:$PATH"
target_dir=$(cargo metadata --format-version 1 --no-deps --offline | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
scripts/build.sh >/dev/null
echo "== first-load size"
scripts/size.sh
echo "== time to the first usable form"
ECOM_SERVER_BIN="$target_dir/release/ecom-proxy" node bench/app-load.mjs 15
echo "== inline QR generation (native; the browser runs the same code as wasm)"
cargo run --offline --quiet --release -p ecom-core --example qr_bench
if [ "${1:-}" = "--all" ]; then
  echo "== sandbox"
  crates/ecom-conformance/bench/run.sh
  echo "== proxy"
  crates/ecom-proxy/bench/run.sh
fi
