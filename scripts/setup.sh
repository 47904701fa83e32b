#!/usr/bin/env bash
# Installs what the eCom Playground needs to build, run and test, skipping whatever is already
# there at the right version. Safe to run again: on a ready machine it takes a few seconds.
#
# Sources: Debian packages (chromium, chromium-driver, wrk, openssl, brotli, nginx), crates.io (trunk,
# wasm-bindgen-cli, wasm-split-cli), the npm registry (package-lock.json: binaryen's wasm-opt,
# playwright-core, newman, axe-core, …).
# Nothing is downloaded from anywhere else; Trunk runs with `offline = true`.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
MIN_RUST=1.95
# wasm-bindgen-cli must be exactly the wasm-bindgen version the app links against.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
# wasm-split-cli must match the wasm_split_helpers runtime that Leptos links (its split format).
WASM_SPLIT_VERSION=$(awk '/^name = "wasm_split_helpers"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
TRUNK_TOML_WB=$(sed -n 's/^wasm_bindgen = "\([^"]*\)".*/\1/p' Trunk.toml)
if [ "$WASM_BINDGEN_VERSION" != "$TRUNK_TOML_WB" ]; then
  echo "setup: Cargo.lock has wasm-bindgen $WASM_BINDGEN_VERSION but Trunk.toml [tools] says $TRUNK_TOML_WB; make them equal." >&2
  exit 1
fi

say() { printf 'setup: %s\n' "$*"; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# Rust toolchain and the browser target.
rust_version=$(rustc --version | awk '{print $2}')
if [ "$(printf '%s\n%s\n' "$MIN_RUST" "$rust_version" | sort -V | head -1)" != "$MIN_RUST" ]; then
  echo "setup: rustc $rust_version is older than $MIN_RUST; run 'rustup update stable'." >&2
  exit 1
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
# The release builds compile the standard library from its source (scripts/wasm-std.sh).
if ! rustup component list --installed | grep -qx rust-src; then
  say "adding the rust-src component"
  rustup component add rust-src
fi

# Debian packages: the test browser and its driver, and wrk for the benchmarks.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v wrk >/dev/null || missing+=(wrk)
command -v openssl >/dev/null || missing+=(openssl)
# The release build's precompressed copies, and the nginx example's test (tests/e2e/nginx.test.mjs).
command -v brotli >/dev/null || missing+=(brotli)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -f /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ] || missing+=(libnginx-mod-http-brotli-static)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Cargo-installed tools, pinned. A stray CARGO_TARGET_DIR would make `cargo install` build
# inside it; installs use their own temporary directory instead.
installed_version() { "$1" --version 2>/dev/null | awk '{print $2}'; }
if [ "$(installed_version trunk)" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION from crates.io (10-15 minutes on 2 cores, once)"
  env -u CARGO_TARGET_DIR CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install trunk --locked --version "$TRUNK_VERSION"
fi
if [ "$(installed_version wasm-bindgen)" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION from crates.io (about 4 minutes, once)"
  # Without --locked: with it, one of its pinned dependencies is missing from the index.
  env -u CARGO_TARGET_DIR cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
  say "installing wasm-split-cli $WASM_SPLIT_VERSION from crates.io (about 3 minutes, once)"
  env -u CARGO_TARGET_DIR cargo install wasm_split_cli_support --locked --version "$WASM_SPLIT_VERSION" --features build-binary
fi

# npm packages from the lockfile; reinstalled only when the lockfile changes.
stamp=node_modules/.installed-from-lock
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
wasm_opt_version=$(node_modules/.bin/wasm-opt --version | awk '{print $3}')
if [ "$wasm_opt_version" != "132" ]; then
  echo "setup: node_modules/.bin/wasm-opt is version $wasm_opt_version, Trunk.toml wants 132; run 'npm ci'." >&2
  exit 1
fi

# Trunk runs cargo with --offline, so the crates must be in the local registry first: the
# workspace's, and those of the standard library the release builds compile.
cargo fetch --quiet
source scripts/wasm-std.sh
env "${WASM_STD_ENV[@]}" cargo fetch --quiet --locked --manifest-path "$(wasm_std_manifest)"
say "ready (trunk $TRUNK_VERSION, wasm-bindgen $WASM_BINDGEN_VERSION, wasm-opt 132, $(chromium --version 2>/dev/null | head -1))"
