#!/usr/bin/env bash
# The README's test command: installs what the tests need on a fresh Debian machine of this kind, then runs every
# tier (unit and fixture tests, real-kernel tests, the cgroup v2 VM tier, the container tier). .ci/run calls exactly
# this. Run it as root: the real-kernel tests create ctop-test-* cgroups, and the tiers start private daemons.
#
#   ./test.sh [dotnet test arguments…]     e.g. ./test.sh --filter "FullyQualifiedName~Diagnose"
#
# Every tier runs with CTOP_KERNEL_TESTS=require: a test whose prerequisite is missing fails, it does not skip. A tier
# that genuinely cannot run on this machine (not root, no apt to install its packages, no kernel for the VM) is named
# in one line here and left out (CTOP_TIERS_OFF), never failed for a missing package. The fuzz totals are printed at
# the end (the tests write them to TestResults; dotnet test does not show test output).
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use: top and pgrep (procps) and systemd-cgtop (systemd) to compare numbers with, tmux for
# the dashboard's end-to-end tests, lxcfs for the lxcfs comparison, util-linux's unshare (lxcfs from a pid namespace),
# setpriv (runs as nobody), chrt, taskset and setsid, e2fsprogs' chattr (an immutable file the tuner cannot write),
# busybox-static for the tiny root filesystem of `ctop run --rootfs` and the v2 tier's initramfs. The v2 tier
# (tests/V2) boots a Debian kernel under QEMU; zstd/xz unpack the kernel image for a faster PVH boot; gcc and
# zlib1g-dev link the NativeAOT ctop that runs in it and in the containers. man-db and groff-base render docs/ctop.1;
# bash and zsh run the completion scripts. The container tier (tests/Containers) starts a private dockerd (docker.io)
# and a podman API service with runc (podman's default crun refuses this hybrid host) and imports a busybox image into
# both; none of them is started by the packages themselves on a machine without systemd as PID 1. The Prometheus tier
# (tests/Serve.Tests) runs a private prometheus that scrapes `ctop serve`, and promtool lints the output and unit-tests
# the alerts (prometheus, which brings promtool). The container tier also starts a private containerd (its ctr and
# runc shim) to name Kubernetes pods from; tests/Kubernetes render deploy/kubernetes with kubectl's kustomize and
# validate it with node (npm packages cached under ~/.cache/ctop-npm).
packages=(procps systemd tmux lxcfs util-linux e2fsprogs busybox-static qemu-system-x86 zstd xz-utils gcc zlib1g-dev
          man-db groff-base bash zsh docker.io podman runc prometheus containerd kubectl nodejs)

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
say() { echo "test.sh: $*"; }
root=0
[ "$(id -u)" -eq 0 ] && root=1

need=()
for pkg in "${packages[@]}"; do
  # Installed, not merely known: a package removed without --purge keeps its config files and dpkg -s still answers 0.
  [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ $root -eq 1 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${need[*]}"
    { apt-get -o DPkg::Lock::Timeout=600 update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}"; } ||
      say "apt-get could not install all of ${need[*]}; the tiers that need them are left out below"
  else
    say "cannot install ${need[*]} (needs root and apt-get); the tiers that need them are left out below"
  fi
fi

# Debian's nodejs leaves npm to its own package; other builds of nodejs carry it (and conflict with Debian's npm).
if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends npm
fi

# Which tiers can run here. Each one that cannot is named once, with why, and left out.
off=()
leave_out() { off+=("$1"); say "the $1 tier cannot run here: $2; left out"; }
missing() { local m=() c; for c in "$@"; do command -v "$c" >/dev/null 2>&1 || m+=("$c"); done; echo "${m[*]}"; }

if [ $root -eq 0 ]; then
  leave_out kernel "not root (its tests create ctop-test-* cgroups)"
elif [ ! -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
  leave_out kernel "no cgroup v1 cpu controller at /sys/fs/cgroup/cpu (the v2 tier covers cgroup v2)"
elif m=$(missing tmux lxcfs unshare setpriv chrt taskset chattr systemd-cgtop top) && [ -n "$m" ]; then
  leave_out kernel "missing $m"
fi

# The v2 tier's kernel (tests/V2): apt-get download into a cache kept between runs, before the tests so the download
# is not part of their time.
if m=$(missing qemu-system-x86_64) && [ -n "$m" ]; then
  leave_out v2 "missing $m (qemu-system-x86)"
elif ! why=$(tests/V2/vm.sh fetch-kernel 2>&1); then
  leave_out v2 "no kernel for the VM: $(echo "$why" | tail -n 1)"
elif ! why=$(tests/V2/vm.sh check 2>&1); then
  leave_out v2 "$why"
fi

if [ $root -eq 0 ]; then
  leave_out containers "not root (it starts a private dockerd and podman service)"
elif m=$(missing dockerd docker podman runc busybox) && [ -n "$m" ]; then
  leave_out containers "missing $m"
fi

if m=$(missing zsh man groff) && [ -n "$m" ]; then
  leave_out tools "missing $m (the completion and man page tests)"
fi

# A missing prerequisite of a tier that runs is a failure, not a silent skip.
export CTOP_KERNEL_TESTS=require
CTOP_TIERS_OFF=$(IFS=,; echo "${off[*]}")
export CTOP_TIERS_OFF

# Whole-project tiers that are off are filtered out, so they do not list each test as skipped.
args=("$@") exclude=""
for t in "${off[@]}"; do
  case $t in
    v2) exclude+="${exclude:+&}FullyQualifiedName!~V2.Tests." ;;
    containers) exclude+="${exclude:+&}FullyQualifiedName!~Containers.Tests." ;;
  esac
done
if [ -n "$exclude" ]; then
  merged=0
  for i in "${!args[@]}"; do
    if [ "${args[$i]}" = --filter ] && [ $((i + 1)) -lt ${#args[@]} ]; then
      args[i + 1]="(${args[$((i + 1))]})&$exclude"; merged=1
    fi
  done
  [ $merged -eq 1 ] || args+=(--filter "$exclude")
fi

# The fuzz tests write their totals here; old ones must not be printed as this run's.
rm -f tests/*/TestResults/fuzz-*.txt 2>/dev/null || say "cannot remove the last run's fuzz totals (tests/*/TestResults); the totals printed below may be old"
# -m:1 runs the test projects one after another: the real-kernel tests measure CPU use on a 2-core machine, and the
# v2 tier's emulated VM running beside them would skew what they measure.
rc=0
dotnet test Ctop.sln -m:1 ${args[@]+"${args[@]}"} || rc=$?

for f in tests/*/TestResults/fuzz-*.txt; do
  [ -f "$f" ] && head -n 1 "$f"
done
[ ${#off[@]} -eq 0 ] || say "left out: ${off[*]} (see above)"
exit $rc
