# Sourced by the scripts of tools/profile: serves the add example from a scratch folder and loads it with the
# benchmark's client. Expects scripts/setup.sh sourced; profile_prepare (or ss_build_load_tools) before serving.

# profile_prepare USAGE ARG...: takes PROTOCOL and CONCURRENCY, an optional `--server PATH/sharpserving.dll` (default:
# this tree's build) and the server options after it; installs what serving and loading need (runtime prerequisites,
# models) and builds the load tools. Sets profile_protocol, profile_concurrency, profile_server_dll and
# profile_server_options.
profile_prepare() {
  local usage="$1"
  profile_protocol="${2:?$usage}"
  profile_concurrency="${3:?$usage}"
  shift 3
  profile_take_server_option "$@"
  ss_install_runtime_prerequisites
  ss_install_models
  ss_build_load_tools
}

# profile_prepare_perf_tool USAGE ARG...: profile_prepare, and linux-perf for the tools that count the server with perf.
profile_prepare_perf_tool() {
  profile_prepare "$@"
  ss_apt linux-perf
}

# profile_take_server_option [--server PATH/sharpserving.dll] [SERVER OPTION...]: sets profile_server_dll (default: this
# tree's build) and profile_server_options (the rest).
profile_take_server_option() {
  profile_server_dll="host/SharpServing.Host/bin/Release/net10.0/sharpserving.dll"
  if [[ "${1:-}" == --server ]]; then
    profile_server_dll="${2:?--server needs a path}"
    shift 2
  fi
  profile_server_options=("$@")
}

# profile_install_trace_tool: dotnet-trace into the cache (once); sets profile_trace_tool.
profile_install_trace_tool() {
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  profile_trace_tool="$SS_CACHE/dotnet-tools/dotnet-trace"
  [[ -x "$profile_trace_tool" ]] || dotnet tool install --tool-path "$SS_CACHE/dotnet-tools" dotnet-trace --version 10.0.750501 >&2
}

profile_bench_dll="tools/SharpServing.Benchmark/bin/Release/net10.0/SharpServing.Benchmark.dll"
profile_server_pid=""
profile_load_pid=""

# profile_serve_add SERVER_DLL WORK_DIR [SERVER OPTION...]: serves add from WORK_DIR/servables (gRPC and REST on free
# loopback ports, log in WORK_DIR/server.log) and returns once both listen. Sets profile_server_pid,
# profile_grpc_address and profile_rest_address.
profile_serve_add() {
  local dll="$1" work="$2"
  shift 2
  mkdir -p "$work/servables"
  cp -r servables/add "$work/servables/"
  profile_grpc_address="127.0.0.1:$(ss_free_port)"
  profile_rest_address="127.0.0.1:$(ss_free_port)"
  dotnet "$dll" serve --servables "$work/servables" --grpc "$profile_grpc_address" --rest "$profile_rest_address" \
    --no-watch "$@" > "$work/server.log" 2>&1 &
  profile_server_pid=$!
  local _
  for _ in $(seq 300); do
    grep -q "^Serving: .*add" "$work/server.log" 2>/dev/null && grep -q "RESTful server listening" "$work/server.log" && return 0
    kill -0 "$profile_server_pid" 2>/dev/null || { cat "$work/server.log" >&2; return 1; }
    sleep 0.2
  done
  echo "the server did not start in 60 s" >&2
  return 1
}

# profile_start_load PROTOCOL CONCURRENCY SECONDS LOG: loads add.add_common in the background. Sets profile_load_pid.
profile_start_load() {
  local target
  [[ "$1" == grpc ]] && target=(--grpc "$profile_grpc_address") || target=(--rest "$profile_rest_address")
  dotnet "$profile_bench_dll" load "${target[@]}" --server-pid "$profile_server_pid" --payload add --concurrency "$2" \
    --duration "$3" > "$4" 2>&1 &
  profile_load_pid=$!
}

# profile_work_dir NAME [DIR]: the tool's working folder in profile_work: DIR when given (kept afterwards), else a new
# temporary folder (removed on exit). On exit the server and the load stop either way.
profile_work_dir() {
  profile_keep_work="${2:-}"
  profile_work="${2:-$(mktemp -d "${TMPDIR:-/tmp}/sharpserving-$1.XXXXXX")}"
  mkdir -p "$profile_work"
  trap profile_cleanup EXIT
}

profile_cleanup() {
  profile_stop
  [[ -n "$profile_keep_work" ]] || rm -rf "$profile_work"
}

# Stops the load and the server (for an EXIT trap), and removes the server's perf map if it wrote one.
profile_stop() {
  [[ -n "$profile_load_pid" ]] && kill "$profile_load_pid" 2>/dev/null || true
  if [[ -n "$profile_server_pid" ]]; then
    kill -TERM "$profile_server_pid" 2>/dev/null || true
    wait "$profile_server_pid" 2>/dev/null || true
    rm -f "/tmp/perf-$profile_server_pid.map"
  fi
  profile_load_pid=""
  profile_server_pid=""
}
