#!/usr/bin/env bash
# The README's test command: installs what the tests need on a fresh Debian machine of this kind, then runs every
# tier (unit and fixture tests, real-kernel tests, the cgroup v2 VM tier, the container tier). .ci/run calls exactly
# this. Run it as root: the real-kernel tests create ctop-test-* cgroups, and the tiers start private daemons.
#
#   ./test.sh [dotnet test arguments…]     e.g. ./test.sh --filter "FullyQualifiedName~Diagnose"
#
# A tier that cannot run here (not root, no apt) says so in one line and is skipped; as root with apt nothing is
# skipped: CTOP_KERNEL_TESTS=require makes a missing prerequisite fail instead.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use: top (procps) and systemd-cgtop (systemd) to compare numbers with, tmux for the
# dashboard's end-to-end tests, lxcfs for the lxcfs comparison, unshare (util-linux) to read lxcfs from a pid
# namespace, busybox-static for the tiny root filesystem of `ctop run --rootfs` and the v2 tier's initramfs. The v2
# tier (tests/V2) boots a Debian kernel under QEMU; zstd/xz unpack the kernel image for a faster PVH boot; gcc and
# zlib1g-dev link the NativeAOT ctop that runs in it. man-db and groff-base render docs/ctop.1; bash and zsh run the
# completion scripts. The container tier (tests/Containers) starts a private dockerd (docker.io) and a podman API
# service with runc (podman's default crun refuses this hybrid host) and imports a busybox image into both; none of
# them is started by the packages themselves on a machine without systemd as PID 1. The same tier starts a private
# containerd (its ctr and runc shim) to name Kubernetes pods from, renders deploy/kubernetes with kubectl's kustomize
# and validates it with node (tests/Kubernetes: npm packages cached under ~/.cache/ctop-npm).
packages=(procps systemd tmux lxcfs util-linux busybox-static qemu-system-x86 zstd xz-utils gcc zlib1g-dev man-db groff-base
          bash zsh docker.io podman runc containerd kubectl nodejs)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: not root: the real-kernel, cgroup v2 VM and container tiers are skipped (run as root to run them)"
  exec dotnet test Ctop.sln -m:1 "$@"
fi

need=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${need[*]}"
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}"
  else
    echo "test.sh: no apt-get: cannot install ${need[*]}; tiers that need them fail (CTOP_KERNEL_TESTS=require)"
  fi
fi

# Debian's nodejs leaves npm to its own package; other builds of nodejs carry it (and conflict with Debian's npm).
if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends npm
fi

# The v2 tier's kernel (tests/V2): apt-get download into a cache kept between runs, before the tests so the download
# is not part of their time.
tests/V2/vm.sh fetch-kernel

# Real-kernel tests and the tiers refuse to skip: a missing prerequisite is a failure, not a silent skip.
export CTOP_KERNEL_TESTS=require
# -m:1 runs the test projects one after another: the real-kernel tests measure CPU use on a 2-core machine, and the
# v2 tier's emulated VM running beside them would skew what they measure.
exec dotnet test Ctop.sln -m:1 "$@"
