#!/usr/bin/env bash
# vm.sh - ctop's cgroup v2 test VM: boots Debian's stock kernel under QEMU with cgroup_no_v1=all and a
# busybox initramfs, runs a payload script as root with cgroup2 at /sys/fs/cgroup, and brings back the
# files the payload wrote to /out.
#
# Why a VM: CI and developer hosts may be cgroup v1 or hybrid (this project's own box is), and v2
# behaviour - cpu.max throttling, memory.max OOM kills, "no internal processes", cgroup namespaces -
# needs a real v2 kernel. Boot takes seconds; nothing on the host is changed except the kernel cache.
#
#   vm.sh check                  exit 0 when a VM can run (qemu, static busybox, a kernel cached or
#                                fetchable); otherwise print why and exit 1
#   vm.sh fetch-kernel           download and unpack the kernel into the cache (idempotent; .ci/run
#                                calls it so the download is not part of the test time)
#   vm.sh run [OPTIONS]          boot, run the payload, copy /out back
#       --payload FILE           guest shell script (busybox ash), run as `sh /payload.sh`
#       --add HOST:GUEST         copy a file into the guest, with the shared libraries ldd lists
#       --out DIR                host folder that receives the guest's /out, plus console.log and
#                                rc (the payload's exit status)
#       --mem MB (1024) --cpus N (2) --timeout SEC (300)
#
# Data comes back over an emulated UART (ttyS1, raw mode) as a tar: no virtio or 9p modules are
# needed, so only the kernel image is taken from the package. Keep /out small (TCG UARTs move about
# 150 KB/s). Exit status of run: the payload's; 124 on timeout; 125 when the VM failed.
#
# Environment: CTOP_V2_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/ctop-v2) holds the kernel;
# CTOP_V2_KERNEL_PKG (default linux-image-amd64) names the Debian kernel (meta)package;
# CTOP_V2_ACCEL=kvm|tcg forces the accelerator; CTOP_V2_NICE (default 10) is qemu's niceness.
set -euo pipefail

PROG=${0##*/}
CACHE=${CTOP_V2_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ctop-v2}
KERNEL_PKG=${CTOP_V2_KERNEL_PKG:-linux-image-amd64}

die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 125; }
have() { command -v "$1" >/dev/null 2>&1; }

# A static busybox: the guest has no libc of its own (Debian's busybox-static installs /bin/busybox).
find_busybox() {
    local b
    for b in /bin/busybox /usr/bin/busybox "$(command -v busybox 2>/dev/null || true)"; do
        [[ -x $b ]] || continue
        if { LC_ALL=C ldd "$b" 2>&1 || true; } | grep -qE 'not a dynamic|statically linked'; then printf '%s\n' "$b"; return 0; fi
    done
    return 1
}

# ---------------------------------------------------------------- kernel --
# Resolve the metapackage to "PACKAGE VERSION" (apt-cache is slow: memoised until the apt lists change).
resolve_kernel() {
    local memo=$CACHE/resolved-$KERNEL_PKG pkg ver
    if [[ -s $memo && $memo -nt /var/lib/apt/lists ]]; then cat "$memo"; return 0; fi
    have apt-cache || return 1
    pkg=$KERNEL_PKG
    if [[ ! $pkg =~ ^linux-image-[0-9] ]]; then
        pkg=$(apt-cache depends "$pkg" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
        [[ -n $pkg ]] || return 1
    fi
    ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n1)
    [[ -n $ver && $ver != "(none)" ]] || return 1
    mkdir -p "$CACHE"
    printf '%s %s\n' "$pkg" "$ver" | tee "$memo"
}

# The cached kernel folder for the current package, else (offline) the newest cached one.
kernel_dir() {
    local pkg ver d
    if read -r pkg ver < <(resolve_kernel); then
        printf '%s\n' "$CACHE/kernels/${pkg}_${ver//:/%}"
        return 0
    fi
    # shellcheck disable=SC2012  # our own folder names
    d=$(ls -1dt "$CACHE"/kernels/*/ 2>/dev/null | head -n1)
    [[ -n $d ]] || return 1
    printf '%s\n' "${d%/}"
}

# Unpack the ELF vmlinux inside a bzImage: booting it directly (PVH) skips the guest's own
# decompression, which is slow under TCG. Finds a compressed stream by its magic number.
extract_vmlinux() {
    local img=$1 out=$2 pair magic tool off
    for pair in $'\x28\xb5\x2f\xfd:zstd' $'\xfd7zXZ:xz' $'\x1f\x8b\x08:gzip'; do
        magic=${pair%:*} tool=${pair##*:}
        have "$tool" || continue
        for off in $(LC_ALL=C grep -aboF "$magic" "$img" 2>/dev/null | cut -d: -f1 | head -n 5); do
            tail -c +"$((off + 1))" "$img" | "$tool" -dc 2>/dev/null >"$out" || true
            # A whole ELF ends with its section headers; a stream cut short does not reach them.
            if [[ $(od -An -N5 -tx1 "$out" | tr -d ' \n') == 7f454c4602 ]]; then
                local shoff shentsize shnum
                shoff=$(od -An -tu8 -j40 -N8 "$out" | tr -d ' ')
                shentsize=$(od -An -tu2 -j58 -N2 "$out" | tr -d ' ')
                shnum=$(od -An -tu2 -j60 -N2 "$out" | tr -d ' ')
                (( shoff + shentsize * shnum <= $(stat -c %s "$out") )) && return 0
            fi
        done
    done
    rm -f "$out"
    return 1
}

fetch_kernel() {
    local dir pkg ver tmp img
    read -r pkg ver < <(resolve_kernel) || die "apt cannot resolve $KERNEL_PKG (apt-get update?)"
    dir=$CACHE/kernels/${pkg}_${ver//:/%}
    [[ -f $dir/vmlinuz ]] && return 0
    have apt-get && have dpkg-deb || die "apt-get and dpkg-deb are needed to fetch the kernel"
    mkdir -p "$CACHE/kernels"
    tmp=$(mktemp -d "$CACHE/kernels/.fetch.XXXXXX")
    trap 'rm -rf "$tmp"' RETURN
    echo "$PROG: downloading $pkg=$ver" >&2
    (cd "$tmp" && apt-get download -q "$pkg=$ver" >apt.log 2>&1) || { cat "$tmp/apt.log" >&2; die "apt-get download $pkg=$ver failed"; }
    # Only /boot and the loop module (a block device for io.stat) are needed.
    mkdir -p "$tmp/x" "$tmp/k"
    dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp/x" --wildcards './boot/*' '*/drivers/block/loop.ko*'
    img=$(find "$tmp/x/boot" -name 'vmlinuz-*' | head -n1)
    [[ -n $img ]] || die "no /boot/vmlinuz-* in $pkg"
    cp "$img" "$tmp/k/vmlinuz"
    cp "$tmp/x/boot/config-${img##*/vmlinuz-}" "$tmp/k/config" 2>/dev/null || true
    if grep -q '^CONFIG_PVH=y' "$tmp/k/config" 2>/dev/null; then
        extract_vmlinux "$img" "$tmp/k/vmlinux" || echo "$PROG: booting the compressed image (slower)" >&2
    fi
    local ko
    ko=$(find "$tmp/x" -name 'loop.ko*' | head -n1)
    case $ko in
        *.ko) cp "$ko" "$tmp/k/loop.ko" ;;
        *.xz) xz -dc "$ko" >"$tmp/k/loop.ko" ;;
        *.zst) zstd -qdc "$ko" >"$tmp/k/loop.ko" ;;
        "") grep -q '^CONFIG_BLK_DEV_LOOP=y' "$tmp/k/config" || echo "$PROG: no loop module: io.stat stays empty" >&2 ;;
    esac
    rm -rf "$dir"
    mv "$tmp/k" "$dir"
}

check() {
    have qemu-system-x86_64 || { echo "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"; return 1; }
    find_busybox >/dev/null || { echo "no static busybox (apt-get install busybox-static)"; return 1; }
    local d
    if d=$(kernel_dir) && [[ -f $d/vmlinuz ]]; then return 0; fi
    have apt-get && have dpkg-deb && resolve_kernel >/dev/null ||
        { echo "no kernel in $CACHE and apt cannot fetch $KERNEL_PKG"; return 1; }
}

# ------------------------------------------------------------------- run --
# PID 1 of the guest (busybox ash). Mounts what a systemd host would, cgroup2 included, enables the
# controllers in the root's subtree_control, runs the payload with its output in /out/payload.log
# and sends /out back as a tar over ttyS1.
guest_init() {
    cat <<'INIT'
#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH HOME=/root
msg() { echo "ctop-v2[guest]: $*" >/dev/console; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 -o nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup || msg "no cgroup2"
for c in cpu cpuset io memory pids; do
    echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || msg "cannot enable $c"
done
hostname ctop-v2
mkdir -p /out
msg "payload start, uptime $(cut -d' ' -f1 /proc/uptime)"
(cd /tmp && sh /payload.sh) </dev/null >/out/payload.log 2>&1
echo $? >/out/rc
msg "payload end, uptime $(cut -d' ' -f1 /proc/uptime)"
kill -KILL -1 2>/dev/null
sleep 0.2
# Raw: no newline translation. tar's close of the port waits until everything has been sent.
stty -F /dev/ttyS1 raw -echo
tar -cf /dev/ttyS1 -C /out .
sync
poweroff -f
INIT
}

# Copy the libraries ldd lists for ELF file $1 into staging root $2 (the guest has no libc).
stage_libs() {
    local line lib
    [[ $(od -An -N4 -tx1 "$1" | tr -d ' \n') == 7f454c46 ]] || return 0
    while IFS= read -r line; do
        case $line in
            *"=> not found"*) die "ldd: $1 needs ${line%% =>*}, which is not installed" ;;
            *"=> /"*) lib=${line#*=> }; lib=${lib% (*} ;;
            *[[:space:]]/*) lib=${line#"${line%%/*}"}; lib=${lib% (*} ;;
            *) continue ;;
        esac
        [[ -e $2$lib ]] && continue
        mkdir -p "$2${lib%/*}"
        cp -L "$lib" "$2$lib"
    done < <(ldd "$1" 2>/dev/null || true)
}

run() {
    local payload='' out='' mem=1024 cpus=2 timeout=300 adds=()
    while [[ $# -gt 0 ]]; do
        case $1 in
            --payload) payload=$2 ;;
            --add) adds+=("$2") ;;
            --out) out=$2 ;;
            --mem) mem=$2 ;;
            --cpus) cpus=$2 ;;
            --timeout) timeout=$2 ;;
            *) die "unknown option $1" ;;
        esac
        shift 2
    done
    [[ -f $payload && -n $out ]] || die "run needs --payload FILE and --out DIR"
    local why
    why=$(check) || die "$why"
    local kdir busybox
    kdir=$(kernel_dir)
    [[ -f $kdir/vmlinuz ]] || { fetch_kernel; kdir=$(kernel_dir); }
    busybox=$(find_busybox)

    WORK=$(mktemp -d "${TMPDIR:-/tmp}/ctop-v2.XXXXXX")
    QEMU_PID=
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    # Initramfs: busybox and its applet links, /init, the payload and the added files. Uncompressed:
    # unpacking gzip in an emulated CPU costs more than copying the bytes.
    local st=$WORK/root spec host guest app
    mkdir -p "$st"/{usr/bin,usr/sbin,usr/lib,usr/lib64,proc,sys,dev,tmp,root,etc,out}
    ln -s usr/bin "$st/bin"; ln -s usr/sbin "$st/sbin"; ln -s usr/lib "$st/lib"; ln -s usr/lib64 "$st/lib64"
    cp "$busybox" "$st/usr/bin/busybox"
    for app in $("$busybox" --list-full); do
        case $app in
            */busybox) ;;
            sbin/*|usr/sbin/*) ln -sf /usr/bin/busybox "$st/usr/sbin/${app##*/}" ;;
            *) ln -sf /usr/bin/busybox "$st/usr/bin/${app##*/}" ;;
        esac
    done
    for spec in ${adds[@]+"${adds[@]}"}; do
        host=${spec%%:*} guest=${spec#*:}
        [[ -f $host && $guest == /* ]] || die "--add expects HOST_FILE:/GUEST_PATH, got $spec"
        # An added program replaces a busybox applet of the same name (e.g. util-linux unshare -C).
        rm -f "$st$guest"
        mkdir -p "$st${guest%/*}"
        cp -L "$host" "$st$guest"
        stage_libs "$st$guest" "$st"
    done
    cp "$payload" "$st/payload.sh"
    [[ -f $kdir/loop.ko ]] && { mkdir -p "$st/lib/modules"; cp "$kdir/loop.ko" "$st/lib/modules/"; }
    guest_init >"$st/init"
    chmod 755 "$st/init"
    chmod 1777 "$st/tmp"
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$st/etc/passwd"
    printf 'root:x:0:\n' >"$st/etc/group"
    (cd "$st" && find . -mindepth 1 | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) >"$WORK/initrd"

    local accel=tcg kernel=$kdir/vmlinuz
    [[ -f $kdir/vmlinux ]] && kernel=$kdir/vmlinux
    # /dev/kvm can exist without usable hardware virtualisation (a sandboxed or nested host; on the
    # project's box KVM guests abort on a refused MSR or hang): only trust it when the CPU says vmx/svm.
    if [[ -w /dev/kvm ]] && grep -qwE 'vmx|svm' /proc/cpuinfo; then accel=kvm; fi
    accel=${CTOP_V2_ACCEL:-$accel}
    # KVM passes the host CPU through (as is usual); TCG emulates the most it can.
    local cpu=max
    [[ $accel == kvm ]] && cpu=host
    local append="console=ttyS0 quiet panic=-1 cgroup_no_v1=all"
    # TCG: its TSC is one host clock, synchronous across vCPUs (else the slow emulated HPET is used);
    # mitigations buy nothing in an emulated CPU and cost time.
    [[ $accel == tcg ]] && append+=" tsc=reliable mitigations=off"
    mkdir -p "$out"
    echo "$PROG: kernel ${kdir##*/}, accel $accel, initramfs $(( $(stat -c %s "$WORK/initrd") / 1024 )) KiB" >&2
    # nice: the suite's host-side real-kernel tests measure a busy loop's share of a CPU; an emulated
    # guest must not take it from them (its own assertions are on guest time, which advances regardless).
    timeout --kill-after=5 "$timeout" nice -n "${CTOP_V2_NICE:-10}" qemu-system-x86_64 \
        -nodefaults -no-user-config -machine pc -accel "$accel" -cpu "$cpu" \
        -m "$mem" -smp "$cpus" -display none -no-reboot \
        -kernel "$kernel" -initrd "$WORK/initrd" -append "$append" \
        -chardev "file,id=con,path=$out/console.log" -serial chardev:con \
        -chardev "file,id=res,path=$WORK/result.tar" -serial chardev:res \
        </dev/null 2>"$WORK/qemu.log" &
    QEMU_PID=$!
    local qrc=0
    wait "$QEMU_PID" || qrc=$?
    QEMU_PID=
    if [[ $qrc -eq 124 || $qrc -eq 137 ]]; then
        echo "$PROG: timed out after ${timeout}s" >&2; tail -n 20 "$out/console.log" >&2; exit 124
    fi
    if ! { [[ -s $WORK/result.tar ]] && tar -xf "$WORK/result.tar" -C "$out" 2>/dev/null && [[ -s $out/rc ]]; }; then
        echo "$PROG: the VM ended without a result (qemu exit $qrc)" >&2
        tail -n 20 "$out/console.log" >&2; cat "$WORK/qemu.log" >&2
        exit 125
    fi
    exit "$(cat "$out/rc")"
}

# Stop the qemu started here (only that one: its pid is $QEMU_PID, `timeout` passes the signal on).
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n ${QEMU_PID:-} ]]; then
        kill -TERM "$QEMU_PID" 2>/dev/null || true
        wait "$QEMU_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$rc"
}

case ${1:-} in
    check) check ;;
    fetch-kernel) fetch_kernel ;;
    run) shift; run "$@" ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
