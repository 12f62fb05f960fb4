#!/usr/bin/env bash
# The size and cost of one `ctop serve` scrape on a workload of PROCS processes in CGROUPS cgroups (default 2,000 in
# 200; bench/workload.c), with the NativeAOT ctop. Not part of the test suite; run as root (the workload makes
# ctop-test-wl-* cgroups), on a quiet machine for figures that mean something:
#
#   bench/serve-scrape.sh [-n PROCS] [-m CGROUPS] [-s SCRAPES] [-c PATH-TO-PUBLISHED-CTOP]
#
# Measures, for the whole host (no filter): the body's size in the text format, OpenMetrics and gzip; the time to
# format a frame's body (ctop_scrape_duration_seconds: made once per frame and format); the wall time and ctop's CPU
# time per scrape of a made body (SCRAPES scrapes, sampling parked at -d 3600 so only serving is counted); and the
# sampler's CPU per second at -d 1 with run-queue waits (what serving costs the node besides scrapes).
set -euo pipefail
procs=2000 cgroups=200 scrapes=200 ctop=""
while getopts "n:m:s:c:" o; do
  case $o in n) procs=$OPTARG ;; m) cgroups=$OPTARG ;; s) scrapes=$OPTARG ;; c) ctop=$OPTARG ;; *) exit 2 ;; esac
done
[ "$(id -u)" = 0 ] || { echo "serve-scrape.sh: run as root (the workload creates cgroups)" >&2; exit 1; }
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/ctop-serve-bench-XXXXXX)
hz=$(getconf CLK_TCK)
wl_pid="" ctop_pid=""
cleanup() {
  set +e
  [ -n "$ctop_pid" ] && kill -TERM "$ctop_pid" 2>/dev/null && wait "$ctop_pid" 2>/dev/null
  [ -n "$wl_pid" ] && kill -TERM "$wl_pid" 2>/dev/null && wait "$wl_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "$ctop" ]; then
  echo "publishing ctop (NativeAOT)..." >&2
  dotnet publish "$repo/src/Ctop/Ctop.csproj" -c Release -r linux-x64 -p:PublishAot=true --artifacts-path "$work/artifacts" \
    -o "$work/ctop" -nologo -clp:ErrorsOnly >&2
  ctop=$work/ctop/ctop
fi
gcc -O2 -Wall -o "$work/workload" "$repo/bench/workload.c"
"$work/workload" -n "$procs" -m "$cgroups" -t 900 -r "$work/ready" 2> "$work/workload.err" &
wl_pid=$!
for _ in $(seq 600); do [ -f "$work/ready" ] && break; sleep 0.1; done
[ -f "$work/ready" ] || { cat "$work/workload.err" >&2; echo "the workload did not start" >&2; exit 1; }
sleep 2

start_serve() { # DELAY
  "$ctop" serve --listen 127.0.0.1:0 -d "$1" 2> "$work/serve.err" &
  ctop_pid=$!
  for _ in $(seq 100); do grep -q listening "$work/serve.err" && break; sleep 0.1; done
  url=$(sed -n 's/.*listening on //p' "$work/serve.err")
  for _ in $(seq 100); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ] && break; sleep 0.1; done
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$ctop_pid/stat"; }
stop_serve() { kill -TERM "$ctop_pid"; wait "$ctop_pid" 2>/dev/null || true; ctop_pid=""; }

# Serving only: one frame (sampling parked), then SCRAPES scrapes of the made body.
start_serve 3600
text=$(curl -s "$url" | wc -c)
om=$(curl -s -H 'Accept: application/openmetrics-text; version=1.0.0' "$url" | wc -c)
gz=$(curl -s -H 'Accept-Encoding: gzip' "$url" | wc -c)
series=$(curl -s "$url" | grep -vc '^#')
ncg=$(curl -s "$url" | grep -c '^container_memory_usage_bytes{')
fmt_text=$(curl -s "$url" | sed -n 's/^ctop_scrape_duration_seconds //p')
fmt_om=$(curl -s -H 'Accept: application/openmetrics-text; version=1.0.0' "$url" | sed -n 's/^ctop_scrape_duration_seconds //p')
t0=$(cpu_ticks); w0=$(date +%s.%N)
for _ in $(seq "$scrapes"); do curl -s -o /dev/null -H 'Accept: application/openmetrics-text; version=1.0.0' -H 'Accept-Encoding: gzip' "$url"; done
w1=$(date +%s.%N); t1=$(cpu_ticks)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$ctop_pid/status")
stop_serve

# Sampling: CPU per second at -d 1 with run-queue waits, no scrapes.
start_serve 1
sleep 3
s0=$(cpu_ticks); sleep 20; s1=$(cpu_ticks)
stop_serve

echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r); workload: $procs processes in $cgroups cgroups"
echo "cgroups served: $ncg; series: $series"
echo "body: text $text B, OpenMetrics $om B, OpenMetrics+gzip $gz B"
echo "formatting a frame's body (once per frame and format): text ${fmt_text}s, OpenMetrics ${fmt_om}s"
awk -v s="$scrapes" -v t="$((t1 - t0))" -v hz="$hz" -v w0="$w0" -v w1="$w1" 'BEGIN {
  printf "per scrape of a made body (curl, OpenMetrics+gzip, %d scrapes): wall %.2f ms (curl start-up included), ctop CPU %.3f ms\n", s, (w1 - w0) * 1000 / s, t / hz * 1000 / s }'
echo "ctop RSS after the scrapes: $((rss / 1024)) MiB"
awk -v t="$((s1 - s0))" -v hz="$hz" 'BEGIN { printf "sampling at -d 1 with run-queue waits: %.1f%% of one CPU\n", t / hz / 20 * 100 }'
