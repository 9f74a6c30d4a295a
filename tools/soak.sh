#!/usr/bin/env bash
# Soak: mixed gRPC and REST load on add and ocr with a hot reload every 30 s, then requests, failures and resident memory.
# Usage: tools/soak.sh [MINUTES]      MINUTES: default 10
#        SOAK_CONCURRENCY=4 (per load stream)  SOAK_RELOAD_S=30
# The server serves copies of servables/add and servables/ocr in a temporary folder; the reloads go through the file
# watcher (no control API): odd reloads copy a new add version folder in (under a dot name, then renamed, so it
# appears whole), even ones edit ocr's servable_config.csx (recompiled, models loaded again). Four load streams run
# the whole time: add.add_common and ocr.detect (a JPEG photo), each over gRPC and over REST (tools/SharpServing.Benchmark
# load). The resident memory is logged every minute. Exit status: 0 when every request succeeded and the server is
# still up.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

minutes="${1:-10}"
concurrency="${SOAK_CONCURRENCY:-4}"
reload_every="${SOAK_RELOAD_S:-30}"
seconds=$((minutes * 60))

ss_install_runtime_prerequisites
ss_install_models
ss_install_servable_models
ss_build_load_tools
server_dll="host/SharpServing.Host/bin/Release/net10.0/sharpserving.dll"
bench_dll="tools/SharpServing.Benchmark/bin/Release/net10.0/SharpServing.Benchmark.dll"
image="tests/SharpServing.Sdk.Tests/Fixtures/photo.jpg"

work="$(mktemp -d "${TMPDIR:-/tmp}/sharpserving-soak.XXXXXX")"
server_pid=""
load_pids=()
cleanup() {
  for pid in "${load_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -n "$server_pid" ]]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/servables"
cp -r servables/add servables/ocr "$work/servables/"
rm -rf "$work/servables/add/2"   # add starts at version 1; the reloads add 2, 3, ...

grpc="127.0.0.1:$(ss_free_port)"
rest="127.0.0.1:$(ss_free_port)"
dotnet "$server_dll" serve --servables "$work/servables" --grpc "$grpc" --rest "$rest" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  grep -q "servable ocr version 1 available" "$work/server.log" && grep -q "servable add version 1 available" "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.5
done
grep -q "servable ocr version 1 available" "$work/server.log" || { echo "the server did not load add and ocr" >&2; cat "$work/server.log" >&2; exit 1; }
ss_log "server pid $server_pid on grpc $grpc, rest $rest; soaking for $minutes min, concurrency $concurrency per stream, a reload every $reload_every s"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }
load() { # NAME, then the benchmark's options
  local name="$1"; shift
  dotnet "$bench_dll" load --server-pid "$server_pid" --concurrency "$concurrency" --duration "$seconds" --warmup 0 --json "$@" \
    > "$work/$name.json" 2> "$work/$name.err" &
  load_pids+=($!)
}
load grpc-add --grpc "$grpc" --payload add
load rest-add --rest "$rest" --payload add
load grpc-ocr --grpc "$grpc" --payload "bytes:image:$image" --servable ocr --method detect
load rest-ocr --rest "$rest" --payload "bytes:image:$image" --servable ocr --method detect

start=$SECONDS
rss_minute_1=""
rss_minutes=()
reloads=0
next_reload=$reload_every
version=1
while (( SECONDS - start < seconds )); do
  sleep 1
  elapsed=$((SECONDS - start))
  kill -0 "$server_pid" 2>/dev/null || { echo "the server exited during the soak" >&2; tail -50 "$work/server.log" >&2; exit 1; }
  if (( elapsed >= 60 * (${#rss_minutes[@]} + 1) )); then
    rss_minutes+=("$(rss_kb)")
    ss_log "minute ${#rss_minutes[@]}: resident memory $(( ${rss_minutes[-1]} / 1024 )) MiB, $reloads reloads"
  fi
  if [[ -z "$rss_minute_1" ]] && (( elapsed >= 60 )); then rss_minute_1=$(rss_kb); fi
  if (( elapsed >= next_reload )); then
    reloads=$((reloads + 1))
    if (( reloads % 2 == 1 )); then
      version=$((version + 1))
      cp -r "$work/servables/add/1" "$work/servables/add/.incoming-$version"
      mv "$work/servables/add/.incoming-$version" "$work/servables/add/$version"
    else
      echo "// soak reload $reloads" >> "$work/servables/ocr/servable_config.csx"
    fi
    next_reload=$((next_reload + reload_every))
  fi
done
for pid in "${load_pids[@]}"; do wait "$pid" || { echo "a load stream failed:" >&2; cat "$work"/*.err >&2; exit 1; }; done
load_pids=()
rss_end=$(rss_kb)
rss_minute_1="${rss_minute_1:-$rss_end}"

python3 - "$work" "$minutes" "$reloads" "$rss_minute_1" "$rss_end" <<'PY'
import json, sys, glob, os
work, minutes, reloads, rss1, rss_end = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
total = failed = 0
for path in sorted(glob.glob(os.path.join(work, "*.json"))):
    rows = [json.loads(l) for l in open(path) if l.startswith("{")]
    requests = sum(r["requests"] for r in rows); errors = sum(r["errors"] for r in rows)
    total += requests; failed += errors
    print(f"  {os.path.basename(path)[:-5]:9} requests {requests:>9}  failures {errors}")
print(f"soak {minutes} min: requests {total}, failures {failed}, reloads {reloads}, "
      f"resident memory at minute 1 {rss1 / 1024:.0f} MiB, at the end {rss_end / 1024:.0f} MiB")
PY
available=$(grep -c "available" "$work/server.log" || true)
ss_log "server log: $available 'available' lines; the last lines:"
tail -5 "$work/server.log" >&2
failures=$(cat "$work"/*.json | python3 -c 'import sys, json; print(sum(json.loads(l)["errors"] for l in sys.stdin if l.startswith("{")))')
[[ "$failures" -eq 0 ]]
