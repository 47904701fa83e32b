#!/usr/bin/env bash
# Throughput of the sandbox next to a bare axum route, on loopback only.
#
# Builds (release) and starts the `ecom-sandbox` binary with rate limits off and
# `sandbox-bench bare` as two processes on free loopback ports, then runs
# `sandbox-bench run`: initiate and the whole quick-start flow vs. the bare route, the
# ratio, and the sandbox's peak RSS. Prints figures; exits non-zero only if something
# could not run. Usage (from anywhere): crates/ecom-conformance/bench/run.sh [--seconds N]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo/target}"
seconds=5
concurrency=32
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    *) echo "usage: $0 [--seconds N] [--concurrency N]" >&2; exit 2 ;;
  esac
done

echo "== building release binaries (ecom-sandbox, sandbox-bench) into $target"
(cd "$repo" && CARGO_TARGET_DIR="$target" cargo build --release -q -p ecom-sandbox -p ecom-conformance --bin ecom-sandbox --bin sandbox-bench)

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

wait_http() { # url: wait until something answers (at most ~10 s)
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.1
  done
  echo "nothing answers at $1" >&2
  return 1
}

sport="$(free_port)"
RUST_LOG=warn "$target/release/ecom-sandbox" --listen "127.0.0.1:$sport" --no-rate-limits &
sandbox_pid=$!
pids+=("$sandbox_pid")
bport="$(free_port)"
"$target/release/sandbox-bench" bare --listen "127.0.0.1:$bport" >/dev/null &
bare_pid=$!
pids+=("$bare_pid")
wait_http "http://127.0.0.1:$sport/__sim/clock"
wait_http "http://127.0.0.1:$bport/"

echo "== sandbox pid $sandbox_pid on 127.0.0.1:$sport, bare route pid $bare_pid on 127.0.0.1:$bport"
"$target/release/sandbox-bench" run \
  --sandbox "http://127.0.0.1:$sport" --bare "http://127.0.0.1:$bport" \
  --seconds "$seconds" --concurrency "$concurrency" \
  --sandbox-pid "$sandbox_pid" --bare-pid "$bare_pid"
