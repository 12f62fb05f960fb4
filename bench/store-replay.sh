#!/usr/bin/env bash
# Replay of a 24-hour store: builds one with the store's real writer from synthetic samples (PROCS processes in CGROUPS
# cgroups, one in ten running, a short-lived process replaced every ten samples, every cgroup's counters moving), then
# times what `ctop replay` does on it, move by move, in one process: opening at random times (a new reader each, with
# and without the sparklines' minute), stepping forward and back (also across every shard boundary), jumping a minute
# and an hour. Prints median, p99 and worst, and the files and bytes an open reads (what a cold open costs).
#
#   bench/store-replay.sh [-i INTERVAL] [-n PROCS] [-m CGROUPS] [-j] [DIR]
#
# INTERVAL in seconds (default 5; 1 gives 86,400 samples). DIR (default /tmp/ctop-bench-store-INTERVAL) is kept and
# reused when it exists. The timer is bench/Ctop.StoreBench published with NativeAOT into bench/.out-store (made when
# missing), as ctop ships; -j runs it on the JIT instead (dotnet run -c Release). Not part of the suite.
set -euo pipefail
interval=5 procs=500 cgroups=50 jit=0
while getopts "i:n:m:jh" o; do
  case $o in
    i) interval=$OPTARG ;; n) procs=$OPTARG ;; m) cgroups=$OPTARG ;; j) jit=1 ;;
    h) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: bench/store-replay.sh [-i INTERVAL] [-n PROCS] [-m CGROUPS] [-j] [DIR]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
dir=${1:-/tmp/ctop-bench-store-$interval}
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ "$jit" = 1 ]; then
  dotnet build -m:1 -c Release "$repo/bench/Ctop.StoreBench" >&2
  bench=("$repo/bench/Ctop.StoreBench/bin/Release/net10.0/Ctop.StoreBench")
else
  bench=("$repo/bench/.out-store/Ctop.StoreBench")
  if [ ! -x "${bench[0]}" ]; then
    echo "publishing bench/Ctop.StoreBench (NativeAOT) to bench/.out-store" >&2
    dotnet publish "$repo/bench/Ctop.StoreBench/Ctop.StoreBench.csproj" -c Release -r linux-x64 -p:PublishAot=true -o "$repo/bench/.out-store" >&2
  fi
fi
if [ ! -d "$dir" ] || [ -z "$(ls -A "$dir")" ]; then
  "${bench[@]}" generate "$dir" --interval "$interval" --hours 24 --processes "$procs" --cgroups "$cgroups"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"${bench[@]}" measure "$dir"
