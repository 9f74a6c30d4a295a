#!/usr/bin/env bash
# Builds the image (deploy/image/build-image.sh, with the example add servable baked in), runs it with podman on the
# runc runtime, and calls add over gRPC (the image's own `sharpserving infer` client) and REST (curl from the host).
# Exit code non-zero on any failure. Slow (a Debian root filesystem the first time, a publish, a vfs copy of the
# image): it runs when asked, not in every ./test.sh (IMAGE_TESTS=1 ./test.sh runs it, or run it directly). Needs root
# and the Debian packages debootstrap, buildah, podman, runc.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="$(realpath -m "${SHARPSERVING_CACHE:-.cache}")/image"
storage=(--root "$cache/storage" --runroot "$cache/run" --storage-driver vfs)
image=localhost/sharpserving:smoke
name="sharpserving-smoke-$$"
grpc_port="${SMOKE_GRPC_PORT:-15500}" rest_port="${SMOKE_REST_PORT:-11500}"
step() { echo "== $*"; }

for tool in podman runc curl; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install -y debootstrap buildah podman runc" >&2; exit 1; }
done

step "build $image"
started=$(date +%s)
SS_IMAGE_WITH_EXAMPLES=1 deploy/image/build-image.sh "$image" | tail -1
echo "built in $(( $(date +%s) - started )) s"
podman "${storage[@]}" image inspect "$image" --format 'user={{.Config.User}} entrypoint={{.Config.Entrypoint}} cmd={{.Config.Cmd}} ports={{.Config.ExposedPorts}}'
podman "${storage[@]}" image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$image"

# Explicit limits: podman's defaults raise RLIMIT_NOFILE and RLIMIT_NPROC above what a nested container (a CI sandbox)
# may set, and runc then fails with "error setting rlimits".
step "run it (podman --runtime runc, host network, read-only root, no capabilities)"
cleanup() { podman "${storage[@]}" rm -f -t 5 "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
podman "${storage[@]}" --runtime runc --cgroup-manager cgroupfs --events-backend none run -d --name "$name" \
  --network host --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
  --ulimit "nofile=$(ulimit -Sn):$(ulimit -Hn)" --ulimit nproc=4096:4096 \
  "$image" serve --servables /srv/servables --grpc "127.0.0.1:$grpc_port" --rest "127.0.0.1:$rest_port" --no-watch >/dev/null
podman "${storage[@]}" inspect "$name" --format 'runtime={{.OCIRuntime}} user={{.Config.User}}'

step "wait for /v2/health/ready"
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$rest_port/v2/health/ready" >/dev/null 2>&1 && break
  if [ "$(podman "${storage[@]}" inspect "$name" --format '{{.State.Running}}')" != true ]; then
    podman "${storage[@]}" logs "$name"; exit 1
  fi
  sleep 1
done
curl -fsS -o /dev/null -w 'ready: HTTP %{http_code}\n' "http://127.0.0.1:$rest_port/v2/health/ready"

step "add over REST (curl)"
rest=$(curl -fsS -X POST "http://127.0.0.1:$rest_port/model/add:add_common" \
  -d '{"instances":{"x1":[[1.0,2.0],[3.0,4.0]],"x2":[[10.0,20.0],[30.0,40.0]]}}')
echo "$rest"
[ "$rest" = '{"instances":[{"y":[[11.0,22.0],[33.0,44.0]]}]}' ] || { echo "unexpected REST reply" >&2; exit 1; }

step "add over gRPC (sharpserving infer, inside the container)"
grpc=$(podman "${storage[@]}" --runtime runc exec "$name" dotnet /app/sharpserving.dll infer --address "127.0.0.1:$grpc_port" \
  --servable add --method add_common --json '{"instances":[{"x1":[[1.0,2.0],[3.0,4.0]],"x2":[[10.0,20.0],[30.0,40.0]]}]}')
echo "$grpc"

step "server log"
podman "${storage[@]}" logs "$name" 2>&1 | head -20

step "stop (SIGTERM, drain)"
podman "${storage[@]}" stop -t 30 "$name" >/dev/null
podman "${storage[@]}" inspect "$name" --format 'exit code {{.State.ExitCode}}'
echo "smoke test passed"
