#!/usr/bin/env bash
# Builds the release app (dist/, size-optimised wasm + wasm-opt) and the release server binary.
# Expects scripts/setup.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
trunk build --release
test -f dist/index.html || { echo "build: dist/index.html is missing after trunk build" >&2; exit 1; }
cargo build --release --offline --quiet -p ecom-proxy
