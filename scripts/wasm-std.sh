# Sourced by scripts/build.sh and scripts/build-worker.sh (and scripts/setup.sh, which installs
# what it needs): how the release wasm builds compile the Rust standard library.
#
# The prebuilt standard library for wasm32 carries panic messages, their formatting code and the
# source location of every panic. A visitor never reads them, and they were a tenth of what the
# browser downloads. So the release builds compile the standard library from source (cargo's
# build-std, from rustup's rust-src component) with:
#   - panic=immediate-abort: a panic stops the module at once (the page shows "RuntimeError:
#     unreachable" in the console) instead of formatting a message first;
#   - no source locations in panics (-Zlocation-detail=none);
#   - the standard library's smaller implementations (its `optimize_for_size` feature).
# Measured on the app (brotli): 12.7 KB off the first load and 22.5 KB off everything it loads.
#
# These are unstable options. RUSTC_BOOTSTRAP=1 lets the stable compiler the project builds with
# take them, for these two builds only; they work with rustc 1.95 (scripts/setup.sh's minimum).
# Development builds (scripts/dev.sh) and the tests keep the prebuilt library, and with it the
# panic messages that console_error_panic_hook prints.
WASM_STD_ENV=(
  RUSTC_BOOTSTRAP=1
  CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
)
WASM_STD_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none"
# The standard library's own workspace, whose dependencies cargo must have fetched (Trunk runs it
# with --offline).
wasm_std_manifest() { printf '%s/lib/rustlib/src/rust/library/Cargo.toml' "$(rustc --print sysroot)"; }
