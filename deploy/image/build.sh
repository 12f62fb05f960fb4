#!/bin/bash
# build.sh - the ctop image, from the NativeAOT binary, without pulling anything: no base image, no registry.
#
#   deploy/image/build.sh [--binary PATH] [--tag NAME:TAG] [--output FILE]
#
# The root filesystem is the binary (/usr/local/bin/ctop), the shared libraries `ldd` lists for it (glibc's libc,
# libm, the loader: the binary links Mono.Unix statically and runs with invariant globalization), a minimal
# /etc/passwd and /etc/group, and empty /tmp, /proc, /sys, /host. It is packed as one uncompressed layer in a tarball
# that both `docker load` (docker-archive: manifest.json) and OCI tools (index.json, oci-layout; `ctr images import`,
# skopeo, podman load) read. Files are sorted, owned by root and dated at the epoch, so the same binary gives the same
# digests. Without --binary, ctop is published first (dotnet publish src/Ctop -c Release -r linux-x64 -p:PublishAot=true).
# The entrypoint is ctop; the default command serves /metrics on every address (a container's own network).
set -Eeuo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
binary="" tag="ctop:0.1.0" output=""
while [ $# -gt 0 ]; do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case $tag in *:*) ;; *) tag="$tag:latest" ;; esac
[ -n "$output" ] || output="$repo/artifacts/image/${tag//[:\/]/_}.tar"

if [ -z "$binary" ]; then
  dotnet publish "$repo/src/Ctop/Ctop.csproj" -c Release -r linux-x64 -p:PublishAot=true -o "$repo/artifacts/publish/ctop" -nologo -clp:ErrorsOnly >&2
  binary="$repo/artifacts/publish/ctop/ctop"
fi
[ -x "$binary" ] || { echo "build.sh: no executable ctop at $binary" >&2; exit 1; }
[ "$(head -c 4 "$binary" | tail -c 3)" = ELF ] || { echo "build.sh: $binary is not an ELF binary (the NativeAOT publish)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ctop-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs" blobs="$work/out/blobs/sha256"
mkdir -p "$rootfs"/{usr/local/bin,etc,tmp,proc,sys,host,run} "$blobs"
chmod 1777 "$rootfs/tmp"
cp "$binary" "$rootfs/usr/local/bin/ctop"
# .so files ctop loads beside itself, if any (none with the static Mono.Unix link).
for so in "$(dirname "$binary")"/*.so; do [ -e "$so" ] && cp "$so" "$rootfs/usr/local/bin/"; done
lib=""
for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done
[ -n "$lib" ] || { echo "build.sh: ldd listed no libraries for $binary" >&2; exit 1; }
printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu -C "$rootfs" -cf "$work/layer.tar" .
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
layer=$(sha "$work/layer.tar"); layer_size=$(size "$work/layer.tar")
mv "$work/layer.tar" "$blobs/$layer"

version=$("$binary" --version 2>/dev/null | head -1 || echo unknown)
cat > "$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"User":"0:0","Entrypoint":["/usr/local/bin/ctop"],"Cmd":["serve","--listen","0.0.0.0:10109"],
  "Env":["PATH=/usr/local/bin:/usr/bin:/bin"],"ExposedPorts":{"10109/tcp":{}},"WorkingDir":"/",
  "Labels":{"org.opencontainers.image.title":"ctop","org.opencontainers.image.version":"$version",
   "org.opencontainers.image.description":"A container-aware top for Linux; ctop serve exports per-cgroup metrics for Prometheus."}},
 "rootfs":{"type":"layers","diff_ids":["sha256:$layer"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"deploy/image/build.sh"}]}
JSON
config=$(sha "$work/config.json"); config_size=$(size "$work/config.json")
mv "$work/config.json" "$blobs/$config"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
  "$config" "$config_size" "$layer" "$layer_size" > "$work/manifest.json"
manifest=$(sha "$work/manifest.json"); manifest_size=$(size "$work/manifest.json")
mv "$work/manifest.json" "$blobs/$manifest"
ref=$tag
case ${tag%%/*} in *.*|*:*|localhost) ;; *) case $tag in */*) ref="docker.io/$tag" ;; *) ref="docker.io/library/$tag" ;; esac ;; esac
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
  "$manifest" "$manifest_size" "$ref" "${tag##*:}" > "$work/out/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$work/out/oci-layout"
# docker load (docker-archive): the config and layers by path within the tarball.
printf '[{"Config":"blobs/sha256/%s","RepoTags":["%s"],"Layers":["blobs/sha256/%s"]}]' "$config" "$tag" "$layer" > "$work/out/manifest.json"

mkdir -p "$(dirname "$output")"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/out" -cf "$output.tmp" .
mv "$output.tmp" "$output"
echo "image=$tag"
echo "tarball=$output"
echo "config_digest=sha256:$config"
echo "layer_bytes=$layer_size"
