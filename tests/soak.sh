#!/usr/bin/env bash
# Soak: runs `ctop -b -d 0.2 --json` (and, with --tmux, the dashboard under tmux) for MINUTES while a generator
# starts and ends ~500 processes a second and ctop-test-soak-* cgroups appear and vanish. Reports RSS at start
# and end, frames, negative values and anything on stderr; exits non-zero on a failure. Not part of the suite
# (the suite runs the 30-second version, tests/Ctop.Tests/Reliability/ChurnTests.cs). Needs root for the cgroups.
#   tests/soak.sh MINUTES [--tmux]
set -euo pipefail
minutes=${1:?usage: tests/soak.sh MINUTES [--tmux]}
tmux_too=${2:-}
here=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$here/src/Ctop" -v q -nologo >/dev/null
dll="$here/src/Ctop/bin/Debug/net10.0/ctop.dll"
work=$(mktemp -d /tmp/ctop-test-soak-XXXXXX)
seconds=$((minutes * 60))
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "$tmux_too" ] && tmux kill-session -t ctop-test-soak 2>/dev/null || true
  wait 2>/dev/null || true
  for c in cpu memory pids; do
    for d in /sys/fs/cgroup/$c/ctop-test-soak-*; do [ -d "$d" ] && rmdir "$d" 2>/dev/null || true; done
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Processes: batches of 50 short-lived ones, paced to 500 a second.
( start=${EPOCHREALTIME/./}; n=0
  while :; do
    for i in $(seq 50); do /bin/true & done; wait; n=$((n+50)); echo $n > "$work/count"
    now=${EPOCHREALTIME/./}; ahead=$(( n * 2000 - (now - start) ))
    [ $ahead -gt 0 ] && [ $ahead -lt 1000000 ] && sleep 0.$(printf %06d $ahead)
  done ) & pids+=($!)

# Cgroups: one created every 25 ms, at most 8 alive.
( i=0
  while :; do
    for c in cpu memory pids; do mkdir -p /sys/fs/cgroup/$c/ctop-test-soak-$i; done
    old=$((i - 8)); for c in cpu memory pids; do rmdir /sys/fs/cgroup/$c/ctop-test-soak-$old 2>/dev/null || true; done
    i=$((i+1)); echo $i > "$work/cgroups"; sleep 0.025
  done ) & pids+=($!)

dotnet "$dll" -b -d 0.2 --json > "$work/out.jsonl" 2> "$work/err" & ctop=$!; pids+=($ctop)
if [ -n "$tmux_too" ]; then
  tmux new-session -d -s ctop-test-soak -x 160 -y 45 "TERM=xterm-256color dotnet '$dll'"
fi
sleep 3
rss() { awk '/VmRSS/ {print $2}' /proc/$1/status 2>/dev/null || echo 0; }
# The dashboard's pid: the pane's process, or its child when the pane's shell did not exec dotnet.
dash=
if [ -n "$tmux_too" ]; then
  dash=$(tmux list-panes -t ctop-test-soak -F '#{pane_pid}')
  [ "$(cat /proc/$dash/comm)" = dotnet ] || dash=$(pgrep -P "$dash" -x dotnet | head -1)
fi
rss_start=$(rss $ctop); dash_start=${dash:+$(rss $dash)}
# RSS once a minute, so growth over time shows as a curve, not just two points.
t=3
while [ $t -lt $seconds ]; do
  step=$(( seconds - t < 60 ? seconds - t : 60 )); sleep $step; t=$((t + step))
  echo "t=${t}s RSS batch $(rss $ctop) kB${dash:+, dashboard $(rss $dash) kB}"
done
rss_end=$(rss $ctop); dash_end=${dash:+$(rss $dash)}
kill -TERM $ctop; set +e; wait $ctop; code=$?; set -e
if [ -n "$tmux_too" ]; then
  tmux capture-pane -p -t ctop-test-soak > "$work/pane" || true
  grep -q "Unhandled exception" "$work/pane" && { echo "dashboard threw:"; cat "$work/pane"; exit 1; }
fi

python3 - "$work/out.jsonl" <<'PY'
import json, sys
neg = frames = rows = 0
def walk(v):
    global neg
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v < 0: neg += 1
    elif isinstance(v, dict): [walk(x) for x in v.values()]
    elif isinstance(v, list): [walk(x) for x in v]
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line); frames += 1; rows += len(d["processes"]); walk(d)
print(f"frames {frames}, process rows {rows}, negative values {neg}")
sys.exit(1 if neg or frames == 0 else 0)
PY
echo "processes started $(cat "$work/count"), cgroups made $(cat "$work/cgroups"), RSS ${rss_start} kB -> ${rss_end} kB, exit $code"
[ -n "$dash" ] && echo "dashboard RSS ${dash_start} kB -> ${dash_end} kB"
if [ -s "$work/err" ]; then echo "stderr:"; cat "$work/err"; exit 1; fi
exit $code
