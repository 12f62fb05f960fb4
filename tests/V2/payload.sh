#!/bin/sh
# The v2 tier's guest script: runs once per test run inside the VM (busybox ash, root, cgroup2 at
# /sys/fs/cgroup with cpu cpuset io memory pids enabled at the root). It sets up cgroups, runs ctop
# and records the raw kernel files beside ctop's output in /out; the host tests (tests/V2.Tests)
# decide what passes. One boot for every check keeps the tier fast; every step is best-effort so that
# one broken step leaves the others' evidence.
#
# /out layout:
#   facts                key=value lines (exit codes, counts, timings)
#   mountinfo, self.cgroup, meminfo
#   raw/<cgroup path>/<file>   cat of each cgroup file, laid out like /sys/fs/cgroup
#   ctop-*.jsonl, ctop-*.err   ctop -b --json runs
#   busy.before, busy.after    cpu.stat of the busy cgroup and /proc/uptime around the sampling run

CTOP=/opt/ctop/ctop
# util-linux unshare (busybox's has no -C); called by path, since busybox sh prefers its own applets.
UNSHARE=/opt/ctop/unshare
CG=/sys/fs/cgroup
T=$CG/ctop-v2
OUT=/out

fact() { echo "$1=$2" >>$OUT/facts; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# Runs "$@" in cgroup $1 (relative to $T), in the background; a process moves itself, then execs.
spawn_in() { cg=$1; shift; sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$T/$cg" "$@" & }

fact boot_uptime "$(uptime_s)"
cat /proc/self/mountinfo >$OUT/mountinfo
cat /proc/self/cgroup >$OUT/self.cgroup
cat /proc/meminfo >$OUT/meminfo
fact nproc "$(nproc)"

# ---- layout: ctop-v2 is an inner cgroup with every controller passed down; its leaves hold the work.
mkdir $T
echo "+cpu +cpuset +io +memory +pids" >$T/cgroup.subtree_control; fact enable_inner_rc $?
for c in busy idle oom io ns nsset; do mkdir $T/$c; done

# busy: a busy loop under cpu.max 35000/100000 = 0.35 cores, with memory and pids limits to read back.
echo "35000 100000" >$T/busy/cpu.max
echo 50 >$T/busy/cpu.weight
echo 268435456 >$T/busy/memory.max
echo 201326592 >$T/busy/memory.high
echo 64 >$T/busy/pids.max
spawn_in busy sh -c 'while :; do :; done'
busy_pid=$!

# idle: a sleeper, so its memory and pressure stay put between cat and ctop.
echo 67108864 >$T/idle/memory.max
echo 16 >$T/idle/pids.max
spawn_in idle sleep 100000

# oom: dd's 64 MiB buffer, filled from /dev/zero, cannot fit under memory.max 32 MiB: an OOM kill.
echo 33554432 >$T/oom/memory.max
echo 0 >$T/oom/memory.swap.max 2>/dev/null
sh -c 'echo $$ >"$0/cgroup.procs" && exec dd if=/dev/zero of=/dev/null bs=64M count=1' "$T/oom" 2>$OUT/oom.err
fact oom_dd_rc $?

# io: reads and writes on a loop device (over a tmpfs file), so io.stat has a device line.
if insmod /lib/modules/loop.ko 2>$OUT/io.err || [ -e /dev/loop-control ]; then
    dd if=/dev/zero of=/tmp/disk bs=1M count=8 2>>$OUT/io.err
    losetup /dev/loop0 /tmp/disk 2>>$OUT/io.err
    sh -c 'echo $$ >"$0/cgroup.procs" &&
           dd if=/dev/loop0 of=/dev/null bs=1M count=4 iflag=direct &&
           dd if=/dev/zero of=/dev/loop0 bs=1M count=2 oflag=direct' "$T/io" 2>>$OUT/io.err
    fact io_rc $?
else
    fact io_rc no-loop
fi

# ---- v2's own rules, as the kernel enforces them (CgroupLifecycle relies on them).
# No internal processes: ctop-v2 has domain controllers in subtree_control, so it refuses a process.
sh -c 'echo $$ >"$0/cgroup.procs"' "$T" 2>$OUT/rule-inner-procs.err
fact inner_procs_rc $?
fact inner_procs_count "$(wc -l <$T/cgroup.procs)"
# ...and the other way round: a cgroup with a process cannot enable controllers for children.
echo +memory >$T/idle/cgroup.subtree_control 2>$OUT/rule-populated-subtree.err
fact populated_subtree_rc $?
# A child can only enable what its parent enabled for it: ns has no subtree_control of its own yet.
mkdir $T/ns/child
echo +memory >$T/ns/child/cgroup.subtree_control 2>$OUT/rule-grandchild.err
fact grandchild_subtree_rc $?
fact grandchild_controllers "$(cat $T/ns/child/cgroup.controllers)"
rmdir $T/ns/child

# ---- raw files, snapshotted for the host to parse with ProcFs and compare.
snapshot() {
    d=$CG$1; dest=$OUT/raw$1
    mkdir -p "$dest"
    files=
    # One cp per cgroup: every fork costs tens of milliseconds under TCG.
    for f in cgroup.controllers cgroup.subtree_control cgroup.procs cgroup.type \
             cpu.max cpu.stat cpu.weight cpu.pressure cpuset.cpus.effective cpuset.mems.effective \
             memory.current memory.max memory.high memory.low memory.min memory.stat memory.events \
             memory.events.local memory.swap.current memory.swap.max memory.pressure \
             pids.current pids.max pids.events io.stat io.pressure; do
        [ -r "$d/$f" ] && files="$files $d/$f"
    done
    # shellcheck disable=SC2086  # a list of plain names
    cp $files "$dest/"
}
snapshot ""
for c in "" /busy /idle /oom /io /ns /nsset; do snapshot /ctop-v2$c; done
fact snapshot_uptime "$(uptime_s)"

# ---- ctop on the v2 host: cgroups and processes, two frames 3 s apart (TCG is noisy: a long window).
{ cat $T/busy/cpu.stat; echo "uptime $(uptime_s)"; } >$OUT/busy.before
cat $T/idle/memory.current >$OUT/idle.memory.before
$CTOP -b -n 2 -d 3 --json >$OUT/ctop-host.jsonl 2>$OUT/ctop-host.err
fact ctop_host_rc $?
{ cat $T/busy/cpu.stat; echo "uptime $(uptime_s)"; } >$OUT/busy.after
cat $T/idle/memory.current >$OUT/idle.memory.after
for c in idle busy; do
    for r in cpu memory io; do cat $T/$c/$r.pressure >$OUT/$c.$r.pressure.after; done
done
# The loop has served its purpose; under TCG it would only slow the rest down.
kill $busy_pid

# ---- ctop in a cgroup namespace, as a container runtime starts it: the shell moves itself into the
# cgroup, unshares the cgroup and mount namespaces and mounts cgroup2 again, so the mount shows the
# namespace's root (the same superblock cannot be mounted twice on one mount point: umount first).
# ns: a quota of 0.5 cores and 128 MiB.
echo "50000 100000" >$T/ns/cpu.max
echo 134217728 >$T/ns/memory.max
sh -c 'echo $$ >"$0/cgroup.procs" && exec $2 -C -m --propagation unchanged sh -c "
        umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec $1 -b -n 1 -d 1 --json --cgroups-only"' \
    "$T/ns" "$CTOP" "$UNSHARE" >$OUT/ctop-ns.jsonl 2>$OUT/ctop-ns.err
fact ctop_ns_rc $?
# nsset: one CPU by cpuset and a quota of 1.5 cores: the cpuset is the smaller capacity.
echo 0 >$T/nsset/cpuset.cpus
echo "150000 100000" >$T/nsset/cpu.max
sh -c 'echo $$ >"$0/cgroup.procs" && exec $2 -C -m --propagation unchanged sh -c "
        umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec $1 -b -n 1 -d 1 --json --cgroups-only"' \
    "$T/nsset" "$CTOP" "$UNSHARE" >$OUT/ctop-nsset.jsonl 2>$OUT/ctop-nsset.err
fact ctop_nsset_rc $?
# A cgroup namespace without the remount: the host's mount is seen rooted at "/..".
sh -c 'echo $$ >"$0/cgroup.procs" && exec "$1" -C "$2" -b -n 1 -d 1 --json --cgroups-only' \
    "$T/ns" "$UNSHARE" "$CTOP" >$OUT/ctop-ns-nomount.jsonl 2>$OUT/ctop-ns-nomount.err
fact ctop_ns_nomount_rc $?

fact end_uptime "$(uptime_s)"
exit 0
