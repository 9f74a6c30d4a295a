#!/usr/bin/env bash
# Builds the server and the benchmark in Release (when their sources changed) and runs a benchmark scenario.
# Usage: ./bench.sh SCENARIO [options]     SCENARIO: add | add-v2 | ocr | batching | cuda | all | load | floor | write-grpc-body | write-rest-body
#        ./bench.sh --help                 lists the options
# Build outputs go to $BENCH_ARTIFACTS when set (dotnet --artifacts-path), else to each project's bin/ folder.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

ss_install_runtime_prerequisites
ss_apt python3-pil fonts-dejavu-core nghttp2-client wrk
ss_install_models
ss_install_servable_models

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
build=(-c Release -nologo -clp:ErrorsOnly -v:q)
if [[ -n "${BENCH_ARTIFACTS:-}" ]]; then
  build+=(--artifacts-path "$BENCH_ARTIFACTS")
  server="$BENCH_ARTIFACTS/bin/SharpServing.Host/release/sharpserving.dll"
  tool="$BENCH_ARTIFACTS/bin/SharpServing.Benchmark/release/SharpServing.Benchmark.dll"
else
  server="host/SharpServing.Host/bin/Release/net10.0/sharpserving.dll"
  tool="tools/SharpServing.Benchmark/bin/Release/net10.0/SharpServing.Benchmark.dll"
fi
ss_log "building (Release)" >&2
dotnet build host/SharpServing.Host/SharpServing.Host.csproj "${build[@]}" >&2
dotnet build tools/SharpServing.Benchmark/SharpServing.Benchmark.csproj "${build[@]}" >&2
dotnet build tools/SharpServing.ModelFixtures/SharpServing.ModelFixtures.csproj -c Release -nologo -clp:ErrorsOnly -v:q >&2
dotnet build Plugins.sln -c Release -nologo -clp:ErrorsOnly -v:q >&2
ss_generate_add_models

case "${1:-}" in
  add|ocr|batching|all) exec dotnet "$tool" "$1" --server "$server" "${@:2}" ;;  # a later --server wins
  *) exec dotnet "$tool" "$@" ;;
esac
