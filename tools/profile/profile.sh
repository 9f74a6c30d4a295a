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
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
trace_tool="$SS_CACHE/dotnet-tools/dotnet-trace"
[[ -x "$trace_tool" ]] || dotnet tool install --tool-path "$SS_CACHE/dotnet-tools" dotnet-trace --version 10.0.750501 >&2
ss_build_load_tools
server_dll="host/SharpServing.Host/bin/Release/net10.0/sharpserving.dll"
bench_dll="tools/SharpServing.Benchmark/bin/Release/net10.0/SharpServing.Benchmark.dll"

work="${PROFILE_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/sharpserving-profile.XXXXXX")}"
mkdir -p "$work/servables"
cp -r servables/add "$work/servables/"
server_pid=""
load_pid=""
cleanup() {
  [[ -n "$load_pid" ]] && kill "$load_pid" 2>/dev/null || true
  if [[ -n "$server_pid" ]]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  [[ -n "${PROFILE_OUT:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
grpc_address="127.0.0.1:$(free_port)"
rest_address="127.0.0.1:$(free_port)"
dotnet "$server_dll" serve --servables "$work/servables" --grpc "$grpc_address" --rest "$rest_address" --no-watch "$@" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do
  grep -q "^Serving: .*add" "$work/server.log" 2>/dev/null && grep -q "RESTful server listening" "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.2
done
[[ "$protocol" == grpc ]] && target=(--grpc "$grpc_address") || target=(--rest "$rest_address")
dotnet "$bench_dll" load "${target[@]}" --server-pid "$server_pid" --payload add --concurrency "$concurrency" \
  --duration $((warmup + seconds + 10)) > "$work/load.log" 2>&1 &
load_pid=$!
sleep "$warmup"
ticks_before="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
"$trace_tool" collect -p "$server_pid" --profile dotnet-sampled-thread-time --duration "00:00:00:$(printf %02d "$seconds")" \
  -o "$work/server.nettrace" > "$work/trace.log" 2>&1
ticks_after="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
wait "$load_pid" || true
load_pid=""
"$trace_tool" convert "$work/server.nettrace" --format speedscope -o "$work/server" > /dev/null
grep -E "add.add_common +c=" "$work/load.log" | tail -1 >&2
python3 tools/profile/shares.py "$work/server.speedscope.json" \
  --cpu-seconds "$(awk -v t=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { print t / hz }')"
