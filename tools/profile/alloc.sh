#!/usr/bin/env bash
# Where a served request's allocated bytes go, by type and by the frames that allocated them: serves add, loads it with
# the benchmark's client, records the server's allocation samples with `dotnet-trace --profile gc-verbose` and prints the
# shares (tools/SharpServing.AllocProfile). The shares hold on a loaded machine; bytes per request come from the
# benchmark's probe (`./bench.sh add`, column "srv alloc B/req").
# Usage: tools/profile/alloc.sh PROTOCOL CONCURRENCY [--server PATH/sharpserving.dll] [SERVER OPTION...]
#        ALLOC_SECONDS=5 (recorded), ALLOC_WARMUP_S=10 (load before recording), ALLOC_TOP=25, ALLOC_FRAMES=5,
#        ALLOC_OUT=dir (kept: the trace and the report)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup.sh

source tools/profile/serve-add.sh
profile_prepare "usage: tools/profile/alloc.sh grpc|rest CONCURRENCY [--server DLL] [SERVER OPTION...]" "$@"
seconds="${ALLOC_SECONDS:-5}"
warmup="${ALLOC_WARMUP_S:-10}"
profile_install_trace_tool
dotnet build tools/SharpServing.AllocProfile/SharpServing.AllocProfile.csproj -c Release -nologo -clp:ErrorsOnly -v:q >&2

profile_work_dir alloc "${ALLOC_OUT:-}"
work="$profile_work"
profile_serve_add "$profile_server_dll" "$work" "${profile_server_options[@]}"
profile_start_load "$profile_protocol" "$profile_concurrency" $((warmup + seconds + 10)) "$work/load.log"
sleep "$warmup"
"$profile_trace_tool" collect -p "$profile_server_pid" --profile gc-verbose --duration "00:00:00:$(printf %02d "$seconds")" \
  -o "$work/alloc.nettrace" > "$work/trace.log" 2>&1
dotnet tools/SharpServing.AllocProfile/bin/Release/net10.0/SharpServing.AllocProfile.dll "$work/alloc.nettrace" \
  "${ALLOC_TOP:-25}" "${ALLOC_FRAMES:-5}" | tee "$work/report.md"
