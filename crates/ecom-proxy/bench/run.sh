#!/usr/bin/env bash
# Throughput and latency of the sandbox's access-token endpoint on loopback, three ways:
#   direct         the standalone ecom-sandbox binary
#   ecom-proxy     through this proxy (its in-process sandbox; the proxy adds CORS, header
#                  filtering, path checks, logging and timing)
#   cors-anywhere  through cors-anywhere 0.4 in front of the standalone sandbox
# Two passes per target:
#   load     DURATION (default 10s), 2 threads, 32 connections: requests/s, p50, p99 under
#            saturation (where latency is mostly queueing: connections / throughput);
#   latency  ROUNDS (default 5) interleaved rounds of LATENCY_DURATION (default 2s) per target,
#            1 thread, 1 connection: the median over rounds (and the quietest round) of p50/p99
#            of one request at a time, which is what "added latency" means for a user clicking a
#            button. Interleaving and the median keep a noisy neighbour on the shared cores from
#            deciding the result.
# Prints both, the ratios against the goals, and the proxy's peak RSS under load.
#
# Usage: crates/ecom-proxy/bench/run.sh        (from anywhere; builds release binaries first)
# Env:   DURATION=10s LATENCY_DURATION=2s ROUNDS=5 THREADS=2 CONNECTIONS=32 CARGO_TARGET_DIR=… PORT_BASE=18181
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"
duration="${DURATION:-10s}"
latency_duration="${LATENCY_DURATION:-2s}"
rounds="${ROUNDS:-5}"
threads="${THREADS:-2}"
connections="${CONNECTIONS:-32}"
base="${PORT_BASE:-18181}"
sandbox_port=$base
proxy_port=$((base + 1))
cors_port=$((base + 2))
target_dir="${CARGO_TARGET_DIR:-$root/target}"

for tool in wrk node curl cargo; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done

echo "building release binaries (ecom-proxy, ecom-sandbox)…" >&2
cargo build --release -q -p ecom-proxy -p ecom-sandbox --bins >&2

work="$(mktemp -d)"
pids=()
cleanup() {
  if [ -n "${KEEP_LOGS:-}" ]; then cp "$work"/*.log "$KEEP_LOGS"/ 2>/dev/null || true; fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$target_dir/release/ecom-sandbox" --listen "127.0.0.1:$sandbox_port" --no-rate-limits \
  >/dev/null 2>"$work/sandbox.log" &
pids+=($!)
"$target_dir/release/ecom-proxy" --listen "127.0.0.1:$proxy_port" --no-mt \
  --rate-limit 0 --sandbox-no-rate-limits >/dev/null 2>"$work/proxy.log" &
proxy_pid=$!
pids+=($proxy_pid)
node "$here/cors-anywhere.js" "$cors_port" 2>"$work/cors.log" &
pids+=($!)

direct_url="http://127.0.0.1:$sandbox_port/accesstoken/get"
proxy_url="http://127.0.0.1:$proxy_port/sandbox/accesstoken/get"
cors_url="http://127.0.0.1:$cors_port/http://127.0.0.1:$sandbox_port/accesstoken/get"

# The demo credentials of ecom_core::demo.
client_id=$(grep -oP 'pub const CLIENT_ID: &str = "\K[^"]+' crates/ecom-core/src/demo.rs)
client_secret=$(grep -oP 'pub const CLIENT_SECRET: &str = "\K[^"]+' crates/ecom-core/src/demo.rs)
sub_key=$(grep -oP 'pub const SUBSCRIPTION_KEY: &str = "\K[^"]+' crates/ecom-core/src/demo.rs)
msn=$(grep -oP 'pub const MERCHANT_SERIAL_NUMBER: &str = "\K[^"]+' crates/ecom-core/src/demo.rs)
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = ""
wrk.headers["client_id"] = "$client_id"
wrk.headers["client_secret"] = "$client_secret"
wrk.headers["Ocp-Apim-Subscription-Key"] = "$sub_key"
wrk.headers["Merchant-Serial-Number"] = "$msn"
wrk.headers["Origin"] = "http://127.0.0.1:8081"
LUA

check() {
  local url=$1 code
  for _ in $(seq 1 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
      -H "client_id: $client_id" -H "client_secret: $client_secret" \
      -H "Ocp-Apim-Subscription-Key: $sub_key" -H "Merchant-Serial-Number: $msn" \
      -H "Origin: http://127.0.0.1:8081" "$url" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.1
  done
  echo "bench: $url answered $code instead of 200" >&2
  exit 1
}
check "$direct_url"; check "$proxy_url"; check "$cors_url"

to_ms() { # wrk prints 812.00us / 1.23ms / 1.01s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

declare -A rps p50 p99 errors lat50 lat99 min99
run() {
  local name=$1 url=$2 out
  echo "wrk load: $name ($duration, $threads threads, $connections connections)…" >&2
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/post.lua" "$url")
  rps[$name]=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p50[$name]=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
  p99[$name]=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  errors[$name]=$(awk '/Non-2xx/ { print "non-2xx:" $5 } /Socket errors/ { print $0 }' <<<"$out" | tr '\n' ' ')
}
latency() {
  local name=$1 url=$2 out
  out=$(wrk -t1 -c1 -d"$latency_duration" --latency -s "$work/post.lua" "$url")
  to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")" >>"$work/$name.lat50"; echo >>"$work/$name.lat50"
  to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")" >>"$work/$name.lat99"; echo >>"$work/$name.lat99"
}
minimum() { sort -n "$1" | awk 'NF { printf "%.3f", $1; exit }'; }
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "wrk latency: $rounds interleaved rounds of $latency_duration per target, 1 connection…" >&2
for _ in $(seq 1 "$rounds"); do
  latency direct "$direct_url"
  latency ecom-proxy "$proxy_url"
  latency cors-anywhere "$cors_url"
done
for name in direct ecom-proxy cors-anywhere; do
  lat50[$name]=$(median "$work/$name.lat50")
  lat99[$name]=$(median "$work/$name.lat99")
  min99[$name]=$(minimum "$work/$name.lat99")
done
run direct "$direct_url"
run ecom-proxy "$proxy_url"
proxy_peak_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$proxy_pid/status")
proxy_now_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$proxy_pid/status")
run cors-anywhere "$cors_url"

printf '\n%-14s %12s %9s %9s   %13s %13s  %s\n' target "requests/s" "p50 ms" "p99 ms" "1-conn p50 ms" "1-conn p99 ms" "errors"
for name in direct ecom-proxy cors-anywhere; do
  printf '%-14s %12s %9s %9s   %13s %13s  %s\n' "$name" "${rps[$name]}" "${p50[$name]}" "${p99[$name]}" \
    "${lat50[$name]}" "${lat99[$name]}" "${errors[$name]:-none}"
done
awk -v p="${rps[ecom-proxy]}" -v c="${rps[cors-anywhere]}" -v d="${rps[direct]}" \
    -v p99p="${p99[ecom-proxy]}" -v p99d="${p99[direct]}" \
    -v l99p="${lat99[ecom-proxy]}" -v l99d="${lat99[direct]}" \
    -v l50p="${lat50[ecom-proxy]}" -v l50d="${lat50[direct]}" \
    -v m99p="${min99[ecom-proxy]}" -v m99d="${min99[direct]}" \
    -v peak="$proxy_peak_kb" -v now="$proxy_now_kb" 'BEGIN {
  ratio = p / c; mb = peak / 1024
  printf "\nthroughput ecom-proxy / cors-anywhere: %.2fx   (goal >= 5x: %s)\n", ratio, (ratio >= 5 ? "met" : "NOT met")
  printf "throughput ecom-proxy / direct:        %.2fx\n", p / d
  printf "added latency, one request at a time (median of rounds):  p50 %+.3f ms, p99 %+.3f ms   (goal p99 <= 1 ms: %s)\n", l50p - l50d, l99p - l99d, (l99p - l99d <= 1 ? "met" : "NOT met")
  printf "added p99 in the quietest round (best of each):  %+.3f ms   (goal p99 <= 1 ms: %s)\n", m99p - m99d, (m99p - m99d <= 1 ? "met" : "NOT met")
  printf "added p99 under saturation (32 conns): %+.3f ms (queueing behind the lower throughput)\n", p99p - p99d
  printf "ecom-proxy peak RSS under load: %.1f MB (now %.1f MB)   (goal <= 30 MB: %s)\n", mb, now / 1024, (mb <= 30 ? "met" : "NOT met")
}'
echo "note: 2 shared cores run wrk and the servers together; compare ratios, not absolute numbers." >&2
