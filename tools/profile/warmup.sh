#!/usr/bin/env bash
# How fast a server started into traffic reaches full speed: serves add on a fresh server and loads it over gRPC with
# h2load in windows of one second (the same load shape as ../shared/peers: -c 4 -m 32), printing each window's
# requests and server CPU per request, and the requests answered in the first 5 s and in all. Run it for two builds, or
# with and without a runtime setting (DOTNET_... in the environment reaches the server), one after the other, a few
# times: a single curve moves with the machine's load.
# Usage: tools/profile/warmup.sh [--server PATH/sharpserving.dll] [SERVER OPTION...]
#        WARMUP_WINDOWS=10 (one-second windows), WARMUP_LOAD="-c 4 -m 32" (h2load's connections and streams)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup.sh

source tools/profile/serve-add.sh
ss_install_runtime_prerequisites
ss_install_models
ss_apt nghttp2-client
ss_build_load_tools
profile_take_server_option "$@"
windows="${WARMUP_WINDOWS:-10}"
read -r -a load <<< "${WARMUP_LOAD:--c 4 -m 32}"

profile_work_dir warmup
work="$profile_work"
dotnet "$profile_bench_dll" write-grpc-body --payload add --out "$work/body.bin" 2> /dev/null
profile_serve_add "$profile_server_dll" "$work" "${profile_server_options[@]}"
ticks_per_s="$(getconf CLK_TCK)"
cpu_ticks() { sed 's/.*) //' "/proc/$profile_server_pid/stat" | awk '{ print $12 + $13 }'; }

echo "| window | requests | server CPU µs/request |"
echo "|---|---|---|"
first5=0 total=0
for ((i = 1; i <= windows; i++)); do
  before="$(cpu_ticks)"
  h2load "${load[@]}" -D 1 -H 'content-type: application/grpc' -H 'te: trailers' -d "$work/body.bin" \
    "http://$profile_grpc_address/mindspore.serving.proto.MSService/Predict" > "$work/h2load.txt" 2>&1
  after="$(cpu_ticks)"
  done_requests="$(grep -oE '[0-9]+ succeeded' "$work/h2load.txt" | cut -d' ' -f1)"
  [[ -n "$done_requests" && "$done_requests" -gt 0 ]] || { cat "$work/h2load.txt" >&2; exit 1; }
  awk -v i="$i" -v n="$done_requests" -v t=$((after - before)) -v hz="$ticks_per_s" \
    'BEGIN { printf "| %d | %d | %.1f |\n", i, n, t / hz * 1e6 / n }'
  total=$((total + done_requests))
  ((i <= 5)) && first5=$((first5 + done_requests))
done
echo
echo "requests answered: first 5 s $first5, all $windows s $total"
