#!/bin/bash
# containerd.sh - a private containerd with one Kubernetes-labelled pod, for the container tier (ContainerdTests).
#
#   containerd.sh up WORK [OWNER_PID]   start containerd, import a busybox image made here into namespace k8s.io, run
#                                       a pod's sandbox and one container in a kubepods-style cgroup with the labels
#                                       the kubelet's CRI plugin sets; prints key=value facts. With OWNER_PID (the test
#                                       host), a watchdog runs `down` when that process is gone, however it ended.
#   containerd.sh down WORK             remove everything `up` made, also after a partial or failed `up`
#
# Everything lives under WORK (keep it short: unix socket paths hold < 108 bytes): containerd's root, state, socket and
# config, the image. The pod `up` makes is made with ctr (the labels are what the CRI plugin would have written); the
# CRI plugin is on for the tests that make a pod through the CRI. No registry, no network. The cgroups are /ctop-test-cd-PID/kubepods/burstable/pod<UID>/<ID> in every v1 hierarchy (runc's cgroupfs
# manager): kubepods-style below a parent of ctop's tests. Host paths containerd's shims create on their own
# (/run/containerd/s, /run/containerd/runc) are removed by `down` only when they did not exist before and are empty.
set -Eeuo pipefail

die() { echo "containerd.sh: $*" >&2; exit 1; }

setup_vars() {
  WORK=$1
  SOCK="$WORK/c.sock"
  NS=k8s.io
  TAG=$(basename "$WORK" | tr -cd '0-9a-z')
  IMAGE="docker.io/ctop-test/busybox:$TAG"
  PARENT="ctop-test-cd-$TAG"
}
C() { ctr --address "$SOCK" --namespace "$NS" "$@"; }

HOST_DIRS=(/run/containerd /run/containerd/s /run/containerd/runc /run/containerd/runc/k8s.io)

up() {
  setup_vars "$1"
  local owner=${2:-}
  for t in /usr/bin/containerd /usr/bin/ctr /usr/bin/containerd-shim-runc-v2 /bin/busybox sha256sum; do
    command -v "$t" >/dev/null || die "$t is not installed (apt: containerd runc busybox-static)"
  done
  command -v runc >/dev/null || die "runc is not installed (apt: runc)"
  mkdir -p "$WORK"
  if [ -n "$owner" ]; then
    setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done; [ -d "$2" ] && exec bash "$3" down "$2"' \
      watchdog "$owner" "$WORK" "$(readlink -f "$0")" </dev/null >/dev/null 2>&1 &
    echo $! > "$WORK/watchdog.pid"
  fi
  : > "$WORK/pre-existing"
  for d in "${HOST_DIRS[@]}"; do [ -e "$d" ] && echo "$d" >> "$WORK/pre-existing"; done

  # What `ctr images import` and `ctr run` need, and the CRI plugin (for CriTests: pods made through the CRI, as the
  # kubelet makes them): its sandbox image is the image made here, its CNI directories are empty (pods use the host's
  # network: no CNI), its streaming server is on loopback, and its OOM score adjustments are kept no lower than
  # containerd's own (a sandbox asks for -998, which needs CAP_SYS_RESOURCE: runc fails with "can't get final child's
  # PID from pipe" where root lacks it, as in this machine's VM). No remote snapshotters, no tracing, no metrics.
  mkdir -p "$WORK/cni/bin" "$WORK/cni/conf"
  cat > "$WORK/config.toml" <<CONF
version = 2
root = "$WORK/root"
state = "$WORK/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$WORK/cni/bin"
    conf_dir = "$WORK/cni/conf"
CONF
  setsid /usr/bin/containerd --config "$WORK/config.toml" </dev/null >"$WORK/containerd.log" 2>&1 &
  echo $! > "$WORK/containerd.pid"

  # The image, an OCI layout made here: one layer (static busybox), a config, a manifest, an index naming it.
  local rootfs="$WORK/rootfs" oci="$WORK/oci"
  mkdir -p "$rootfs"/{bin,proc,sys,dev,etc,tmp} "$oci/blobs/sha256"
  cp /bin/busybox "$rootfs/bin/busybox"
  for a in sh sleep cat ls echo true; do ln -s busybox "$rootfs/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs/etc/passwd"
  tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf "$WORK/layer.tar" .
  rm -rf "$rootfs"
  local layer layer_size config config_size manifest manifest_size
  layer=$(sha256sum "$WORK/layer.tar" | cut -d' ' -f1); layer_size=$(stat -c %s "$WORK/layer.tar")
  mv "$WORK/layer.tar" "$oci/blobs/sha256/$layer"
  # PATH in the image's config: the CRI plugin runs a pod's processes with the image's environment alone (ctr adds one).
  printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["sleep","1000000"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$layer" > "$WORK/config.json"
  config=$(sha256sum "$WORK/config.json" | cut -d' ' -f1); config_size=$(stat -c %s "$WORK/config.json")
  mv "$WORK/config.json" "$oci/blobs/sha256/$config"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config" "$config_size" "$layer" "$layer_size" > "$WORK/manifest.json"
  manifest=$(sha256sum "$WORK/manifest.json" | cut -d' ' -f1); manifest_size=$(stat -c %s "$WORK/manifest.json")
  mv "$WORK/manifest.json" "$oci/blobs/sha256/$manifest"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$manifest" "$manifest_size" "$IMAGE" "$TAG" > "$oci/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$oci/oci-layout"
  tar -C "$oci" -cf "$WORK/image.tar" .
  rm -rf "$oci"

  local i
  for i in $(seq 1 300); do
    [ -S "$SOCK" ] && C version >/dev/null 2>&1 && break
    kill -0 "$(cat "$WORK/containerd.pid")" 2>/dev/null || { tail -20 "$WORK/containerd.log" >&2; die "containerd exited"; }
    sleep 0.1
  done
  C version >/dev/null 2>&1 || { tail -20 "$WORK/containerd.log" >&2; die "containerd not ready after 30 s"; }
  C images import "$WORK/image.tar" >/dev/null
  rm -f "$WORK/image.tar"

  # A pod as the CRI plugin lays it out: a sandbox (pause; here sleep) and an app container, each in its own cgroup
  # under the pod's, both carrying the pod's labels.
  local uid sandbox app pod_cgroup
  uid=$(cat /proc/sys/kernel/random/uuid)
  sandbox=$(head -c 32 /dev/urandom | sha256sum | cut -d' ' -f1)
  app=$(head -c 32 /dev/urandom | sha256sum | cut -d' ' -f1)
  pod_cgroup="/$PARENT/kubepods/burstable/pod$uid"
  local labels=(--label io.kubernetes.pod.name=shop-0 --label io.kubernetes.pod.namespace=prod --label "io.kubernetes.pod.uid=$uid")
  C run -d --null-io "${labels[@]}" --label io.cri-containerd.kind=sandbox \
    --cgroup "$pod_cgroup/$sandbox" "$IMAGE" "$sandbox" sleep 1000000 >/dev/null
  C run -d --null-io "${labels[@]}" --label io.cri-containerd.kind=container --label io.kubernetes.container.name=nginx \
    --cgroup "$pod_cgroup/$app" "$IMAGE" "$app" sleep 1000000 >/dev/null

  echo "containerd_address=$SOCK"
  echo "image=$IMAGE"
  echo "pod_uid=$uid"
  echo "pod_cgroup=$pod_cgroup"
  echo "sandbox_id=$sandbox"
  echo "app_id=$app"
  echo "containerd_version=$(C version | awk '/Server:/{s=1} s&&/Version:/{print $2; exit}')"
}

pre_existed() { grep -qxF -- "$1" "$WORK/pre-existing" 2>/dev/null; }

# TERM, wait up to $2 tenths of a second, then KILL; only if the PID still runs a command naming WORK.
stop_pid() {
  local pid=$1 tenths=${2:-150}
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$WORK" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 "$tenths"); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

down() {
  setup_vars "$1"
  set +e
  [ -d "$WORK" ] || return 0
  local wd id c p
  wd=$(cat "$WORK/watchdog.pid" 2>/dev/null)
  [ -n "$wd" ] && [ "$wd" != "$$" ] && stop_pid "$wd" 20
  if [ -S "$SOCK" ] && C version >/dev/null 2>&1; then
    for id in $(C containers list -q 2>/dev/null); do
      C tasks kill -s KILL "$id" >/dev/null 2>&1
      for _ in $(seq 1 50); do C tasks delete "$id" >/dev/null 2>&1 && break; sleep 0.1; done
      C containers delete "$id" >/dev/null 2>&1
    done
    C images remove "$IMAGE" >/dev/null 2>&1
  fi
  # What a killed containerd left: the container processes are in our cgroups (and only ours), the shims name WORK.
  for c in /sys/fs/cgroup/*/"$PARENT"; do
    [ -d "$c" ] || continue
    find "$c" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u | while read -r p; do kill -KILL "$p" 2>/dev/null; done
  done
  for p in $(pgrep -f -- "-address $SOCK" 2>/dev/null); do stop_pid "$p" 30; done
  stop_pid "$(cat "$WORK/containerd.pid" 2>/dev/null)" 50
  grep -o " $WORK[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
  for c in /sys/fs/cgroup/*/"$PARENT"; do
    [ -d "$c" ] || continue
    for _ in $(seq 1 20); do find "$c" -depth -type d -exec rmdir {} + 2>/dev/null; [ -d "$c" ] || break; sleep 0.2; done
  done
  for d in /run/containerd/runc/k8s.io /run/containerd/runc /run/containerd/s /run/containerd; do
    pre_existed "$d" && continue
    [ -d "$d" ] && rmdir "$d" 2>/dev/null
  done
  rm -rf --one-file-system "$WORK"
  return 0
}

case "${1:-}" in
  up)   [ $# -eq 2 ] || [ $# -eq 3 ] || die "usage: containerd.sh up WORK [OWNER_PID]"; up "$2" "${3:-}" ;;
  down) [ $# -eq 2 ] || die "usage: containerd.sh down WORK"; down "$2" ;;
  *)    die "usage: containerd.sh up WORK [OWNER_PID] | down WORK" ;;
esac
