#!/usr/bin/env bash
# Where the server's CPU goes, counted by the kernel: serves add, loads it with the benchmark's client, records the
# server with `perf record -g` (JIT-compiled frames named through the runtime's perf map) and prints the share of the
# server's CPU samples by binary, the top functions, and the inclusive share of a list of frames (the request path's
# layers). Unlike profile.sh (dotnet-trace's sampled thread time) this counts only time on a CPU, native and kernel
# time included (ONNX Runtime, system calls, the scheduler); ONNX Runtime's own frames carry no managed callers, so the
# model's native time is its binary's share.
# Usage: tools/profile/cpu.sh PROTOCOL CONCURRENCY [--server PATH/sharpserving.dll] [SERVER OPTION...]
#        CPU_SECONDS=10 (recorded), CPU_WARMUP_S=20 (load before recording), CPU_OUT=dir (kept: perf.data, script.txt)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup.sh

source tools/profile/serve-add.sh
profile_prepare_perf_tool "usage: tools/profile/cpu.sh grpc|rest CONCURRENCY [--server DLL] [SERVER OPTION...]" "$@"
seconds="${CPU_SECONDS:-10}"
warmup="${CPU_WARMUP_S:-20}"

profile_work_dir cpu "${CPU_OUT:-}"
work="$profile_work"

# The perf map names JIT-compiled code; without W^X the code is not double-mapped, so perf finds it by address.
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 profile_serve_add "$profile_server_dll" "$work" "${profile_server_options[@]}"
profile_start_load "$profile_protocol" "$profile_concurrency" $((warmup + seconds + 10)) "$work/load.log"
sleep "$warmup"
perf record -F 2999 -g -p "$profile_server_pid" -o "$work/perf.data" -- sleep "$seconds" 2> "$work/perf.log"
wait "$profile_load_pid" || true
profile_load_pid=""
grep -E "add.add_common +c=" "$work/load.log" | tail -1 >&2
perf script -i "$work/perf.data" -F ip,sym --no-demangle 2> /dev/null > "$work/script.txt"
# Whole reports to files first: a pipe cut short by head would fail the script under pipefail.
perf report -i "$work/perf.data" --no-children --sort dso --stdio -g none 2> /dev/null > "$work/by-binary.txt"
perf report -i "$work/perf.data" --no-children --sort sym --stdio -g none 2> /dev/null > "$work/by-function.txt"
echo "## CPU samples by binary"
grep -E '^ +[0-9]' "$work/by-binary.txt" | awk 'NR <= 12'
echo
echo "## Top functions (self)"
grep -E '^ +[0-9]' "$work/by-function.txt" | awk 'NR <= 25' | sed -E 's/\[OptimizedTier1\]//; s/\(.*//' | cut -c1-160
echo
echo "## Frames, inclusive (share of the server's CPU samples with the frame on the stack)"
python3 tools/profile/inclusive.py "$work/script.txt"
