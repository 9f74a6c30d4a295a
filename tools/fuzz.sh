#!/usr/bin/env bash
# Fuzzes one parser with afl-fuzz through SharpFuzz (docs/fuzzing.md).
# Usage: tools/fuzz.sh TARGET [EXECUTIONS]     TARGET: rest | url | b64 | npy | image | config | v2 | predict; EXECUTIONS: default 1000000
# Installs afl++ (Debian) and the sharpfuzz tool when missing, builds the harness into $SS_CACHE/fuzz/instrumented, instruments
# the SharpServing assemblies there (never the normal build outputs), and runs afl-fuzz on the seed corpus in
# tools/SharpServing.Fuzz/corpus/TARGET until it has made EXECUTIONS executions. Findings land in $SS_CACHE/fuzz/TARGET
# (afl-fuzz's output folder) and its log in $SS_CACHE/fuzz/TARGET.log;
# the closing lines print the execution count, the paths found, and the crashes and hangs saved.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

target="${1:?usage: tools/fuzz.sh rest|url|b64|npy|image|config|v2|predict [EXECUTIONS]}"
executions="${2:-1000000}"
corpus="tools/SharpServing.Fuzz/corpus/$target"
[[ -d "$corpus" ]] || { echo "unknown target '$target' (no seed corpus $corpus)" >&2; exit 2; }

command -v afl-fuzz >/dev/null || ss_apt afl++
export PATH="$PATH:$HOME/.dotnet/tools"
command -v sharpfuzz >/dev/null || dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0 >&2

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
build="$SS_CACHE/fuzz/instrumented"
lock="$SS_CACHE/fuzz/build.lock"
mkdir -p "$SS_CACHE/fuzz"
# One build and instrumentation at a time; harnesses already running keep the files they loaded.
(
  flock 9
  stamp="$build/.instrumented"
  if [[ ! -f "$stamp" ]] || [[ -n "$(find tools/SharpServing.Fuzz host/SharpServing.Server host/SharpServing.Engine sdk/SharpServing.Sdk \
      -name '*.cs' -newer "$stamp" -not -path '*/obj/*' -not -path '*/bin/*' | head -1)" ]]; then
    ss_log "building and instrumenting the harness in $build"
    rm -rf "$build"
    # Its own artifacts folder: the instrumented copies never mix with the normal build outputs.
    dotnet publish tools/SharpServing.Fuzz/SharpServing.Fuzz.csproj -c Release --artifacts-path "$SS_CACHE/fuzz/artifacts" -o "$build" \
      -nologo -clp:ErrorsOnly -v:q >&2
    for assembly in SharpServing.Server SharpServing.Engine SharpServing.Sdk; do
      sharpfuzz "$build/$assembly.dll" >&2
    done
    touch "$stamp"
  fi
) 9>"$lock"

findings="$SS_CACHE/fuzz/$target"
rm -rf "$findings" "$findings.build"
# A copy per run, so a rebuild for another target never changes the files of a harness that is running.
cp -r "$build" "$findings.build"
[[ "$target" == image ]] && ss_install_runtime_prerequisites
ss_log "fuzzing $target for $executions executions; findings in $findings"
# -E stops after that many executions; -t is the per-input limit in ms (a hang past it is saved under hangs/).
AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  afl-fuzz -i "$corpus" -o "$findings" -E "$executions" -t 5000 -m none -- \
  dotnet "$findings.build/SharpServing.Fuzz.dll" "$target" > "$findings.log" 2>&1 || { tail -40 "$findings.log" >&2; exit 1; }

stats="$findings/default/fuzzer_stats"
get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
crashes=$(find "$findings/default/crashes" -type f -name 'id:*' | wc -l)
hangs=$(find "$findings/default/hangs" -type f -name 'id:*' | wc -l)
echo "$target: execs_done $(get execs_done), corpus_count (paths) $(get corpus_count), crashes $crashes, hangs $hangs, run_time $(get run_time) s, execs_per_sec $(get execs_per_sec)"
[[ "$crashes" -eq 0 && "$hangs" -eq 0 ]]
