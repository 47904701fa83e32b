#!/usr/bin/env bash
# Browser click-through of the sandbox's landing page and simulated app (headless Chromium via
# playwright-core). Builds and starts the standalone `ecom-sandbox` binary on a free loopback
# port (respects CARGO_TARGET_DIR) and runs `node --test` on browser/*.test.mjs.
# Usage, from anywhere: crates/ecom-conformance/browser/run.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
start=$(date +%s)

echo "== building ecom-sandbox into $target"
(cd "$repo" && CARGO_TARGET_DIR="$target" cargo build -q -p ecom-sandbox --bin ecom-sandbox)

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
export ECOM_BASE_URL="http://127.0.0.1:$port"
log="$(mktemp)"
RUST_LOG=warn "$target/debug/ecom-sandbox" --listen "127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$ECOM_BASE_URL/__sim/clock" && break
  if ! kill -0 "$pid" 2>/dev/null; then echo "sandbox exited:"; cat "$log"; exit 1; fi
  sleep 0.1
done

echo "== sandbox pid $pid at $ECOM_BASE_URL"
status=0
node --test --test-concurrency=1 "$here"/*.test.mjs || status=$?
echo "== browser layer finished in $(( $(date +%s) - start )) s: $([[ $status -eq 0 ]] && echo PASSED || echo FAILED)"
exit "$status"
