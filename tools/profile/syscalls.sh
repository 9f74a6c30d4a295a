#!/usr/bin/env bash
# System calls and context switches per served request: serves add, loads it with the benchmark's client, counts the
# server's calls with the kernel's tracepoints (perf stat) over a window of the load, and divides by the requests
# answered in that window. Counts per request hold on a loaded machine where CPU per request does not; they show how
# many socket sends and wake-ups a request costs (replies sharing a send, or not).
# Usage: tools/profile/syscalls.sh PROTOCOL CONCURRENCY [--server PATH/sharpserving.dll] [SERVER OPTION...]
#        PROTOCOL: grpc | rest; --server: another build (default: this tree's, built first);
#        SYSCALLS_SECONDS=5 (counted), SYSCALLS_WARMUP_S=12 (load before counting)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup.sh

source tools/profile/serve-add.sh
profile_prepare_perf_tool "usage: tools/profile/syscalls.sh grpc|rest CONCURRENCY [--server DLL] [SERVER OPTION...]" "$@"
seconds="${SYSCALLS_SECONDS:-5}"
warmup="${SYSCALLS_WARMUP_S:-12}"

profile_work_dir syscalls
work="$profile_work"

profile_serve_add "$profile_server_dll" "$work" "${profile_server_options[@]}"
profile_start_load "$profile_protocol" "$profile_concurrency" $((warmup + seconds + 5)) "$work/load.log"
sleep "$warmup"
# The probe's request counter would need the probe socket; the load tool's rate over its whole run is close enough for
# a window in its steady middle.
events=syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvfrom,syscalls:sys_enter_recvmsg
events+=,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_futex,syscalls:sys_enter_sched_yield,syscalls:sys_enter_nanosleep,syscalls:sys_enter_clock_nanosleep,raw_syscalls:sys_enter,context-switches
perf stat -x, -e "$events" -p "$profile_server_pid" sleep "$seconds" 2> "$work/perf.csv"
wait "$profile_load_pid" || true
profile_load_pid=""
line="$(grep -E "add.add_common +c=" "$work/load.log" | tail -1)"
echo "$line" >&2
rate="$(grep -oE '[0-9.]+ req/s' <<< "$line" | head -1 | cut -d' ' -f1)"
[[ -n "$rate" ]] || { cat "$work/load.log" >&2; exit 1; }
echo "| event | per request |"
echo "|---|---|"
awk -F, -v rate="$rate" -v s="$seconds" '$1 ~ /^[0-9]+$/ { printf "| %s | %.2f |\n", $3, $1 / s / rate }' "$work/perf.csv"
