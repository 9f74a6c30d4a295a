#!/usr/bin/env bash
# Installs what is missing (once), builds in Release, and serves the example servables in the foreground.
# Usage: ./serve.sh [--servables DIR] [--grpc ADDRESS] [--rest ADDRESS] [other host options; see --help]
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

ss_install_runtime_prerequisites
ss_install_models
ss_install_servable_models

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
ss_log "building (Release)"
dotnet build host/SharpServing.Host/SharpServing.Host.csproj -c Release -nologo -clp:ErrorsOnly -v:q
dotnet build tools/SharpServing.ModelFixtures/SharpServing.ModelFixtures.csproj -c Release -nologo -clp:ErrorsOnly -v:q
dotnet build Plugins.sln -c Release -nologo -clp:ErrorsOnly -v:q
ss_generate_add_models

exec dotnet host/SharpServing.Host/bin/Release/net10.0/sharpserving.dll serve "$@"
