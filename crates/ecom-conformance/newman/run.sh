#!/usr/bin/env bash
# Runs the official Postman collection (unchanged) with newman against the standalone sandbox.
#
# Builds the `ecom-sandbox` binary (respects CARGO_TARGET_DIR), starts it on a free loopback
# port, and runs flows.mjs: the regular flow with refund, both cancel paths, express initiate,
# the profile flow up to Get Userinfo and QR, each checked beyond newman's own exit code
# (response codes, variables set by the collection's scripts, sandbox state).
# Usage, from anywhere: crates/ecom-conformance/newman/run.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
start=$(date +%s)

echo "== building ecom-sandbox into $target"
(cd "$repo" && CARGO_TARGET_DIR="$target" cargo build -q -p ecom-sandbox --bin ecom-sandbox)

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
base="http://127.0.0.1:$port"
log="$(mktemp)"
RUST_LOG=warn "$target/debug/ecom-sandbox" --listen "127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$base/__sim/clock" && break
  if ! kill -0 "$pid" 2>/dev/null; then echo "sandbox exited:"; cat "$log"; exit 1; fi
  sleep 0.1
done

echo "== sandbox pid $pid at $base"
status=0
node "$here/flows.mjs" "$base" || status=$?
echo "== newman layer finished in $(( $(date +%s) - start )) s: $([[ $status -eq 0 ]] && echo PASSED || echo FAILED)"
exit "$status"
