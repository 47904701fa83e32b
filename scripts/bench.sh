#!/usr/bin/env bash
# Benchmarks that print figures (no pass/fail): the app's first-load size, the time to the
# first usable form in headless Chromium, the playground next to Swagger UI (cold loads without
# throttling, on a phone network, and with 4x CPU too), the main thread's blocking after the
# first paint (4x CPU), Lighthouse (mobile, 3 runs), and inline
# QR generation. With --unsplit, the side-by-side also has the app built as one module. With
# --all, also the sandbox (initiate and quick-start flow vs a bare axum route) and the proxy (vs
# direct and cors-anywhere, with wrk); each of those takes about two minutes.
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
compare_args=()
if [ "${1:-}" = "--unsplit" ]; then
  unsplit="$target_dir/dist-unsplit"
  scripts/build.sh --unsplit "$unsplit" >/dev/null
  echo "== the app built as one module (no split points)"
  scripts/size.sh "$unsplit"
  compare_args=(--dist "$unsplit")
fi
echo "== the playground next to Swagger UI (median of 7 interleaved cold loads per condition)"
ECOM_SERVER_BIN="$target_dir/release/ecom-proxy" node bench/compare.mjs 7 "${compare_args[@]}"
echo "== main-thread blocking after the first paint (4x CPU, median of 9 cold loads)"
ECOM_SERVER_BIN="$target_dir/release/ecom-proxy" node bench/blocking.mjs 9
echo "== Lighthouse (mobile defaults, 3 runs)"
ECOM_SERVER_BIN="$target_dir/release/ecom-proxy" node bench/lighthouse.mjs 3
echo "== inline QR generation (native; the browser runs the same code as wasm)"
cargo run --offline --quiet --release -p ecom-core --example qr_bench
if [ "${1:-}" = "--all" ]; then
  echo "== sandbox"
  crates/ecom-conformance/bench/run.sh
  echo "== proxy"
  crates/ecom-proxy/bench/run.sh
fi
