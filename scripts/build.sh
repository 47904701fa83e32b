#!/usr/bin/env bash
# Builds the release app (dist/: size-optimised wasm, split into a first-load module and lazy
# chunks, each through wasm-opt) and the release server binary.
#
# After Trunk and its split hook, dist/ is made ready to ship:
#   1. the JS glue and the chunk loader are minified (terser);
#   2. every script, module and style sheet gets its content hash in its name
#      (`name-<16 hex>.ext`), so a server can cache it for a year (Trunk hashes its own
#      outputs from cargo's wasm, not from what the hook and step 1 make of it, so those are
#      renamed too), and the references and integrity hashes are updated;
#   3. a brotli (-q 11) and a gzip (-9) copy is written beside every file, which ecom-proxy
#      (and nginx, crates/ecom-proxy/deploy/nginx.conf) serve to browsers that accept them.
#
# Usage: scripts/build.sh                 the split release build in dist/
#        scripts/build.sh --unsplit DIR   the same app as one module (no split points) in DIR,
#                                         for comparisons (bench.sh --unsplit); its cargo
#                                         output goes to <target>/unsplit so dist/'s stays warm
# Expects scripts/setup.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
target_dir=$(cargo metadata --format-version 1 --no-deps --offline | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

# Panic locations name the source files of dependencies; without this they carry the build
# machine's cargo home (`/root/.cargo/registry/src/index.crates.io-…/`) into every module.
remap=""
for registry in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  [ -d "$registry" ] && remap="$remap --remap-path-prefix=$registry="
done

# The standard library from source, without panic messages (scripts/wasm-std.sh).
source scripts/wasm-std.sh
if [ "${1:-}" = "--unsplit" ]; then
  out=${2:?usage: scripts/build.sh --unsplit DIR}
  # No ECOM_SPLIT_TARGET_DIR: the split hook does nothing.
  env "${WASM_STD_ENV[@]}" CARGO_TARGET_DIR="$target_dir/unsplit" \
    RUSTFLAGS="--cfg erase_components $WASM_STD_RUSTFLAGS$remap" trunk build --release --dist "$out"
else
  out=dist
  # `ecom_split` turns the app's `#[lazy]` split points on and `--emit-relocs` lets
  # wasm-split-cli cut the module there; Trunk's post_build hook (scripts/split-wasm.sh) does the
  # split. RUSTFLAGS replaces .cargo/config.toml's wasm flags, so `erase_components` is repeated.
  env "${WASM_STD_ENV[@]}" ECOM_SPLIT_TARGET_DIR="$target_dir" \
    RUSTFLAGS="--cfg erase_components --cfg ecom_split -C link-arg=--emit-relocs $WASM_STD_RUSTFLAGS$remap" \
    trunk build --release
fi
html="$out/index.html"
test -f "$html" || { echo "build: $html is missing after trunk build" >&2; exit 1; }

# 1. Minify the JS that wasm-bindgen and wasm-split-cli write (readable, with comments).
for js in "$out"/*.js; do
  terser "$js" --module --compress --mangle --output "$js.min"
  mv "$js.min" "$js"
done

# 2. Content hashes in the names. The wasm modules and the CSS first (nothing inside them names
#    another file), then the JS: the glue imports the chunk loader and the loader imports the
#    glue, so no order gives each its own hash; both get one hash of all the JS (which names the
#    hashed modules), so a change to any of them renames them all. Only imports, URLs and
#    index.html's links are rewritten: the glue's import object keeps the module names the wasm
#    itself imports ("./__wasm_split.js").
hash16() { cat "$@" | sha256sum | cut -c1-16; }
escape() { printf '%s' "$1" | sed 's/[.[\*^$/]/\\&/g'; }
rename_hashed() { # FILE HASH: moves FILE to <stem>-<HASH>.<ext> and rewrites the references to it
  local file=$1 hash=$2 dir name stem ext bg="" new old ref
  dir=$(dirname "$file"); name=$(basename "$file")
  ext=${name##*.}; stem=${name%.*}
  if [[ $stem == *_bg ]]; then bg=_bg; stem=${stem%_bg}; fi
  stem=$(sed -E 's/-[0-9a-f]{8,16}$//' <<<"$stem") # Trunk's hash: a u64 in hex
  new="$stem-$hash$bg.$ext"
  [ "$new" = "$name" ] && return 0
  mv "$file" "$dir/$new"
  old=$(escape "$name")
  for ref in "$dir"/*.js; do
    sed -i -E "s/((from|import|URL\\() *\\(? *[\"'](\\.\/|\/)?)$old([\"'])/\\1$new\\4/g" "$ref"
  done
  sed -i -E "s/([\"'\/])$old([\"'])/\\1$new\\2/g" "$dir/index.html"
}
shopt -s nullglob
for file in "$out"/*.wasm "$out"/*.css; do rename_hashed "$file" "$(hash16 "$file")"; done
js_hash=$(hash16 "$out"/*.js)
for file in "$out"/*.js; do rename_hashed "$file" "$js_hash"; done
# Subresource integrity of every file index.html names with an integrity attribute.
sri() { printf 'sha384-%s' "$(openssl dgst -sha384 -binary "$1" | openssl base64 -A)"; }
for file in "$out"/*.js "$out"/*.wasm "$out"/*.css; do
  name=$(basename "$file")
  sed -i "s|\(href=\"\.\{0,1\}/$(escape "$name")\"[^>]*integrity=\"\)[^\"]*|\1$(sri "$file")|" "$html"
done
for file in "$out"/*.js "$out"/*.wasm "$out"/*.css; do
  grep -q "$(basename "$file")" "$html" "$out"/*.js || { echo "build: nothing refers to $file" >&2; exit 1; }
done

# Every URL in dist/ is relative (`./name`: Trunk.toml's public_url, the split hook, the chunk
# loader's `new URL("./…", import.meta.url)`), so it can be copied under any path prefix.
if grep -Eq "(href|src)=\"/[^/]|(from|module_or_path:) *['\"]/[^/]" "$html"; then
  echo "build: $html has an absolute URL; dist/ would not work under a path prefix" >&2; exit 1
fi

# 3. Precompressed copies, without names or timestamps in the gzip header.
for file in "$out"/*.html "$out"/*.js "$out"/*.wasm "$out"/*.css; do
  brotli --quality=11 --force --keep "$file"
  gzip -9 --no-name --force --keep "$file"
done

if [ "$out" = dist ]; then
  cargo build --release --offline --quiet -p ecom-proxy
fi

# The sandbox in this browser's service worker (dist/sandbox-sw.js, a stable name beside
# index.html: the app registers it by that name), built after the app's files are hashed.
scripts/build-worker.sh "$out"
