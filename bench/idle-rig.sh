#!/bin/bash
# The dashboard's cost on a quiet host, measured on a host that is not quiet (docs/performance.md).
#
#   sudo bench/idle-rig.sh [-w SECONDS] [-r ROUNDS] CTOP [CTOP...]
#
# Each round runs every given ctop binary in turn, `ctop -d 1` in a 200x50 tmux pane for SECONDS (default 30) after a
# 3 s warm-up, and prints its CPU-s per minute (utime + stime from /proc/PID/stat), its threads' share and VmRSS. What
# it sees is made quiet: its own PID namespace (unshare -fp --mount-proc) holding 66 sleeping processes, and
# --cgroup-root pointing at a tree of 11 cgroups (ctop-test-idle-rig-PID, made in each hierarchy and linked from a
# temporary directory), like a freshly booted host's. Alternating the binaries in the same conditions makes a pair.
# Not the same as a quiet host in two ways: ctop sees itself in a PID namespace (container scope, whose load average
# counts the tasks of its cgroup tree), and its processes are in no cgroup of the tree (their stat is read every sample).
# Removes its cgroups, panes and processes on every exit path.
set -euo pipefail
W=30 R=1
while getopts "w:r:" o; do case $o in w) W=$OPTARG ;; r) R=$OPTARG ;; *) exit 2 ;; esac; done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-w SECONDS] [-r ROUNDS] CTOP [CTOP...]" >&2; exit 2; }
N=ctop-test-idle-rig-$$
ROOT=$(mktemp -d /tmp/ctop-idle-rig.XXXXXX)
SESSION=ctop-idle-rig-$$
HIERARCHIES=""
for h in cpu cpuacct memory pids unified systemd; do [ -d /sys/fs/cgroup/$h ] && HIERARCHIES="$HIERARCHIES $h"; done

pid=""
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
    tmux kill-session -t "$SESSION" 2>/dev/null || true
    for h in $HIERARCHIES; do
        [ -d "/sys/fs/cgroup/$h/$N" ] || continue
        # The sleeps die with their namespace's init; rmdir waits for the cgroups to empty.
        for d in $(find "/sys/fs/cgroup/$h/$N" -depth -type d); do
            for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$d" 2>/dev/null && break; sleep 0.2; done
        done
    done
    rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM

for h in $HIERARCHIES; do
    base=/sys/fs/cgroup/$h/$N
    mkdir -p "$base"/{init.scope,user.slice/user-0.slice}
    mkdir -p "$base"/system.slice/{cron,ssh,systemd-journald,systemd-logind,dbus}.service
    ln -s "$base" "$ROOT/$h"
done

ticks() { awk '{print $14 + $15}' "$1"; }

for round in $(seq "$R"); do
    for bin in "$@"; do
        tmux new-session -d -s "$SESSION" -x 200 -y 50 \
            "unshare -fp --mount-proc bash -c 'for i in \$(seq 66); do sleep 100000 & done; exec $bin -d 1 --cgroup-root $ROOT'"
        sleep 3
        pid=$(pgrep -f "^$bin -d 1 --cgroup-root $ROOT" | head -1)
        declare -A before=()
        for t in /proc/"$pid"/task/*; do before[${t##*/}]=$(ticks "$t/stat"); done
        start=$(ticks /proc/"$pid"/stat)
        sleep "$W"
        end=$(ticks /proc/"$pid"/stat)
        threads=""
        for t in /proc/"$pid"/task/*; do
            d=$(( $(ticks "$t/stat") - ${before[${t##*/}]:-0} ))
            [ "$d" -gt 0 ] && threads="$threads $(tr ' ' _ < "$t/comm")=$d"
        done
        unset before
        rss=$(awk '/VmRSS/ {print $2}' /proc/"$pid"/status)
        # ctop is the namespace's init, which ignores the SIGHUP of a closed pane: quit it, and kill it if it stays
        # (its end takes the namespace's sleeps with it).
        tmux send-keys -t "$SESSION" q
        sleep 1
        kill -9 "$pid" 2>/dev/null || true
        pid=""
        tmux kill-session -t "$SESSION" 2>/dev/null || true
        printf '%s round %d: %.2f CPU-s/min, RSS %.1f MB, ticks by thread:%s; host: %d processes, load %s\n' \
            "$bin" "$round" "$(echo "($end - $start) * 60 / 100 / $W" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$threads" \
            "$(ls /proc | grep -c '^[0-9]')" "$(cut -d' ' -f1-3 /proc/loadavg)"
        sleep 1
    done
done
