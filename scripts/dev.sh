#!/usr/bin/env bash
# Development mode: the proxy (with the sandbox) on :8080 and `trunk serve` with hot reload on
# :8081, which forwards the API paths to the proxy (Trunk.toml [[proxy]]). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
cargo build --offline -p ecom-proxy
target_dir=$(cargo metadata --format-version 1 --no-deps --offline | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
"$target_dir/debug/ecom-proxy" --listen 127.0.0.1:8080 --sandbox-allow-loopback-callbacks &
proxy=$!
trap 'kill "$proxy" 2>/dev/null' EXIT
echo "dev: app with hot reload on http://127.0.0.1:8081/"
trunk serve
