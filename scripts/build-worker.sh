#!/usr/bin/env bash
# Builds the sandbox that runs in the visitor's browser into OUT (dist/ by default):
#
#   sandbox-sw.js                          the service worker (stable name: browsers look it up
#                                          by URL; servers send it with no-cache)
#   ecom-sandbox-worker-<hash>.js          the wasm-bindgen glue (no-modules, for importScripts)
#   ecom-sandbox-worker-<hash>_bg.wasm     crates/ecom-sandbox-worker, size-optimised
#
# with brotli and gzip copies beside each. None of them is part of the first load: the app
# registers the worker only when the in-browser sandbox is used.
#
# Usage: scripts/build-worker.sh [OUT]     (scripts/build.sh calls it last)
# Expects scripts/setup.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
export PATH="$PWD/node_modules/.bin:$PATH"
target_dir=$(cargo metadata --format-version 1 --no-deps --offline | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

# The worker's own flags: none of the app's split settings apply to it. The standard library is
# built as the app's is (scripts/wasm-std.sh).
source scripts/wasm-std.sh
env "${WASM_STD_ENV[@]}" RUSTFLAGS="--cfg erase_components $WASM_STD_RUSTFLAGS" cargo build --offline --quiet -p ecom-sandbox-worker \
  --target wasm32-unknown-unknown --profile wasm-release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wasm-bindgen --target no-modules --no-typescript --out-dir "$work" \
  "$target_dir/wasm32-unknown-unknown/wasm-release/ecom_sandbox_worker.wasm"
wasm-opt -Oz "$work/ecom_sandbox_worker_bg.wasm" -o "$work/opt.wasm"
terser "$work/ecom_sandbox_worker.js" --compress --mangle --output "$work/glue.js"

hash=$(cat "$work/opt.wasm" "$work/glue.js" crates/ecom-sandbox-worker/sandbox-sw.js | sha256sum | cut -c1-16)
glue="ecom-sandbox-worker-$hash.js"
wasm="ecom-sandbox-worker-${hash}_bg.wasm"
rm -f "$out"/ecom-sandbox-worker-* "$out"/sandbox-sw.js*
cp "$work/glue.js" "$out/$glue"
cp "$work/opt.wasm" "$out/$wasm"
sed -e "s/__SANDBOX_GLUE__/$glue/" -e "s/__SANDBOX_WASM__/$wasm/" \
  crates/ecom-sandbox-worker/sandbox-sw.js >"$out/sandbox-sw.js"
grep -q "__SANDBOX_" "$out/sandbox-sw.js" && { echo "build-worker: a placeholder is left in sandbox-sw.js" >&2; exit 1; }

for file in "$out/sandbox-sw.js" "$out/$glue" "$out/$wasm"; do
  brotli --quality=11 --force --keep "$file"
  gzip -9 --no-name --force --keep "$file"
done
echo "build-worker: $out/$wasm $(stat -c %s "$out/$wasm") bytes, $(stat -c %s "$out/$wasm.gz") gzip, $(stat -c %s "$out/$wasm.br") brotli"
