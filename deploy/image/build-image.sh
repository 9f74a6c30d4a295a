#!/usr/bin/env bash
# Builds the SharpServing container image without a registry, as deploy/Dockerfile would: a Debian 12 (bookworm) root
# filesystem made by debootstrap from the Debian archive, the ASP.NET Core runtime of the local .NET SDK copied in (the
# layout of the official aspnet image: /usr/share/dotnet), the server published framework-dependent, and buildah
# committing an OCI image. Needs root (debootstrap, buildah mount) and the Debian packages debootstrap and buildah.
#
# Usage: deploy/image/build-image.sh [IMAGE]   (default IMAGE: localhost/sharpserving:dev)
# Environment: SHARPSERVING_CACHE  where the root filesystem, the publish output and the image store live (default .cache)
#              SS_IMAGE_WITH_EXAMPLES=1  bake the example add servable into /srv/servables (the smoke test does)
# The root filesystem is made once and reused; the image store is the cache's own (not the system's), so nothing
# else on the machine is touched. Prints the image id on the last line.
set -euo pipefail
cd "$(dirname "$0")/../.."
root_dir="$PWD"
image="${1:-localhost/sharpserving:dev}"
cache="$(realpath -m "${SHARPSERVING_CACHE:-.cache}")/image"
rootfs="$cache/rootfs-bookworm"
publish="$cache/publish"
log() { echo "[image] $*" >&2; }

# buildah and podman share this store (vfs: works inside containers without overlay support).
storage=(--root "$cache/storage" --runroot "$cache/run" --storage-driver vfs)

for tool in debootstrap buildah; do
  command -v "$tool" >/dev/null || { log "$tool is missing: apt-get install -y debootstrap buildah podman runc"; exit 1; }
done

# 1. The root filesystem: what the server needs at run time and nothing else (no shell tools beyond minbase).
packages=ca-certificates,tzdata,libicu72,libssl3,zlib1g,libstdc++6,libgcc-s1,libturbojpeg0,curl
if [ ! -f "$rootfs/.complete" ]; then
  log "debootstrap bookworm into $rootfs (once)"
  rm -rf "$rootfs" && mkdir -p "$rootfs"
  debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 \
    || { log "debootstrap failed (log: $cache/debootstrap.log)"; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  touch "$rootfs/.complete"
fi

# 2. The server, framework-dependent: the image carries the shared ASP.NET Core runtime once, like the aspnet base image,
# and ONNX Runtime's native library comes with the publish output (runtimes/linux-x64).
log "dotnet publish the server"
rm -rf "$publish"
dotnet publish host/SharpServing.Host/SharpServing.Host.csproj -c Release -r linux-x64 --self-contained false \
  -o "$publish" -nologo -clp:ErrorsOnly -v:q >&2

# 3. The image (OCI format: it has no HEALTHCHECK field; deploy/Dockerfile's docker-format build carries one, and on
# Kubernetes the chart's probes call the same /v2/health endpoints).
dotnet_root="$(dirname "$(realpath "$(command -v dotnet)")")"
ctr="$(buildah "${storage[@]}" from scratch)"
trap 'buildah "${storage[@]}" rm "$ctr" >/dev/null 2>&1 || true' EXIT
mnt="$(buildah "${storage[@]}" mount "$ctr")"
log "assembling the root filesystem in $ctr"
cp -a "$rootfs/." "$mnt/"
rm -f "$mnt/.complete"
mkdir -p "$mnt/usr/share/dotnet/shared" "$mnt/app" "$mnt/srv/servables" "$mnt/etc/sharpserving" "$mnt/var/run/secrets/sharpserving"
cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/LICENSE.txt" "$dotnet_root/ThirdPartyNotices.txt" "$mnt/usr/share/dotnet/" 2>/dev/null \
  || cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$mnt/usr/share/dotnet/"
cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$dotnet_root/shared/Microsoft.AspNetCore.App" "$mnt/usr/share/dotnet/shared/"
ln -sf /usr/share/dotnet/dotnet "$mnt/usr/bin/dotnet"
cp -a "$publish/." "$mnt/app/"
if [ "${SS_IMAGE_WITH_EXAMPLES:-0}" = 1 ]; then
  [ -s servables/add/1/tensor_add.onnx ] || { log "servables/add has no model: run ./test.sh (or ss_generate_add_models) first"; exit 1; }
  cp -a servables/add "$mnt/srv/servables/add"
fi
# The non-root user of deploy/Dockerfile: uid/gid 1654 ("app", as in the official .NET images).
echo "app:x:1654:1654:SharpServing:/app:/usr/sbin/nologin" >>"$mnt/etc/passwd"
echo "app:x:1654:" >>"$mnt/etc/group"
chown -R 1654:1654 "$mnt/srv/servables"
buildah "${storage[@]}" umount "$ctr" >/dev/null

buildah "${storage[@]}" config \
  --user 1654:1654 \
  --workingdir /app \
  --env DOTNET_ROOT=/usr/share/dotnet \
  --env DOTNET_CLI_TELEMETRY_OPTOUT=1 \
  --port 5500 --port 1500 \
  --volume /srv/servables \
  --label org.opencontainers.image.title=sharpserving \
  --label org.opencontainers.image.source=deploy/image/build-image.sh \
  --entrypoint '["dotnet", "/app/sharpserving.dll"]' \
  --cmd '["serve", "--servables", "/srv/servables", "--grpc", "0.0.0.0:5500", "--rest", "0.0.0.0:1500"]' \
  "$ctr"
id="$(buildah "${storage[@]}" commit --format oci --rm "$ctr" "$image")"
trap - EXIT
log "committed $image"
echo "$id"
