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
#   tune/<phase>/, limit-*.out|err, shrink/   ctop limit: the tune cgroup's files after each phase
#   run1/, run*.err, ctop-runns.jsonl, attach.*, exec.out   ctop run/attach/exec, as the commands saw them
#   proc-*.out|err             ctop proc (lxcfs views) for the ns, nsset and idle cgroups

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

fact limit_start_uptime "$(uptime_s)"
# ---- ctop limit on v2 (src/Ctop/Tuning through CgroupWriter): tune is an empty leaf under ctop-v2.
# keep NAME FILE...: copies files into /out/NAME/ (one cp: forks are slow under TCG).
keep() { dest=$OUT/$1; shift; mkdir -p "$dest"; cp "$@" "$dest/" 2>/dev/null; }
TUNE_FILES="cpu.max memory.max memory.high pids.max cpu.weight"
tune_files() { for f in $TUNE_FILES; do echo "$T/tune/$f"; done; }
mkdir $T/tune
# shellcheck disable=SC2046  # plain paths
keep tune/before $(tune_files)
lim() { name=$1; shift; $CTOP limit /ctop-v2/tune "$@" >$OUT/limit-$name.out 2>$OUT/limit-$name.err; fact limit_${name}_rc $?; }
lim set --cpus 0.25 --memory 64M --memory-high 48M --pids 20 --cpu-weight 200
keep tune/set $(tune_files)
# Refusals: each must leave every file as "set" left it. A quota below 1 ms is ctop's validation (1); so is a
# memory limit below one page, even beside a valid --cpus (nothing is written before everything is valid).
lim quota999 --cpu-quota 999
lim page --cpus 0.5 --memory 100
# Values that are no values: usage errors (2).
lim garbage --cpus half
lim negative --memory -5m
lim zero --pids 0
lim dry --dry-run --cpus 0.75 --memory 128M --pids 30
keep tune/after-refusals $(tune_files)
# v2 takes a memory.max below usage (v1 says EBUSY): tmpfs pages with no swap cannot be reclaimed, the kernel
# finds nothing to OOM-kill and keeps the new limit anyway, with memory.current above it.
mkdir $T/shrink
sh -c 'echo $$ >"$0/cgroup.procs" && exec dd if=/dev/zero of=/tmp/shrink bs=1M count=8' "$T/shrink" 2>/dev/null
cat $T/shrink/memory.current >$OUT/shrink.current.before
$CTOP limit /ctop-v2/shrink --memory 4M >$OUT/limit-shrink.out 2>$OUT/limit-shrink.err
fact limit_shrink_rc $?
keep shrink $T/shrink/memory.max $T/shrink/memory.current $T/shrink/memory.events
rm -f /tmp/shrink

# ---- ctop run on v2 (src/Ctop/Launcher): /ctop is created by CgroupLifecycle.CreateV2 with the controllers
# enabled in the root's subtree_control, the leaf /ctop/run1 with them enabled in /ctop's. The command records
# what it sees, then measures a busy loop of its own against its cgroup's cpu.stat over 3 s and exits 7.
$CTOP run --name run1 --cpus 0.25 --memory 64M -- sh -c '
    cg=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)
    o=/out/run1; mkdir -p $o
    echo $$ >$o/pid; cat /proc/self/cgroup >$o/self.cgroup; hostname >$o/hostname; ls /proc | grep -c "^[0-9]" >$o/nprocs
    cp $cg/cpu.max $cg/memory.max $cg/cgroup.controllers $cg/cgroup.procs $o/
    cp /sys/fs/cgroup/ctop/cgroup.subtree_control $o/parent.subtree_control
    (while :; do :; done) &
    { grep usage_usec $cg/cpu.stat; echo "uptime $(cut -d" " -f1 /proc/uptime)"; } >$o/busy.before
    sleep 3
    { grep usage_usec $cg/cpu.stat; echo "uptime $(cut -d" " -f1 /proc/uptime)"; } >$o/busy.after
    cp $cg/cpu.stat $o/
    kill $!
    exit 7' >$OUT/run1.out 2>$OUT/run1.err
fact run1_rc $?
[ -d $CG/ctop/run1 ] && fact run1_left yes || fact run1_left no
# Exit statuses: a command that is not found is 127, like a shell.
$CTOP run --name run127 -- /no/such/command >/dev/null 2>$OUT/run127.err
fact run127_rc $?
[ -d $CG/ctop/run127 ] && fact run127_left yes || fact run127_left no
# No internal processes: idle holds its sleeper, so it cannot enable controllers for a child; ctop says why and
# removes the child it made.
$CTOP run --parent ctop-v2/idle --name inner -- true >/dev/null 2>$OUT/run-internal.err
fact run_internal_rc $?
[ -d $T/idle/inner ] && fact run_internal_left yes || fact run_internal_left no
# A cgroup namespace: the command's cgroup is its "/", and ctop -b inside (cgroup2 mounted again in the
# container's private mount namespace) is a container with the run's limits as its capacity.
$CTOP run --name runns --cpus 0.25 --memory 64M --ns pid,mnt,uts,ipc,cgroup -- sh -c "
    cat /proc/self/cgroup >/out/runns.cgroup
    umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec $CTOP -b -n 1 -d 1 --json --cgroups-only" \
    >$OUT/ctop-runns.jsonl 2>$OUT/ctop-runns.err
fact runns_rc $?
fact run_uptime "$(uptime_s)"

# ---- ctop attach: a running busy loop (in the root cgroup) moves into a new /ctop/att under 0.2 cores.
sh -c 'while :; do :; done' &
att_pid=$!
$CTOP attach $att_pid --name att --cpus 0.2 >$OUT/attach.out 2>$OUT/attach.err
fact attach_rc $?
cat /proc/$att_pid/cgroup >$OUT/attach.cgroup
cat $CG/ctop/att/cpu.max >$OUT/attach.cpu.max
{ grep usage_usec $CG/ctop/att/cpu.stat; echo "uptime $(uptime_s)"; } >$OUT/attach.before
sleep 3
{ grep usage_usec $CG/ctop/att/cpu.stat; echo "uptime $(uptime_s)"; } >$OUT/attach.after
kill $att_pid
wait $att_pid 2>/dev/null
# The cgroup attach made goes with the process: its guard removes it.
sleep 1
[ -d $CG/ctop/att ] && fact attach_left yes || fact attach_left no
rmdir $CG/ctop/att 2>/dev/null

fact exec_start_uptime "$(uptime_s)"
# ---- ctop exec: into a running container's namespaces and cgroup (uts: its hostname).
$CTOP run --name ex1 --hostname box1 -- sleep 1000 >/dev/null 2>$OUT/ex1.err &
ex_launcher=$!
ex_pid=
for _ in $(seq 120); do
    ex_pid=$(head -n1 $CG/ctop/ex1/cgroup.procs 2>/dev/null)
    # Past the init (ctop-init, or ctop itself): the command runs.
    [ -n "$ex_pid" ] && case "$(readlink /proc/$ex_pid/exe)" in /opt/ctop/*) false ;; *) true ;; esac && break
    sleep 0.5
done
$CTOP exec "$ex_pid" -- sh -c 'hostname; cat /proc/self/cgroup' >$OUT/exec.out 2>$OUT/exec.err
fact exec_rc $?
kill $ex_launcher
wait $ex_launcher
fact ex1_rc $?
[ -d $CG/ctop/ex1 ] && fact ex1_left yes || fact ex1_left no

# ---- a SIGKILLed ctop run leaves nothing: stopped at a set-up step (CTOP_TEST_PAUSE_AT) or while the box runs, then
# killed; one second later its cgroup and processes (sleep 1001) must be gone.
count_sleepers() { for p in /proc/[0-9]*; do tr '\0' ' ' <$p/cmdline 2>/dev/null; echo; done | grep -c '^sleep 1001'; }
# The run's guard is up: started and reading its pipe (under TCG its start-up alone can take longer than the second).
guard_up() {
    for p in /proc/[0-9]*; do
        case "$(tr '\0' ' ' <$p/cmdline 2>/dev/null)" in
            *" guard "*"/ctop/$1 "*) grep -q pipe_read $p/wchan 2>/dev/null && return 0 ;;
        esac
    done
    return 1
}
for step in created placed running; do
    name=kill$step
    if [ $step = running ]; then
        $CTOP run --name $name -- sh -c 'sleep 1001 & echo ready >&2; exec sleep 1001' 2>$OUT/$name.err &
    else
        CTOP_TEST_PAUSE_AT=$step $CTOP run --name $name -- sleep 1001 2>$OUT/$name.err &
    fi
    launcher=$!
    paused=no
    for _ in $(seq 100); do grep -qE 'paused at|ready' $OUT/$name.err && { paused=yes; break; }; sleep 0.1; done
    fact ${name}_paused $paused
    guard=no
    for _ in $(seq 300); do guard_up $name && { guard=yes; break; }; sleep 0.1; done
    fact ${name}_guard $guard
    kill -KILL $launcher
    wait $launcher 2>/dev/null
    sleep 1
    [ -d $CG/ctop/$name ] && fact ${name}_left yes || fact ${name}_left no
    fact ${name}_procs "$(count_sleepers)"
    # Evidence for a failure: whether it went later, and what was in it.
    sleep 4
    [ -d $CG/ctop/$name ] && { fact ${name}_left_5s yes; cat $CG/ctop/$name/cgroup.procs >$OUT/$name.procs; rmdir $CG/ctop/$name; } || fact ${name}_left_5s no
done

fact proc_start_uptime "$(uptime_s)"
# ---- ctop proc (src/Ctop/Lxcfs) from v2 files: idle (64 MiB, its sleeper), ns (0.5 cores over both CPUs),
# nsset (cpuset 0, 1.5 cores).
cproc() { name=$1; shift; $CTOP proc "$@" >$OUT/proc-$name.out 2>$OUT/proc-$name.err; fact proc_${name}_rc $?; }
cproc meminfo-idle meminfo --cgroup /ctop-v2/idle
cproc meminfo-pid meminfo --pid "$(head -n1 $T/idle/cgroup.procs)"
cproc cpuinfo-ns cpuinfo --cgroup /ctop-v2/ns
cproc cpuinfo-ns-cfs cpuinfo --cgroup /ctop-v2/ns --cfs
cproc cpuinfo-nsset cpuinfo --cgroup /ctop-v2/nsset
cproc online-ns cpu-online --cgroup /ctop-v2/ns
cproc online-ns-cfs cpu-online --cgroup /ctop-v2/ns --cfs
cproc online-nsset cpu-online --cgroup /ctop-v2/nsset
cproc stat-nsset stat --cgroup /ctop-v2/nsset
cproc stat-ns-cfs stat --cgroup /ctop-v2/ns --cfs
cproc uptime-idle uptime --cgroup /ctop-v2/idle
cat /proc/uptime >$OUT/uptime.after-proc

fact end_uptime "$(uptime_s)"
exit 0
