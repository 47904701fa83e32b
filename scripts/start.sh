#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, builds the app in release mode and starts
# one local process that serves the app, the CORS proxy and the sandbox on one origin.
#
#   ./scripts/start.sh                      # http://127.0.0.1:8080/
#   ECOM_PROXY_LISTEN=127.0.0.1:9000 ./scripts/start.sh
#   ./scripts/start.sh --help               # every server option (also settable by env vars)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "start: building the app and the server (release)…"
scripts/build.sh
target_dir=$(cargo metadata --format-version 1 --no-deps --offline | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
# Locally, the sandbox may POST callbacks to loopback URLs, so a merchant server on this
# machine can receive them. Given another address to listen on or a public URL, this is a
# hosted setup: the server refuses that option there, so it is left out.
local_only=(--sandbox-allow-loopback-callbacks)
case " $* " in *" --listen"* | *" --public-url"*) local_only=() ;; esac
if [ -n "${ECOM_PROXY_LISTEN:-}${ECOM_PROXY_PUBLIC_URL:-}" ]; then local_only=(); fi
exec "$target_dir/release/ecom-proxy" --static-dir dist "${local_only[@]}" "$@"
