#!/usr/bin/env bash
# Where a served request's CPU goes, by component: serves add, loads it, samples the server with dotnet-trace, and prints
# the share of the server's sampled running time in each component (metrics, protobuf, grpc-dotnet, Kestrel, ...).
# Usage: tools/profile/profile.sh PROTOCOL CONCURRENCY [SERVER OPTION...]
#        PROTOCOL: grpc | rest; SERVER OPTION: passed to `sharpserving serve` (e.g. --no-metrics)
#        PROFILE_SECONDS=10 (sampled), PROFILE_WARMUP_S=25 (load before sampling), PROFILE_OUT=dir (kept: trace, profile)
# The shares are of the sampled time, so they hold on a loaded machine where CPU per request does not. The sampler
# cannot tell a thread blocked in native code from one running there: the script also prints the server's CPU time
# during the sample (from /proc) and each component's estimated share of it.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup.sh

protocol="${1:?usage: tools/profile/profile.sh grpc|rest CONCURRENCY [SERVER OPTION...]}"
concurrency="${2:?usage: tools/profile/profile.sh grpc|rest CONCURRENCY [SERVER OPTION...]}"
shift 2
seconds="${PROFILE_SECONDS:-10}"
warmup="${PROFILE_WARMUP_S:-25}"

ss_install_runtime_prerequisites
ss_install_models
ss_build_load_tools
source tools/profile/serve-add.sh
profile_install_trace_tool
server_dll="host/SharpServing.Host/bin/Release/net10.0/sharpserving.dll"

profile_work_dir profile "${PROFILE_OUT:-}"
work="$profile_work"

profile_serve_add "$server_dll" "$work" "$@"
server_pid="$profile_server_pid"
profile_start_load "$protocol" "$concurrency" $((warmup + seconds + 10)) "$work/load.log"
sleep "$warmup"
ticks_before="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
"$profile_trace_tool" collect -p "$server_pid" --profile dotnet-sampled-thread-time --duration "00:00:00:$(printf %02d "$seconds")" \
  -o "$work/server.nettrace" > "$work/trace.log" 2>&1
ticks_after="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
wait "$profile_load_pid" || true
profile_load_pid=""
"$profile_trace_tool" convert "$work/server.nettrace" --format speedscope -o "$work/server" > /dev/null
grep -E "add.add_common +c=" "$work/load.log" | tail -1 >&2
python3 tools/profile/shares.py "$work/server.speedscope.json" \
  --cpu-seconds "$(awk -v t=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { print t / hz }')"
