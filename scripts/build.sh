#!/usr/bin/env bash
# Builds the release app (dist/: size-optimised wasm, split into a first-load module and lazy
# chunks, each through wasm-opt) and the release server binary.
# Expects scripts/setup.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
target_dir=$(cargo metadata --format-version 1 --no-deps --offline | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
# `ecom_split` turns the app's `#[lazy]` split points on and `--emit-relocs` lets wasm-split-cli
# cut the module there; Trunk's post_build hook (scripts/split-wasm.sh) does the split.
# RUSTFLAGS replaces .cargo/config.toml's wasm flags, so `erase_components` is repeated here.
ECOM_SPLIT_TARGET_DIR="$target_dir" \
  RUSTFLAGS="--cfg erase_components --cfg ecom_split -C link-arg=--emit-relocs" \
  trunk build --release
test -f dist/index.html || { echo "build: dist/index.html is missing after trunk build" >&2; exit 1; }
cargo build --release --offline --quiet -p ecom-proxy
