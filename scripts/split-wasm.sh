#!/usr/bin/env bash
# Trunk post_build hook (see Trunk.toml): splits the release app into the first-load module and
# lazy-loaded chunks, so the browser fetches only what the first form needs before it renders.
#
# The app marks its split points with Leptos' `#[lazy]` when built with `--cfg ecom_split`
# (src/lib.rs). scripts/build.sh sets that flag and ECOM_SPLIT_TARGET_DIR; any other build
# (`trunk serve`, a plain `trunk build`) has no split points and this hook does nothing.
#
# Steps, on the linked wasm that cargo produced (it must carry relocations: `--emit-relocs`):
#   1. wasm-split-cli  -> the main module, one module per split point, shared chunks, and
#                         __wasm_split.js, which loads a chunk the first time it is needed;
#   2. wasm-bindgen    -> the JS glue for the main module, under Trunk's hashed name, keeping
#                         the function table exported (the chunks add their functions to it);
#   3. wasm-opt        -> every module, with $WASM_OPT_FLAGS (below);
#   4. index.html      -> the subresource-integrity hashes of the replaced files, and a
#                         modulepreload of the loader.
set -euo pipefail
[ -n "${ECOM_SPLIT_TARGET_DIR:-}" ] || exit 0
: "${TRUNK_STAGING_DIR:?this script runs as a Trunk hook}"

stage=$TRUNK_STAGING_DIR
raw="$ECOM_SPLIT_TARGET_DIR/wasm32-unknown-unknown/wasm-release/ecom-playground.wasm"
[ -f "$raw" ] || { echo "split-wasm: $raw is missing" >&2; exit 1; }
js_files=("$stage"/ecom-playground-*.js)
[ "${#js_files[@]}" -eq 1 ] || { echo "split-wasm: expected one app JS file in $stage" >&2; exit 1; }
name=$(basename "${js_files[0]}" .js)
wasm_opt="$TRUNK_SOURCE_DIR/node_modules/.bin/wasm-opt"
# -Os, not -Oz: its output is a little larger but compresses better, and what the browser
# downloads is the brotli copy (measured on this app: 0.4% fewer brotli bytes per module).
# --low-memory-unused: Rust puts nothing below 1 MiB of linear memory (the stack and then the
# data start there), so addresses under 1 KiB are never used and wasm-opt may fold constant
# offsets into loads and stores (another 0.35% off the main module).
WASM_OPT_FLAGS=(-Os --low-memory-unused)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wasm-split-cli "$raw" "$work/split" --out-name "$name"
wasm-bindgen --target web --no-typescript --keep-lld-exports --out-dir "$work/bindgen" --out-name "$name" "$work/split/$name.wasm"
cp "$work/bindgen/$name.js" "$stage/$name.js"
"$wasm_opt" "${WASM_OPT_FLAGS[@]}" "$work/bindgen/${name}_bg.wasm" -o "$stage/${name}_bg.wasm"
rm "$work/split/$name.wasm"
for chunk in "$work"/split/*.wasm; do
  "$wasm_opt" "${WASM_OPT_FLAGS[@]}" "$chunk" -o "$stage/$(basename "$chunk")"
done
cp "$work/split/__wasm_split.js" "$stage/__wasm_split.js"

sri() { printf 'sha384-%s' "$(openssl dgst -sha384 -binary "$1" | openssl base64 -A)"; }
html="$stage/index.html"
# Trunk writes relative URLs (`./name`, Trunk.toml's public_url), so dist/ works under any path
# prefix; an absolute `/name` is accepted too.
sed -i \
  -e "s|\(href=\"\.\{0,1\}/$name.js\"[^>]*integrity=\"\)[^\"]*|\1$(sri "$stage/$name.js")|" \
  -e "s|\(href=\"\.\{0,1\}/${name}_bg.wasm\"[^>]*integrity=\"\)[^\"]*|\1$(sri "$stage/${name}_bg.wasm")|" \
  -e "s|</head>|<link rel=\"modulepreload\" href=\"./__wasm_split.js\" crossorigin=\"anonymous\" integrity=\"$(sri "$stage/__wasm_split.js")\"></head>|" \
  "$html"
grep -q "$(sri "$stage/${name}_bg.wasm")" "$html" || { echo "split-wasm: could not update index.html" >&2; exit 1; }
echo "split-wasm: main module and $(ls "$work"/split/*.wasm | wc -l) lazy chunks in place"
