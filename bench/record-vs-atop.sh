#!/usr/bin/env bash
# ctop record against atop -w, side by side in one run on one workload: bytes per sample, CPU, RSS; and ctop -b at the
# same interval beside them (the recorder should cost no more CPU than it).
#
#   bench/record-vs-atop.sh [-n PROCS] [-m CGROUPS] [-i INTERVAL] [-w SECONDS]
#
# As root. Compiles bench/workload.c and starts PROCS mostly sleeping processes (default 500) in CGROUPS ctop-test-*
# cgroups (default 50). CTOP=/path/to/ctop picks the binary (default: a NativeAOT publish in bench/.out-record, made
# when missing). Then for SECONDS (default 60) at INTERVAL seconds (default 1) runs at once: `atop -w FILE INTERVAL`,
# `ctop record --dir DIR -d INTERVAL` and `ctop -b -d INTERVAL > /dev/null`, each started a third of the interval after
# the one before. Prints markdown: samples, bytes per
# sample (file growth over the window divided by window / interval, so headers and the first key frame are left out), CPU seconds
# per minute, VmRSS and VmHWM. Each tool runs in its own ctop-test-* cgroup of the cgroup2 mount (a hybrid host has
# one too), so its CPU is counted to the microsecond with every thread; without a cgroup2 mount, from /proc/PID/stat's
# clock ticks. Everything it starts is removed on every exit path.
set -euo pipefail
procs=500 cgroups=50 interval=1 window=60
while getopts "n:m:i:w:h" o; do
  case $o in
    n) procs=$OPTARG ;; m) cgroups=$OPTARG ;; i) interval=$OPTARG ;; w) window=$OPTARG ;;
    h) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: bench/record-vs-atop.sh [-n PROCS] [-m CGROUPS] [-i INTERVAL] [-w SECONDS]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "record-vs-atop.sh: run as root (the workload creates cgroups)" >&2; exit 1; }
command -v atop >/dev/null || { echo "record-vs-atop.sh: atop is not installed (apt-get install atop)" >&2; exit 1; }
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/ctop-bench-rec-XXXXXX)
pids=() wl_pid="" meters=()
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  if [ -n "$wl_pid" ]; then kill -TERM "$wl_pid" 2>/dev/null; wait "$wl_pid" 2>/dev/null; fi
  for d in "${meters[@]}"; do rmdir "$d" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

ctop=${CTOP:-}
if [ -z "$ctop" ]; then
  ctop=$repo/bench/.out-record/ctop
  if [ ! -x "$ctop" ]; then
    echo "publishing ctop (NativeAOT) to bench/.out-record" >&2
    dotnet publish "$repo/src/Ctop/Ctop.csproj" -c Release -r linux-x64 -p:PublishAot=true -o "$repo/bench/.out-record" >&2
  fi
fi
gcc -O2 -Wall -o "$work/workload" "$repo/bench/workload.c"
"$work/workload" -n "$procs" -m "$cgroups" -r "$work/ready" 2> "$work/workload.err" &
wl_pid=$!
for _ in $(seq 1 600); do [ -f "$work/ready" ] && break; sleep 0.1; done
[ -f "$work/ready" ] || { cat "$work/workload.err" >&2; echo "the workload did not start" >&2; exit 1; }
sleep 2

# CPU in microseconds: the tool's own cgroup2 directory where there is one, else its clock ticks.
hz=$(getconf CLK_TCK)
cpu() {
  if [ -n "$cg2" ]; then awk '/^usage_usec/ { print $2 }' "$cg2/ctop-test-bench-$2-$$/cpu.stat"
  else awk -v hz="$hz" '{ printf "%d", ($14 + $15) * 1000000 / hz }' "/proc/$1/stat"; fi
}
# Runs "$@" in the background inside ctop-test-bench-NAME-PID (from its first instruction, start-up included).
metered() {
  local name=$1; shift
  if [ -n "$cg2" ]; then
    local d="$cg2/ctop-test-bench-$name-$$"
    mkdir "$d"; meters+=("$d")
    sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$d" "$@" &
  else
    "$@" &
  fi
}
rss() { awk '/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 } END { printf "%.1f / %.1f", r / 1024, h / 1024 }' "/proc/$1/status"; }

# Each tool samples in its own third of the interval: started together, all three sample at the same instant every
# interval, compete for the CPUs and the kernel's locks, and which one waits more changes from run to run (record over
# ctop -b varied 0.98-1.06 across runs of one build that way).
third=$(awk -v i="$interval" 'BEGIN { print i / 3 }')
metered atop atop -w "$work/atop.raw" "$interval" > /dev/null 2>&1; pids+=($!); atop_pid=$!
sleep "$third"
metered record "$ctop" record --dir "$work/store" -d "$interval" 2> "$work/record.err"; pids+=($!); rec_pid=$!
sleep "$third"
metered batch "$ctop" -b -d "$interval" > /dev/null; pids+=($!); batch_pid=$!
# Past the headers and the first key frame (a loaded machine starts them slowly).
for _ in $(seq 1 600); do
  [ -s "$work/atop.raw" ] && ls "$work/store"/ctop-*.ctr >/dev/null 2>&1 && break
  sleep 0.1
done
sleep 5
a0=$(stat -c %s "$work/atop.raw"); s0=$(du -sb "$work/store" | cut -f1)
ca0=$(cpu $atop_pid atop); cr0=$(cpu $rec_pid record); cb0=$(cpu $batch_pid batch)
sleep "$window"
a1=$(stat -c %s "$work/atop.raw"); s1=$(du -sb "$work/store" | cut -f1)
ca1=$(cpu $atop_pid atop); cr1=$(cpu $rec_pid record); cb1=$(cpu $batch_pid batch)
# Both sample on a grid of the interval: the window holds the same number of samples for each.
samples=$(awk -v w="$window" -v i="$interval" 'BEGIN { printf "%d", w / i }')
per() { awk -v d="$1" -v n="$samples" 'BEGIN { printf "%.0f", d / n }'; }
cpm() { awk -v t="$1" -v w="$window" 'BEGIN { printf "%.3f", t / 1e6 * 60 / w }'; }
echo "Workload: $procs processes in $cgroups cgroups; interval ${interval}s; window ${window}s ($samples samples); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| tool | bytes/sample | CPU s/min | RSS / peak MB |"
echo "|---|---|---|---|"
echo "| atop -w | $(per $((a1 - a0))) | $(cpm $((ca1 - ca0))) | $(rss $atop_pid) |"
echo "| ctop record | $(per $((s1 - s0))) | $(cpm $((cr1 - cr0))) | $(rss $rec_pid) |"
echo "| ctop -b | - | $(cpm $((cb1 - cb0))) | $(rss $batch_pid) |"
echo
# The ratio from the microseconds themselves: the rounded CPU figures above can hide a few percent.
echo "record / ctop -b CPU: $(awk -v r=$((cr1 - cr0)) -v b=$((cb1 - cb0)) 'BEGIN { if (b > 0) printf "%.3f", r / b; else printf "-" }') ($((cr1 - cr0)) / $((cb1 - cb0)) µs, from $([ -n "$cg2" ] && echo "each tool's cgroup2 cpu.stat" || echo "clock ticks"))"
[ -s "$work/record.err" ] && { echo; echo "ctop record said:"; cat "$work/record.err"; }
exit 0
