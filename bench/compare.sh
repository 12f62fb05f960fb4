#!/usr/bin/env bash
# ctop against htop, top, systemd-cgtop and the read floor, on one workload, side by side in one run.
#
#   bench/compare.sh [-1] [-n PROCS] [-m CGROUPS] [-w SECONDS] [-r RUNS] [-t TOOLS]
#
# From a clean clone, as root: installs htop, tmux, procps and gcc if missing (apt), publishes ctop with NativeAOT
# once (bench/.out, re-published when a source file is newer; CTOP=/path/to/ctop skips it), compiles
# bench/workload.c and bench/readfloor.c, and starts the workload (PROCS processes, default 2000, in CGROUPS
# ctop-test-* cgroups, default 200). Then:
#   1. single shots, one after another, each the median of RUNS (default 5): `ctop -b -n 1` (and `top -b -n 1`
#      beside it), the dashboard's first frame and keypress-to-redraw under tmux, `ctop run -- true` against
#      `unshare -fp --mount-proc true`, and one tick of the read floor;
#   2. the window: the ctop dashboard under tmux (-d 1), ctop -b -d 1, htop under tmux (-d 10), top -b -d 1,
#      systemd-cgtop -b -d 1 and readfloor all run AT ONCE for SECONDS (default 60) after a 5 s warm-up. Each tool's
#      CPU time (utime + stime from /proc/PID/stat) over the window becomes CPU-seconds per minute; RSS is VmRSS at
#      the end (VmHWM, the peak, beside it). Running them together is fair: they see the same processes at the same
#      moments, and CPU time (unlike wall time) hardly depends on sharing the CPUs; it also keeps the run short.
#      Batch output goes to /dev/null; the terminals are separate tmux servers whose own cost is listed apart.
# -1 (--one-at-a-time): the window runs each tool ALONE instead, one after another (a 3 s warm-up, then SECONDS),
#   dashboard and htop in a 200x50 pane; first, with no workload yet, the dashboard on the idle host. Single shots
#   add the CPU time of `ctop -b -n 1` and `top -b -n 1` and `ctop exec PID -- true`. It prints the performance
#   issue's table and targets. -t TOOLS (comma-separated: idle,dashboard,htop,batch,top,cgonly,cgtop,shots) runs
#   only those, e.g. `-1 -t dashboard` to measure the dashboard alone. CTOP_BEFORE=/path/to/an/older/ctop adds its
#   dashboard (idle and loaded) right before this one's: a before/after pair in the same conditions.
# Prints markdown: the machine, load averages, both tables and each target met or missed. Everything it starts
# (tools, tmux servers, workload, its cgroups, a /ctop cgroup left by ctop run) is removed on every exit path.
set -euo pipefail

procs=2000 cgroups=200 window=60 runs=5 one=no only=""
args=()
for a in "$@"; do case $a in --one-at-a-time) args+=(-1) ;; *) args+=("$a") ;; esac; done
set -- ${args[@]+"${args[@]}"}
while getopts "1n:m:w:r:t:h" o; do
  case $o in
    1) one=yes ;; t) only=$OPTARG ;;
    n) procs=$OPTARG ;; m) cgroups=$OPTARG ;; w) window=$OPTARG ;; r) runs=$OPTARG ;;
    h) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: bench/compare.sh [-1|--one-at-a-time] [-n PROCS] [-m CGROUPS] [-w SECONDS] [-r RUNS] [-t TOOLS]" >&2; exit 2 ;;
  esac
done
[ -z "$only" ] || [ "$one" = yes ] || { echo "compare.sh: -t only goes with -1" >&2; exit 2; }
[[ -z $only || $only =~ ^(idle|dashboard|htop|batch|top|cgonly|cgtop|shots)(,(idle|dashboard|htop|batch|top|cgonly|cgtop|shots))*$ ]] \
  || { echo "compare.sh: -t takes idle,dashboard,htop,batch,top,cgonly,cgtop,shots (comma-separated)" >&2; exit 2; }
want() { [ -z "$only" ] || [[ ,$only, == *,$1,* ]]; }
for v in "$procs" "$cgroups" "$window" "$runs"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: -n, -m, -w and -r take positive whole numbers" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "compare.sh: run as root (the workload creates cgroups)" >&2; exit 1; }

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${CTOP_BENCH_OUT:-$repo/bench/.out}
work=$(mktemp -d /tmp/ctop-bench-XXXXXX)
hz=$(getconf CLK_TCK)
pids=() socks=() wl_pid="" ctop_cg_existed=""

log() { printf '%s\n' "$*" >&2; }

cleanup() {
  set +e
  for s in "${socks[@]}"; do tmux -L "$s" kill-server 2>/dev/null; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  if [ -n "$wl_pid" ]; then
    kill -TERM "$wl_pid" 2>/dev/null; wait "$wl_pid" 2>/dev/null
    # Only if the workload could not tidy up (it was SIGKILLed): its processes, then its cgroups, deepest first.
    for d in /sys/fs/cgroup/*/ctop-test-wl-"$wl_pid" /sys/fs/cgroup/ctop-test-wl-"$wl_pid"; do
      [ -d "$d" ] || continue
      find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
      sleep 0.2
      find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
  fi
  # ctop run makes /ctop as the parent of its cgroups; remove it only if it was not there before and is empty.
  if [ "$ctop_cg_existed" = no ]; then
    for d in /sys/fs/cgroup/*/ctop /sys/fs/cgroup/ctop; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- tools
need=()
for t in htop:htop tmux:tmux top:procps gcc:gcc; do command -v "${t%%:*}" >/dev/null || need+=("${t#*:}"); done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
have_cgtop=$(command -v systemd-cgtop >/dev/null && echo yes || echo no)

if [ -n "${CTOP:-}" ]; then
  ctop=$CTOP
else
  ctop=$out/aot/ctop
  if [ ! -x "$ctop" ] || [ -n "$(find "$repo/src" "$repo/Directory.Build.props" "$repo/Directory.Packages.props" -newer "$ctop" -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) -print -quit)" ]; then
    log "publishing ctop with NativeAOT into $out/aot (once; about a minute on a quiet machine)"
    dotnet publish "$repo/src/Ctop" -c Release -r linux-x64 -p:PublishAot=true --artifacts-path "$out/artifacts" -o "$out/aot" -v q -nologo >&2
  fi
fi
gcc -O2 -Wall -o "$work/workload" "$repo/bench/workload.c"
gcc -O2 -Wall -o "$work/readfloor" "$repo/bench/readfloor.c"

# ---------------------------------------------------------------- helpers
# utime + stime of a PID and when they were read (µs), with builtins only so that each PID's window is exact.
ticks() { local s=""; read -r s < "/proc/$1/stat" 2>/dev/null || true; local t=${EPOCHREALTIME/./}; [ -n "$s" ] || { echo "0 $t"; return; }
  s=${s##*) }; set -- $s; echo "$(( ${12} + ${13} )) $t"; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) printf "%.1f", a[(NR+1)/2]; else printf "%.1f", (a[NR/2]+a[NR/2+1])/2}'; }
# Median wall time in ms of RUNS runs of a command (output discarded).
med_ms() {
  local i s e
  for ((i = 0; i < runs; i++)); do s=$(now_us); "$@" >/dev/null 2>&1 || true; e=$(now_us); echo "$(( e - s ))"; done | awk '{print $1/1000}' | median
}
# A tmux server of its own (so its cost is told apart), a session running CMD once the fifo is written.
pane_w=160 pane_h=45
[ "$one" = yes ] && pane_w=200 pane_h=50
tmux_start() {
  local sock=$1 cmd=$2
  socks+=("$sock")
  mkfifo "$work/$sock.go"
  tmux -L "$sock" -f /dev/null new-session -d -x "$pane_w" -y "$pane_h" "read _ < '$work/$sock.go'; TERM=xterm-256color exec $cmd" \; set-option -g status off >/dev/null
}
tmux_go() { echo go > "$work/$1.go"; }
pane_pid() { tmux -L "$1" display-message -p '#{pane_pid}'; }
server_pid() { tmux -L "$1" display-message -p '#{pid}'; }
screen() { tmux -L "$1" capture-pane -p 2>/dev/null || true; }
# Waits until the screen matches; prints the milliseconds since START_US, or "timeout".
wait_screen() {
  local sock=$1 pattern=$2 start=$3 limit=$4 t
  while :; do
    t=$(now_us)
    if screen "$sock" | grep -Eq -- "$pattern"; then echo "$(( (t - start) / 100 ))" | awk '{printf "%.1f\n", $1/10}'; return; fi
    (( t - start > limit * 1000000 )) && { echo timeout; return; }
    sleep 0.005
  done
}

# The dashboard's first frame and keypress to redraw under tmux, RUNS times: sets t_ff and t_kp (medians, ms).
screen_shots() {
  local i sock s t c before want_c key
  local ff=() kp=()
  for ((i = 0; i < runs; i++)); do
    sock=ctop-bench-ff$i
    tmux_start "$sock" "$ctop -d 1"
    sleep 0.3
    s=$(now_us); tmux_go "$sock"
    ff+=("$(wait_screen "$sock" 'Cgroups \([1-9]' "$s" 20)")
    # Keypress to redraw: T sorts the focused table by time/throttling, P back by CPU; each changes a title.
    sleep 1
    for key in T P; do
      before=$(screen "$sock" | grep -c 'by CPU%' || true)
      s=$(now_us); tmux -L "$sock" send-keys "$key"
      if [ "$key" = T ]; then want_c=$((before - 1)); else want_c=$((before + 1)); fi
      while :; do
        t=$(now_us); c=$(screen "$sock" | grep -c 'by CPU%' || true)
        [ "$c" = "$want_c" ] && { kp+=("$(awk -v d=$((t - s)) 'BEGIN {printf "%.1f", d/1000}')"); break; }
        (( t - s > 5000000 )) && { kp+=(timeout); break; }
        sleep 0.002
      done
      sleep 0.3
    done
    tmux -L "$sock" kill-server 2>/dev/null || true
  done
  t_ff=$(printf '%s\n' "${ff[@]}" | grep -v timeout | median)
  t_kp=$(printf '%s\n' "${kp[@]}" | grep -v timeout | median)
}

# ---------------------------------------------------------------- one at a time
# Runs one tool alone: a 3 s warm-up, then the window. Sets R_CPU (CPU-s/min), R_RSS, R_HWM (MB) and R_LOAD.
alone() {
  local kind=$1 cmd=$2 pid a b
  if [ "$kind" = tmux ]; then
    local sock=ctop-bench-alone$((++alone_n))
    HOME=$work tmux_start "$sock" "$cmd"; tmux_go "$sock"; pid=$(pane_pid "$sock")
  else
    bash -c "exec $cmd" > /dev/null 2>> "$work/alone.err" & pid=$!; pids+=("$pid")
  fi
  sleep 3
  R_LOAD=$(load); a=$(ticks "$pid")
  sleep "$window" & wait $!
  b=$(ticks "$pid")
  R_CPU=$(cpu_min "$a" "$b"); R_RSS=$(mb "$(status_kb "$pid" VmRSS)"); R_HWM=$(mb "$(status_kb "$pid" VmHWM)")
  R_ANON=$(mb "$(awk '$1 == "Anonymous:" {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)")
  kill -0 "$pid" 2>/dev/null || R_CPU="$R_CPU (exited early!)"
  if [ "$kind" = tmux ]; then tmux -L "$sock" kill-server 2>/dev/null || true; else kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi
  sleep 1
}
# Median of RUNS runs of a command: "WALL_MS CPU_MS" (CPU: user + system of the command and its children).
shot() {
  local i
  for ((i = 0; i < runs; i++)); do
    ( TIMEFORMAT='%R %U %S'; { time "$@" > /dev/null 2>&1; } 2>&1 ) | tail -1
  done > "$work/shot"
  echo "$(awk '{print $1*1000}' "$work/shot" | median) $(awk '{print ($2+$3)*1000}' "$work/shot" | median)"
}
cpu_min() { awk -v a="$1" -v b="$2" -v hz="$hz" 'BEGIN {split(a, x, " "); split(b, y, " "); printf "%.2f", (y[1] - x[1]) / hz / ((y[2] - x[2]) / 1e6) * 60}'; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k/1024}'; }
alone_n=0
declare -A A_CPU A_RSS A_ANON A_LOAD
run_alone() { # KEY KIND CMD
  want "$1" || return 0
  log "alone: $1 for ${window}s"
  alone "$2" "$3"; A_CPU[$1]=$R_CPU A_RSS[$1]="$R_RSS ($R_HWM)" A_ANON[$1]=$R_ANON A_LOAD[$1]=$R_LOAD
}

if [ "$one" = yes ]; then
  [ -n "${CTOP_BEFORE:-}" ] && want idle && { log "alone: idle dashboard of $CTOP_BEFORE for ${window}s"; alone tmux "$CTOP_BEFORE -d 1"
    A_CPU[idlebefore]=$R_CPU A_RSS[idlebefore]="$R_RSS ($R_HWM)" A_ANON[idlebefore]=$R_ANON A_LOAD[idlebefore]=$R_LOAD; }
  run_alone idle tmux "$ctop -d 1"
fi

# ---------------------------------------------------------------- workload
for d in /sys/fs/cgroup/cpu/ctop /sys/fs/cgroup/memory/ctop /sys/fs/cgroup/pids/ctop /sys/fs/cgroup/ctop; do
  [ -d "$d" ] && ctop_cg_existed=yes
done
ctop_cg_existed=${ctop_cg_existed:-no}
log "starting the workload: $procs processes in $cgroups cgroups"
"$work/workload" -n "$procs" -m "$cgroups" -r "$work/ready" 2> "$work/workload.err" &
wl_pid=$!
for ((i = 0; i < 600; i++)); do [ -f "$work/ready" ] && break; kill -0 "$wl_pid" 2>/dev/null || break; sleep 0.1; done
[ -f "$work/ready" ] || { cat "$work/workload.err" >&2; log "the workload did not start"; exit 1; }
sleep 2 # let the workload's start settle before anything is timed

if [ "$one" = yes ]; then
  # CTOP_BEFORE=/path/to/an/older/ctop: its dashboard alone right before this one's, a before/after pair in the same conditions.
  [ -n "${CTOP_BEFORE:-}" ] && want dashboard && { log "alone: dashboard of $CTOP_BEFORE for ${window}s"; alone tmux "$CTOP_BEFORE -d 1"
    A_CPU[before]=$R_CPU A_RSS[before]="$R_RSS ($R_HWM)" A_ANON[before]=$R_ANON A_LOAD[before]=$R_LOAD; }
  run_alone dashboard tmux "$ctop -d 1"
  run_alone htop tmux "htop -d 10"
  run_alone batch bg "$ctop -b -d 1"
  run_alone top bg "top -b -d 1"
  run_alone cgonly bg "$ctop -b -d 1 --cgroups-only"
  [ "$have_cgtop" = yes ] && run_alone cgtop bg "systemd-cgtop -b -d 1 -n 1000000"
  if want shots; then
    log "single shots: $runs runs each"
    load_single=$(load)
    read -r b_wall b_cpu <<< "$(shot "$ctop" -b -n 1)"
    read -r t_wall t_cpu <<< "$(shot top -b -n 1)"
    read -r r_wall r_cpu <<< "$(shot "$ctop" run -- true)"
    sleep 1000 & target=$!; pids+=("$target")
    read -r e_wall e_cpu <<< "$(shot "$ctop" exec "$target" -- true)"
    read -r u_wall u_cpu <<< "$(shot unshare -fp --mount-proc true)"
    screen_shots
  fi

  val() { local v=${1:-}; [ -n "$v" ] && echo "$v" || echo "-"; }
  num() { echo "${1%% *}"; }
  verdict() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || a == "" || b == "") print "not measured"; else if (a + 0 <= b + 0) print "**met**"; else printf "missed by %.0f%%", (a / b - 1) * 100}'; }
  half() { awk -v h="$1" -v f="$2" 'BEGIN {if (h == "-" || h == "") print "-"; else printf "%.2f", h*f}'; }
  model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  echo "## ctop against htop, top and systemd-cgtop, one at a time"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(hostname): $(nproc) CPUs ($model), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r); ctop: $ctop"
  echo "Workload: $procs processes in $cgroups cgroups, bench/workload.c. Each tool alone, ${window} s after a 3 s warm-up; terminals ${pane_w}x${pane_h} tmux panes, batch output to /dev/null."
  echo
  echo "| tool | run as | CPU-s per minute | RSS MB (peak) | of it anonymous MB | load average at its start |"
  echo "|---|---|---:|---:|---:|---|"
  row() { { want "$1" || [[ $1 == *before ]]; } && [ -n "${A_CPU[$1]:-}" ] && echo "| $2 | \`$3\` | $(val "${A_CPU[$1]:-}") | $(val "${A_RSS[$1]:-}") | $(val "${A_ANON[$1]:-}") | $(val "${A_LOAD[$1]:-}") |" || true; }
  row idlebefore "ctop dashboard, before (CTOP_BEFORE), idle host" "${CTOP_BEFORE:-} -d 1"
  row idle "ctop dashboard, idle host (before the workload)" "ctop -d 1"
  row before "ctop dashboard, before (CTOP_BEFORE)" "${CTOP_BEFORE:-} -d 1"
  row dashboard "ctop dashboard" "ctop -d 1"
  row htop "htop $(htop --version 2>/dev/null | awk 'NR==1 {print $2}')" "htop -d 10"
  row batch "ctop batch" "ctop -b -d 1"
  row top "top" "top -b -d 1"
  row cgonly "ctop batch, cgroups only" "ctop -b -d 1 --cgroups-only"
  row cgtop "systemd-cgtop" "systemd-cgtop -b -d 1 -n 1000000"
  if want shots; then
    echo
    echo "Single shots, median of $runs (load average $load_single at their start); CPU is user + system of the command and its children:"
    echo
    echo "| what | wall ms | CPU ms |"
    echo "|---|---:|---:|"
    echo "| \`ctop -b -n 1\` | $b_wall | $b_cpu |"
    echo "| \`top -b -n 1\` | $t_wall | $t_cpu |"
    echo "| dashboard first frame (start to a cgroup table with rows on the tmux screen) | $t_ff | |"
    echo "| dashboard keypress to redraw (T / P, until the title changes on the tmux screen) | $t_kp | |"
    echo "| \`ctop run -- true\` | $r_wall | $r_cpu |"
    echo "| \`ctop exec PID -- true\` | $e_wall | $e_cpu |"
    echo "| \`unshare -fp --mount-proc true\` | $u_wall | $u_cpu |"
  fi
  [ -s "$work/alone.err" ] && { echo; echo "stderr of the batch tools:"; sed 's/^/    /' "$work/alone.err" | head -5; }
  echo
  d=$(num "$(val "${A_CPU[dashboard]:-}")") h=$(num "$(val "${A_CPU[htop]:-}")")
  bt=$(num "$(val "${A_CPU[batch]:-}")") tp=$(num "$(val "${A_CPU[top]:-}")")
  co=$(num "$(val "${A_CPU[cgonly]:-}")") ct=$(num "$(val "${A_CPU[cgtop]:-}")") id=$(num "$(val "${A_CPU[idle]:-}")")
  drss=$(num "$(val "${A_RSS[dashboard]:-}")") hrss=$(num "$(val "${A_RSS[htop]:-}")") brss=$(num "$(val "${A_RSS[batch]:-}")")
  echo "### Targets ($procs processes)"
  echo
  echo "| target | measured | limit | |"
  echo "|---|---:|---:|---|"
  echo "| dashboard ≤ 0.5 × htop (CPU-s/min) | $d | $(half "$h" 0.5) | $(verdict "$d" "$(half "$h" 0.5)") |"
  echo "| dashboard on an idle host ≤ 0.3 CPU-s/min | $id | 0.3 | $(verdict "$id" 0.3) |"
  if (( procs <= 2000 )); then
    echo "| dashboard RSS ≤ 30 MB | $drss | 30 | $(verdict "$drss" 30) |"
    echo "| \`ctop -b\` RSS ≤ 25 MB | $brss | 25 | $(verdict "$brss" 25) |"
  else
    echo "| dashboard RSS ≤ 2 × htop's | $drss | $(half "$hrss" 2) | $(verdict "$drss" "$(half "$hrss" 2)") |"
  fi
  echo "| \`ctop -b -d 1\` ≤ 0.5 × top (CPU-s/min) | $bt | $(half "$tp" 0.5) | $(verdict "$bt" "$(half "$tp" 0.5)") |"
  echo "| \`ctop -b --cgroups-only\` ≤ systemd-cgtop (CPU-s/min) | $co | $ct | $(verdict "$co" "$ct") |"
  if want shots; then
    echo "| \`ctop -b -n 1\` CPU ≤ 2 × top's (ms) | $b_cpu | $(half "$t_cpu" 2) | $(verdict "$b_cpu" "$(half "$t_cpu" 2)") |"
    echo "| \`ctop -b -n 1\` wall ≤ top's (ms) | $b_wall | $t_wall | $(verdict "$b_wall" "$t_wall") |"
    echo "| dashboard first frame ≤ 200 ms (the target is for 2,000 processes) | $t_ff | 200 | $(verdict "$t_ff" 200) |"
    echo "| keypress to redraw ≤ 50 ms (the target is for 10,000 processes) | $t_kp | 50 | $(verdict "$t_kp" 50) |"
    echo "| \`ctop run -- true\` ≤ 25 ms (wall) | $r_wall | 25 | $(verdict "$r_wall" 25) |"
    echo "| \`ctop exec PID -- true\` ≤ 25 ms (wall) | $e_wall | 25 | $(verdict "$e_wall" 25) |"
  fi
  exit 0
fi

# ---------------------------------------------------------------- single shots
log "single shots: $runs runs each"
load_single=$(load)
t_batch=$(med_ms "$ctop" -b -n 1)
t_top=$(med_ms top -b -n 1)
t_run=$(med_ms "$ctop" run -- true)
t_unshare=$(med_ms unshare -fp --mount-proc true)
floor_tick=$("$work/readfloor" -n "$runs" -d 0.3 | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')

screen_shots

# ---------------------------------------------------------------- the window
log "window: all tools at once for ${window}s after a 5 s warm-up"
names=() cmds=() tpids=()
add() { names+=("$1"); cmds+=("$2"); tpids+=("$3"); }

tmux_start ctop-bench-dash "$ctop -d 1"; tmux_go ctop-bench-dash
add "ctop dashboard" "ctop -d 1 (tmux 160x45)" "$(pane_pid ctop-bench-dash)"
HOME=$work tmux_start ctop-bench-htop "htop -d 10"; tmux_go ctop-bench-htop
add "htop $(htop --version 2>/dev/null | awk 'NR==1 {print $2}')" "htop -d 10 (tmux 160x45)" "$(pane_pid ctop-bench-htop)"
"$ctop" -b -d 1 > /dev/null 2> "$work/ctop-batch.err" & pids+=($!)
add "ctop batch" "ctop -b -d 1 > /dev/null" "$!"
top -b -d 1 > /dev/null & pids+=($!)
add "top" "top -b -d 1 > /dev/null" "$!"
if [ "$have_cgtop" = yes ]; then
  # Without -n, systemd-cgtop stops after one iteration when its output is not a terminal.
  systemd-cgtop -b -d 1 -n 1000000 > /dev/null 2>&1 & pids+=($!)
  add "systemd-cgtop" "systemd-cgtop -b -d 1 -n 1000000 > /dev/null" "$!"
fi
"$work/readfloor" -d 1 > "$work/floor.out" & floor_pid=$!; pids+=($floor_pid)
add "readfloor" "readfloor -d 1 (bench/readfloor.c)" "$floor_pid"
add "tmux server (ctop)" "the terminal drawing the dashboard" "$(server_pid ctop-bench-dash)"
add "tmux server (htop)" "the terminal drawing htop" "$(server_pid ctop-bench-htop)"

sleep 5
load_start=$(load)
t0=() ; for p in "${tpids[@]}"; do t0+=("$(ticks "$p")"); done
sleep "$window" & wait $! # in the background, so INT and TERM end the run at once
t1=() ; for p in "${tpids[@]}"; do t1+=("$(ticks "$p")"); done
load_end=$(load)
rss=() hwm=() alive=()
for p in "${tpids[@]}"; do
  rss+=("$(status_kb "$p" VmRSS)"); hwm+=("$(status_kb "$p" VmHWM)")
  kill -0 "$p" 2>/dev/null && alive+=(yes) || alive+=(no)
done
kill -TERM "$floor_pid"; wait "$floor_pid" 2>/dev/null || true
floor_line=$(cat "$work/floor.out")
secs=$(awk -v a="${t0[0]#* }" -v b="${t1[0]#* }" 'BEGIN {printf "%.1f", (b - a)/1e6}')

# ---------------------------------------------------------------- report
# "TICKS US" at the start and the end of one PID's window → CPU-seconds per minute.
declare -A cpu
for i in "${!names[@]}"; do cpu[${names[$i]}]=$(cpu_min "${t0[$i]}" "${t1[$i]}"); done
floor=${cpu[readfloor]}
htop_name=${names[1]}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a/b; else print "-"}'; }

model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo "## ctop against htop, top, systemd-cgtop and the read floor"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(hostname): $(nproc) CPUs ($model), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), cgroups: $(stat -fc %T /sys/fs/cgroup/ | sed 's/tmpfs/v1 or hybrid/;s/cgroup2fs/v2/'); ctop: $ctop"
echo "Workload: $procs processes in $cgroups cgroups ($(sed -n 's/.*(\(.*busy.*\)).*/\1/p' "$work/workload.err")), bench/workload.c."
echo
echo "### Window: all at once, ${secs} s after a 5 s warm-up, 1 s refresh (load average $load_start at the start, $load_end at the end)"
echo
echo "| tool | run as | CPU-s per minute | × read floor | RSS MB (peak) |"
echo "|---|---|---:|---:|---:|"
for i in "${!names[@]}"; do
  n=${names[$i]}
  note=""; [ "${alive[$i]}" = no ] && note=" (exited early!)"
  echo "| $n$note | \`${cmds[$i]}\` | ${cpu[$n]} | $(ratio "${cpu[$n]}" "$floor") | $(mb "${rss[$i]}") ($(mb "${hwm[$i]}")) |"
done
[ "$have_cgtop" = no ] && echo "| systemd-cgtop | not installed (apt install systemd) | - | - | - |"
echo
echo "$floor_line"
[ -s "$work/ctop-batch.err" ] && { echo; echo "ctop -b said on stderr:"; sed 's/^/    /' "$work/ctop-batch.err" | head -5; }
echo
echo "### Single shots, one after another, median of $runs (load average $load_single at the start)"
echo
echo "| what | median ms |"
echo "|---|---:|"
echo "| \`ctop -b -n 1\` (process start to exit) | $t_batch |"
echo "| \`top -b -n 1\` (for comparison) | $t_top |"
echo "| dashboard first frame (start to a cgroup table with rows on the tmux screen) | $t_ff |"
echo "| dashboard keypress to redraw (T / P, until the title changes on the tmux screen) | $t_kp |"
echo "| \`ctop run -- true\` | $t_run |"
echo "| \`unshare -fp --mount-proc true\` | $t_unshare |"
echo "| readfloor, one tick (all reads of one refresh) | $floor_tick |"
echo
echo "Screen times are polled from tmux every few ms, so they include up to ~10 ms of polling and tmux's own drawing."
echo
verdict() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || a == "" || b == "") print "not measured"; else if (a + 0 <= b + 0) print "met"; else printf "missed by %.0f%%", (a / b - 1) * 100}'; }
dash=${cpu[ctop dashboard]} batch=${cpu[ctop batch]}
rss_dash=$(mb "${rss[0]}") rss_batch=$(mb "${rss[2]}")
half_htop=$(awk -v h="${cpu[$htop_name]}" 'BEGIN {printf "%.2f", h/2}')
floor13=$(awk -v f="$floor" 'BEGIN {printf "%.2f", f*1.3}')
run2=$(awk -v u="$t_unshare" 'BEGIN {printf "%.1f", u*2}')
echo "### Targets"
echo
echo "| target | measured | limit | |"
echo "|---|---:|---:|---|"
echo "| dashboard ≤ ½ htop (CPU-s/min) | $dash | $half_htop | $(verdict "$dash" "$half_htop") |"
echo "| dashboard ≤ 1.3 × read floor (CPU-s/min) | $dash | $floor13 | $(verdict "$dash" "$floor13") |"
echo "| batch \`-b -d 1\` ≤ top (CPU-s/min) | $batch | ${cpu[top]} | $(verdict "$batch" "${cpu[top]}") |"
echo "| dashboard first frame ≤ 200 ms | $t_ff | 200 | $(verdict "$t_ff" 200) |"
echo "| \`ctop -b -n 1\` ≤ 150 ms | $t_batch | 150 | $(verdict "$t_batch" 150) |"
echo "| RSS ≤ 40 MB, dashboard | $rss_dash | 40 | $(verdict "$rss_dash" 40) |"
echo "| RSS ≤ 40 MB, batch | $rss_batch | 40 | $(verdict "$rss_batch" 40) |"
echo "| \`ctop run -- true\` ≤ 2 × unshare (ms) | $t_run | $run2 | $(verdict "$t_run" "$run2") |"
echo "| keypress to redraw ≤ 100 ms (the target is for 10,000 processes: -n 10000) | $t_kp | 100 | $(verdict "$t_kp" 100) |"
