#!/usr/bin/env bash
# Prints the size of the built app (dist/): raw, gzip -9 and brotli -q 11 (the .gz and .br copies
# scripts/build.sh writes, which are what the server sends), in two parts:
# - the first load: what the browser fetches before the first form is usable (index.html, the
#   CSS, the JS glue, the main wasm module and the chunk loader it imports);
# - the lazy chunks: the token step's, then the later steps' and side panels', each fetched
#   once the part before it is on the page (src/lib.rs);
# - the error explanations' chunk, fetched with the first error response (src/api.rs);
# - the sandbox in this browser: its service worker (sandbox-sw.js) and its module
#   (ecom-sandbox-worker-*), fetched only once that environment is selected or used.
# Run after scripts/build.sh (or on another build: scripts/size.sh DIR).
# Budget: 150 KB gzip for the first load (issue: playground performance); the transferred bytes,
# headers included, are asserted in Chromium by tests/e2e/transfer.test.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-dist}
[ -f "$dir/index.html" ] || { echo "size: $dir/ is missing; run scripts/build.sh first" >&2; exit 1; }
compressed() { # FILE EXT TOOL…: the size of FILE.EXT if the build wrote it, else of TOOL's output
  local file=$1 ext=$2; shift 2
  if [ -f "$file.$ext" ]; then stat -c %s "$file.$ext"; else "$@" <"$file" | wc -c; fi
}
report() {
  local label=$1; shift
  local raw=0 gz=0 br=0 f r g b
  for f in "$@"; do
    [ -f "$f" ] || continue
    r=$(stat -c %s "$f"); g=$(compressed "$f" gz gzip -9 -c); b=$(compressed "$f" br brotli -q 11 -c)
    raw=$((raw + r)); gz=$((gz + g)); br=$((br + b))
    printf '  %-52s %9d %9d %9d\n' "${f#"$dir"/}" "$r" "$g" "$b"
  done
  awk -v l="$label" -v r="$raw" -v g="$gz" -v b="$br" 'BEGIN { printf "%s: %.1f KB raw, %.1f KB gzip, %.1f KB brotli\n", l, r / 1024, g / 1024, b / 1024 }'
}
printf '  %-52s %9s %9s %9s\n' file raw gzip brotli
shopt -s nullglob extglob
app_js=()
for f in "$dir"/*.js; do [[ $(basename "$f") == @(sandbox-sw|ecom-sandbox-worker-)* ]] || app_js+=("$f"); done
report "first load (budget 150 KB gzip)" "$dir"/index.html "$dir"/*.css "${app_js[@]}" "$dir"/ecom-playground-*_bg.wasm
chunks=()
for f in "$dir"/split_*.wasm "$dir"/chunk_*.wasm; do [[ $(basename "$f") == split_explanations-* ]] || chunks+=("$f"); done
report "lazy chunks (after the first render)" "${chunks[@]}"
report "error explanations (with the first error response)" "$dir"/split_explanations-*.wasm
# Its files, not their .br and .gz copies (the sizes come from those).
report "sandbox in this browser (when that environment is used)" "$dir"/sandbox-sw.js "$dir"/ecom-sandbox-worker-*.js "$dir"/ecom-sandbox-worker-*.wasm
