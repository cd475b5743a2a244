#!/usr/bin/env bash
# Benchmark tongchou run on generated months (cached under bench/) and on
# the sample month: lines per second, MB per second and peak memory.
# Results go to bench/RESULTS.md.
#
#   scripts/bench.sh            # 100k and 1M lines
#   scripts/bench.sh 10000000   # add other sizes (lines), space-separated
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-100000 1000000}")
[ $# -gt 0 ] && sizes=("$@") || sizes=(100000 1000000)
cargo build --release --quiet
bin=target/release/tongchou
mkdir -p bench
results=bench/RESULTS.md
{
  echo "# tongchou benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "| month | lines | MB | threads | seconds | lines/s | MB/s | peak RSS MB |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$results"

measure() { # name data-dir lines ledger threads
  local name=$1 data=$2 lines=$3 ledger=$4 threads=$5
  local mb; mb=$(du -sb "$data/claims" | awk '{printf "%.1f", $1/1e6}')
  local args=(run --quiet --force --data "$data" --out "bench/out-$name-$threads" --threads "$threads")
  [ -n "$ledger" ] && args+=(--ledger "$ledger")
  local log=bench/time-$name-$threads.txt
  set +e
  /usr/bin/time -v "$bin" "${args[@]}" 2> "$log"
  local code=$?
  set -e
  if [ "$code" -ne 0 ] && [ "$code" -ne 3 ]; then cat "$log"; exit "$code"; fi
  local secs rss
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  awk -v n="$name" -v l="$lines" -v mb="$mb" -v th="$threads" -v s="$secs" -v r="$rss" \
    'BEGIN { printf "| %s | %d | %s | %d | %.2f | %.0f | %.1f | %s |\n", n, l, mb, th, s, l/s, mb/s, r }' | tee -a "$results"
}

measure sample samples/data 437 "" 2
for n in "${sizes[@]}"; do
  dir=bench/month-$n
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    "$bin" synth --out "$dir" --lines "$n" --files 4 --seed 1
    touch "$dir/.done"
  fi
  lines=$(($(cat "$dir"/claims/*.csv | wc -l) - $(ls "$dir"/claims/*.csv | wc -l)))
  measure "$n" "$dir" "$lines" "$dir/ledger.csv" 1
  measure "$n" "$dir" "$lines" "$dir/ledger.csv" 2
done
echo "results in $results"
