#!/usr/bin/env bash
# Benchmark tongchou run on generated months (cached under bench/) and on
# the sample month: seconds, lines/s, MB/s, peak memory (/usr/bin/time -v),
# the ratio to a parse-only baseline over the same claim files
# (examples/parse_baseline.rs), the speed-up from 1 to 2 threads, and a
# run of each size under --memory-limit 512M (outputs compared with the
# default run's). Results go to bench/RESULTS.md.
#
#   scripts/bench.sh                      # 1M and 10M lines
#   scripts/bench.sh 100000 1000000       # other sizes (lines)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(1000000 10000000); fi
cargo build --release --quiet
cargo build --release --quiet --example parse_baseline
bin=target/release/tongchou
base=target/release/examples/parse_baseline
mkdir -p bench
results=bench/RESULTS.md
{
  echo "# tongchou benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "| month | lines | MB | threads | memory limit | partitions | seconds | lines/s | MB/s | peak RSS MB | × parse-only |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
} > "$results"

wall() { # log file → seconds
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$1"
}

measure() { # name data-dir lines ledger threads baseline-seconds [memory-limit]
  local name=$1 data=$2 lines=$3 ledger=$4 threads=$5 floor=$6 limit=${7:-}
  local mb; mb=$( (du -sbc "$data"/claims "$data"/settlements "$data"/fee_details 2>/dev/null || true) | awk '/total$/ {printf "%.1f", $1/1e6}')
  local tag=$threads${limit:+-$limit}
  local args=(run --quiet --force --data "$data" --out "bench/out-$name-$tag" --threads "$threads")
  if [ -n "$ledger" ]; then args+=(--ledger "$ledger"); else args+=(--no-ledger); fi
  [ -n "$limit" ] && args+=(--memory-limit "$limit")
  local log=bench/time-$name-$tag.txt
  set +e
  /usr/bin/time -v "$bin" "${args[@]}" 2> "$log"
  local code=$?
  set -e
  if [ "$code" -ne 0 ] && [ "$code" -ne 3 ]; then cat "$log"; exit "$code"; fi
  local secs rss
  secs=$(wall "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  echo "$secs" > "bench/secs-$name-$tag"
  local parts; parts=$(grep -o '"partitions": [0-9]*' "bench/out-$name-$tag/manifest.json" | grep -o '[0-9]*$')
  awk -v n="$name" -v l="$lines" -v mb="$mb" -v th="$threads" -v lim="${limit:-default}" -v p="$parts" -v s="$secs" -v r="$rss" -v f="$floor" \
    'BEGIN { printf "| %s | %d | %s | %d | %s | %s | %.2f | %.0f | %.1f | %s | %.1f |\n", n, l, mb, th, lim, p, s, l/s, mb/s, r, (f > 0 ? s/f : 0) }' | tee -a "$results"
}

cpu() { # log file → CPU seconds (user + system)
  awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$1"
}

baseline() { # data-dir → seconds of the parse-only pass
  local log=bench/time-baseline.txt
  /usr/bin/time -v "$base" "$1"/claims/*.csv > /dev/null 2> "$log"
  wall "$log"
}

measure sample samples/data "$(tail -q -n +2 samples/data/claims/*.csv | wc -l)" "" 2 "$(baseline samples/data)"
for n in "${sizes[@]}"; do
  dir=bench/month-$n
  # A month cached before ledgers recorded their period is made again.
  if [ ! -f "$dir/.done" ] || ! head -1 "$dir/ledger.csv" | grep -q ',period'; then
    rm -rf "$dir"
    "$bin" synth --out "$dir" --lines "$n" --files 4 --seed 1
    touch "$dir/.done"
  fi
  lines=$(($(cat "$dir"/claims/*.csv | wc -l) - $(ls "$dir"/claims/*.csv | wc -l)))
  floor=$(baseline "$dir")
  measure "$n" "$dir" "$lines" "$dir/ledger.csv" 1 "$floor"
  measure "$n" "$dir" "$lines" "$dir/ledger.csv" 2 "$floor"
  measure "$n" "$dir" "$lines" "$dir/ledger.csv" 2 "$floor" 512M
  for f in payments audit rejects ledger summary settlement; do
    cmp -s "bench/out-$n-2/$f.csv" "bench/out-$n-2-512M/$f.csv" || { echo "$f.csv differs under --memory-limit 512M" | tee -a "$results"; exit 1; }
  done
  # The same month in the platform layout (settlements/ joined with
  # fee_details/): what reading it costs against claims/, in CPU seconds
  # (user + system), in memory and under --memory-limit 512M.
  pdir=bench/month-$n-platform
  if [ ! -f "$pdir/.done" ]; then
    rm -rf "$pdir"
    "$bin" synth --out "$pdir" --lines "$n" --files 4 --seed 1 --layout platform
    touch "$pdir/.done"
  fi
  measure "$n-platform" "$pdir" "$lines" "$pdir/ledger.csv" 2 "$floor"
  measure "$n-platform" "$pdir" "$lines" "$pdir/ledger.csv" 2 "$floor" 512M
  for t in 2 2-512M; do
    awk -v n="$n" -v t="$t" -v c="$(cpu bench/time-$n-$t.txt)" -v p="$(cpu bench/time-$n-platform-$t.txt)" \
      'BEGIN { printf "\n%s lines, threads %s: CPU s (user+sys) claims/ %.2f, platform layout %.2f: ratio %.2f×\n", n, t, c, p, p/c }' | tee -a "$results"
  done
  awk -v n="$n" -v f="$floor" -v a="$(cat bench/secs-$n-1)" -v b="$(cat bench/secs-$n-2)" \
    'BEGIN { printf "\n%s lines: parse-only baseline %.2f s; 1 → 2 threads: %.2f×\n\n", n, f, a/b }' | tee -a "$results"
done
echo "results in $results"
