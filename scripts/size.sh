#!/usr/bin/env bash
# Prints the size of the built app (dist/), raw and gzip -9, in two parts:
# - the first load: what the browser fetches before the first form is usable (index.html, the
#   CSS, the JS glue, the main wasm module and the chunk loader it imports);
# - the lazy chunks: the later steps and panels, fetched right after the first render.
# Run after scripts/build.sh. Budget: 150 KB gzip for the first load (issue: playground performance).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/index.html ] || { echo "size: dist/ is missing; run scripts/build.sh first" >&2; exit 1; }
report() {
  local label=$1; shift
  local raw=0 gz=0 f r g
  for f in "$@"; do
    [ -f "$f" ] || continue
    r=$(stat -c %s "$f"); g=$(gzip -9 -c "$f" | wc -c)
    raw=$((raw + r)); gz=$((gz + g))
    printf '  %-52s %9d %9d\n' "${f#dist/}" "$r" "$g"
  done
  awk -v l="$label" -v r="$raw" -v g="$gz" 'BEGIN { printf "%s: %.1f KB raw, %.1f KB gzip\n", l, r / 1024, g / 1024 }'
}
printf '  %-52s %9s %9s\n' file raw gzip
shopt -s nullglob
report "first load (budget 150 KB gzip)" dist/index.html dist/*.css dist/*.js dist/ecom-playground-*_bg.wasm
report "lazy chunks (after the first render)" dist/split_*.wasm dist/chunk_*.wasm
