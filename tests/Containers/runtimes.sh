#!/bin/bash
# runtimes.sh - a private docker daemon and podman API service for the container tier (tests/Containers.Tests).
#
#   runtimes.sh up WORK CTOP_BINARY [OWNER_PID]
#                                     start both, import one busybox image into each; prints key=value facts.
#                                     With OWNER_PID (the test host), a watchdog runs `down` when that process is
#                                     gone, however it ended (SIGKILL included).
#   runtimes.sh down WORK             remove everything `up` made, also after a partial or failed `up`
#
# Everything lives under WORK (keep it short: unix socket paths hold < 108 bytes): docker's data and exec roots and
# socket, podman's storage and socket, the logs. Host paths the daemons create on their own (/run/docker,
# /run/containerd, podman's /run dirs, the docker and libpod_parent cgroups) are listed in WORK/pre-existing when they
# already exist before `up`, and `down` removes only the others, and only when empty. Processes are stopped by the
# PIDs `up` recorded, or found by the WORK path in their command line (containerd's shims, conmon).
#
# Host facts (Debian 12: docker.io 20.10, podman 4.3, cgroup v1 hybrid, systemd not PID 1, no registry):
#   cgroupfs cgroup driver/manager for both; no iptables and no bridge (--bridge=none, podman netns none);
#   podman runs runc (crun 1.8 refuses hybrid hosts) with explicit ulimits (no CAP_SYS_RESOURCE for its defaults).
# The image is a busybox rootfs plus the shared libraries the NativeAOT ctop needs (ldd), so the binary can be
# bind-mounted into a container and run there.
set -Eeuo pipefail

DOCKER=/usr/bin/docker

die() { echo "runtimes.sh: $*" >&2; exit 1; }

setup_vars() {
  WORK=$1
  SOCK="$WORK/docker.sock"
  PSOCK="$WORK/podman.sock"
  DATA="$WORK/data"
  EXEC="$WORK/exec"
  IMAGE="ctop-test/busybox:$(basename "$WORK" | tr -cd '0-9a-z')"
  export CONTAINERS_CONF="$WORK/containers.conf"
}
# The docker CLI's own files stay in WORK (podman, which also reads DOCKER_CONFIG for credentials, must not see it).
D() { DOCKER_CONFIG="$WORK/docker-config" "$DOCKER" -H "unix://$SOCK" "$@"; }
P() { podman --root "$WORK/root" --runroot "$WORK/run" --tmpdir "$WORK/tmp" "$@"; }

HOST_DIRS=(/run/docker /run/containerd /etc/docker /run/netns /run/runc /run/crun /run/containers/networks /run/containers
           /run/libpod /var/lib/containers/cache /var/lib/containers)
CGROUP_PARENTS=(docker libpod_parent)

up() {
  setup_vars "$1"
  local binary=$2 owner=${3:-}
  [ -x "$binary" ] || die "no ctop binary at $binary"
  for t in /usr/sbin/dockerd "$DOCKER" podman runc /bin/busybox; do command -v "$t" >/dev/null || die "$t is not installed (apt: docker.io podman runc busybox-static)"; done
  mkdir -p "$WORK" "$DATA" "$EXEC" "$WORK/docker-config" "$WORK/root" "$WORK/run" "$WORK/tmp"
  if [ -n "$owner" ]; then
    setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done; [ -d "$2" ] && exec bash "$3" down "$2"' \
      watchdog "$owner" "$WORK" "$(readlink -f "$0")" </dev/null >/dev/null 2>&1 &
    echo $! > "$WORK/watchdog.pid"
  fi
  : > "$WORK/pre-existing"
  for d in "${HOST_DIRS[@]}"; do [ -e "$d" ] && echo "$d" >> "$WORK/pre-existing"; done
  for p in "${CGROUP_PARENTS[@]}"; do for c in /sys/fs/cgroup/*/"$p"; do [ -d "$c" ] && echo "$c" >> "$WORK/pre-existing"; done; done

  # The image: static busybox, and ctop's shared libraries where the dynamic loader looks for them.
  local rootfs="$WORK/rootfs"
  mkdir -p "$rootfs"/{bin,proc,sys,dev,etc,tmp,opt/ctop}
  cp /bin/busybox "$rootfs/bin/busybox"
  for a in sh sleep cat ls ps echo grep head id hostname mkdir env true seq; do ln -s busybox "$rootfs/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs/etc/passwd"
  echo 'root:x:0:' > "$rootfs/etc/group"
  local lib
  for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
  tar -C "$rootfs" -cf "$WORK/rootfs.tar" .
  rm -rf "$rootfs"

  # keeps the trust key out of /etc/docker
  echo "{\"deprecated-key-path\": \"$WORK/key.json\"}" > "$WORK/daemon.json"
  setsid /usr/sbin/dockerd --config-file "$WORK/daemon.json" --data-root "$DATA" --exec-root "$EXEC" \
    -H "unix://$SOCK" --pidfile "$WORK/dockerd.pid" --exec-opt native.cgroupdriver=cgroupfs --storage-driver overlay2 \
    --iptables=false --ip-forward=false --ip-masq=false --bridge=none </dev/null >"$WORK/dockerd.log" 2>&1 &
  echo $! > "$WORK/dockerd.started"

  cat > "$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=$(nofile):$(nofile)", "nproc=$(nproc_limit):$(nproc_limit)"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
  P import -q "$WORK/rootfs.tar" "$IMAGE" >/dev/null
  setsid podman --root "$WORK/root" --runroot "$WORK/run" --tmpdir "$WORK/tmp" system service --time=0 "unix://$PSOCK" \
    </dev/null >"$WORK/podman-service.log" 2>&1 &
  echo $! > "$WORK/podman-service.pid"

  local i
  for i in $(seq 1 300); do
    D version >/dev/null 2>&1 && break
    kill -0 "$(cat "$WORK/dockerd.started")" 2>/dev/null || { tail -20 "$WORK/dockerd.log" >&2; die "dockerd exited"; }
    sleep 0.1
  done
  D version >/dev/null 2>&1 || { tail -20 "$WORK/dockerd.log" >&2; die "dockerd not ready after 30 s"; }
  D import "$WORK/rootfs.tar" "$IMAGE" >/dev/null
  for i in $(seq 1 300); do [ -S "$PSOCK" ] && break; sleep 0.1; done
  [ -S "$PSOCK" ] || { tail -20 "$WORK/podman-service.log" >&2; die "podman system service made no socket in 30 s"; }

  echo "docker_host=unix://$SOCK"
  echo "podman_host=unix://$PSOCK"
  echo "docker_data_root=$DATA"
  echo "podman_storage_root=$WORK/root"
  echo "image=$IMAGE"
  echo "podman_image=localhost/$IMAGE"
  echo "docker_version=$(D version -f '{{.Server.Version}}')"
  echo "podman_version=$(podman --version | awk '{print $3}')"
}

# podman (root) asks for 1048576 and, without CAP_SYS_RESOURCE, may not exceed the hard limits it runs with.
nofile() { local n; n=$(ulimit -Hn); [ "$n" = unlimited ] && n=1048576; echo "$n"; }
nproc_limit() { local n; n=$(ulimit -Hu); { [ "$n" = unlimited ] || [ "$n" -gt 32768 ]; } && n=32768; echo "$n"; }

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
  local ids="" pids p c i wd
  # The watchdog, unless it is what runs this (it execs down, keeping its PID).
  wd=$(cat "$WORK/watchdog.pid" 2>/dev/null)
  [ -n "$wd" ] && [ "$wd" != "$$" ] && stop_pid "$wd" 20
  if [ -S "$SOCK" ] && D version >/dev/null 2>&1; then
    ids=$(D ps -aq --no-trunc 2>/dev/null)
    [ -n "$ids" ] && D rm -f $ids >/dev/null 2>&1
    D rmi -f "$IMAGE" >/dev/null 2>&1
  fi
  stop_pid "$(cat "$WORK/dockerd.pid" 2>/dev/null || cat "$WORK/dockerd.started" 2>/dev/null)"
  stop_pid "$(cat "$EXEC/containerd/containerd.pid" 2>/dev/null)" 50
  for p in $(pgrep -f -- "$EXEC/containerd/containerd.sock" 2>/dev/null); do stop_pid "$p" 30; done

  stop_pid "$(cat "$WORK/podman-service.pid" 2>/dev/null)" 50
  local pids_podman=""
  if [ -d "$WORK/root" ]; then
    pids_podman=$(P ps -aq --no-trunc 2>/dev/null)
    P rm -a -f -t 0 >/dev/null 2>&1
    P rmi -a -f >/dev/null 2>&1
  fi
  for p in $(pgrep -f -- "$WORK/root/" 2>/dev/null); do stop_pid "$p" 30; done

  grep -o " $WORK[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
  # The runtimes remove their containers' cgroups; these are what a killed daemon may have left.
  for i in $ids; do for c in /sys/fs/cgroup/*/docker/"$i"; do [ -d "$c" ] && rmdir "$c" 2>/dev/null; done; done
  for i in $pids_podman; do for c in /sys/fs/cgroup/*/libpod_parent/libpod-"$i"; do [ -d "$c" ] && rmdir "$c" 2>/dev/null; done; done
  for c in /sys/fs/cgroup/*/libpod_parent; do
    [ -d "$c" ] && ! pre_existed "$c" || continue
    for _ in $(seq 1 20); do [ -d "$c/conmon" ] && ! rmdir "$c/conmon" 2>/dev/null && { sleep 0.2; continue; }; break; done
  done
  for p in "${CGROUP_PARENTS[@]}"; do
    for c in /sys/fs/cgroup/*/"$p"; do [ -d "$c" ] && ! pre_existed "$c" && rmdir "$c" 2>/dev/null; done
  done
  pre_existed /var/lib/containers/cache || rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb
  if ! pre_existed /run/netns && [ -d /run/netns ] && [ -z "$(ls -A /run/netns)" ]; then
    mountpoint -q /run/netns && umount /run/netns
  fi
  for d in /run/containerd/s /run/containerd/runc /run/docker/plugins /run/docker/runtime-runc "${HOST_DIRS[@]}"; do
    case $d in /run/containerd/*) pre_existed /run/containerd && continue;; /run/docker/*) pre_existed /run/docker && continue;; esac
    pre_existed "$d" && continue
    [ -d "$d" ] && rmdir "$d" 2>/dev/null
  done
  rm -rf --one-file-system "$WORK"
  return 0
}

case "${1:-}" in
  up)   [ $# -eq 3 ] || [ $# -eq 4 ] || die "usage: runtimes.sh up WORK CTOP_BINARY [OWNER_PID]"; up "$2" "$3" "${4:-}" ;;
  down) [ $# -eq 2 ] || die "usage: runtimes.sh down WORK"; down "$2" ;;
  *)    die "usage: runtimes.sh up WORK CTOP_BINARY [OWNER_PID] | down WORK" ;;
esac
