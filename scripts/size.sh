#!/usr/bin/env bash
# Prints the first-load size of the built app (dist/): html + js + wasm + css, raw and gzip -9.
# Run after scripts/build.sh. Budget: 150 KB gzip (issue: playground performance).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/index.html ] || { echo "size: dist/ is missing; run scripts/build.sh first" >&2; exit 1; }
total_raw=0 total_gz=0
printf '%-44s %10s %10s\n' file raw gzip
for f in dist/*.html dist/*.js dist/*.wasm dist/*.css; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz))
  printf '%-44s %10d %10d\n' "${f#dist/}" "$raw" "$gz"
done
printf '%-44s %10d %10d\n' "first load (bytes)" "$total_raw" "$total_gz"
awk -v r="$total_raw" -v g="$total_gz" 'BEGIN { printf "first load: %.1f KB raw, %.1f KB gzip (budget 150 KB gzip)\n", r / 1024, g / 1024 }'
