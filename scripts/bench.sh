#!/usr/bin/env bash
# Benchmark `tongchou run` on generated months (cached under bench/) and on
# the sample month. For each month, on the same files and in one run:
#   - a parse-only baseline (examples/parse_baseline.rs: the csv crate into
#     one reused record, nothing else);
#   - a peer: DuckDB running the minimal formula of bench/minimal.sql
#     (deductible, ratio, cap per person), installed with pip when missing;
#   - tongchou with 1 and 2 threads, and with 2 threads under
#     --memory-limit 512M (its outputs compared with the default run's);
#   - for the 1M and 10M months, the same month in the platform layout,
#     and as one file (read in parts on 2 threads, whole on 1).
# Each is timed by /usr/bin/time -v: wall seconds, CPU seconds (user + sys),
# peak RSS. Outputs are checked against bench/sha256-NAME.txt where one was
# recorded (scripts/checksums.sh). Results go to bench/RESULTS.md.
#
#   scripts/bench.sh                      # sample, 1M and 10M lines
#   scripts/bench.sh 100000 1000000       # other sizes (lines)
#   scripts/bench.sh city                 # the city month: 5M members, 30M lines
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(1000000 10000000); fi
cargo build --release --quiet
cargo build --release --quiet --example parse_baseline
bin=target/release/tongchou
base=target/release/examples/parse_baseline
python3 -c 'import duckdb' 2>/dev/null || pip install --quiet duckdb
mkdir -p bench
results=bench/RESULTS.md
{
  echo "# tongchou benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "CPU is user + system seconds. × parse-only and × DuckDB compare CPU seconds on the same files."
  echo
  echo "| month | what | lines | MB | threads | memory limit | partitions | wall s | CPU s | lines/s (wall) | peak RSS MB | × parse-only | × DuckDB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$results"

# Figures of one /usr/bin/time -v log.
wall() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$1"; }
cpu() { awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$1"; }
rss() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }

timed() { # log command... → runs it under /usr/bin/time -v; exit 3 (findings) is fine
  local log=$1; shift
  set +e
  /usr/bin/time -v "$@" > /dev/null 2> "$log"
  local code=$?
  set -e
  if [ "$code" -ne 0 ] && [ "$code" -ne 3 ]; then cat "$log"; exit "$code"; fi
}

row() { # name what lines mb threads limit parts log floor-cpu peer-cpu
  awk -v n="$1" -v w="$2" -v l="$3" -v mb="$4" -v th="$5" -v lim="$6" -v p="$7" \
    -v s="$(wall "$8")" -v c="$(cpu "$8")" -v r="$(rss "$8")" -v f="$9" -v d="${10}" \
    'BEGIN { printf "| %s | %s | %d | %s | %s | %s | %s | %.2f | %.2f | %.0f | %s | %s | %s |\n",
      n, w, l, mb, th, lim, p, s, c, l/s, r,
      (f > 0 && w != "parse-only" ? sprintf("%.1f", c/f) : "-"),
      (d > 0 && w != "DuckDB minimal" ? sprintf("%.2f", c/d) : "-") }' | tee -a "$results"
}

measure() { # name data-dir lines ledger threads floor-cpu peer-cpu [memory-limit]
  local name=$1 data=$2 lines=$3 ledger=$4 threads=$5 floor=$6 peer=$7 limit=${8:-}
  local mb; mb=$( (du -sbc "$data"/claims "$data"/settlements "$data"/fee_details 2>/dev/null || true) | awk '/total$/ {printf "%.1f", $1/1e6}')
  local tag=$threads${limit:+-$limit}
  local out=bench/out-$name-$tag
  local args=(run --quiet --force --data "$data" --out "$out" --threads "$threads")
  if [ -n "$ledger" ]; then args+=(--ledger "$ledger"); else args+=(--no-ledger); fi
  [ -n "$limit" ] && args+=(--memory-limit "$limit")
  local log=bench/time-$name-$tag.txt
  timed "$log" "$bin" "${args[@]}"
  local parts; parts=$(grep -o '"partitions": [0-9]*' "$out/manifest.json" | grep -o '[0-9]*$')
  row "$name" tongchou "$lines" "$mb" "$threads" "${limit:-default}" "$parts" "$log" "$floor" "$peer"
  # Outputs byte-identical to those recorded, at every thread count and limit.
  if [ -f "bench/sha256-$name.txt" ]; then
    scripts/checksums.sh check "$name" "$out" | tee -a "$results"
  fi
}

month() { # name data-dir lines ledger: every measurement of one month
  local name=$1 dir=$2 lines=$3 ledger=$4
  local mb; mb=$( (du -sbc "$dir"/claims 2>/dev/null || true) | awk '/total$/ {printf "%.1f", $1/1e6}')
  local floor=0 peer=0
  if [ -d "$dir/claims" ]; then
    timed "bench/time-$name-parse.txt" "$base" "$dir"/claims/*.csv
    floor=$(cpu "bench/time-$name-parse.txt")
    row "$name" parse-only "$lines" "$mb" 1 - - "bench/time-$name-parse.txt" 0 0
    if [ -n "$ledger" ]; then
      timed "bench/time-$name-duckdb.txt" python3 bench/minimal.py "$dir" "bench/out-$name-duckdb" 2
      peer=$(cpu "bench/time-$name-duckdb.txt")
      row "$name" "DuckDB minimal" "$lines" "$mb" 2 - - "bench/time-$name-duckdb.txt" "$floor" 0
    fi
  fi
  measure "$name" "$dir" "$lines" "$ledger" 1 "$floor" "$peer"
  measure "$name" "$dir" "$lines" "$ledger" 2 "$floor" "$peer"
  measure "$name" "$dir" "$lines" "$ledger" 2 "$floor" "$peer" 512M
  for f in payments audit rejects ledger summary settlement; do
    cmp -s "bench/out-$name-2/$f.csv" "bench/out-$name-2-512M/$f.csv" || { echo "$f.csv differs under --memory-limit 512M" | tee -a "$results"; exit 1; }
  done
  # (Not for the sample: a tenth of a second says nothing about threads.)
  [ "$name" = sample ] || awk -v n="$name" -v a="$(wall "bench/time-$name-1.txt")" -v b="$(wall "bench/time-$name-2.txt")" \
    'BEGIN { printf "\n%s: 1 → 2 threads %.2f× faster (wall)\n\n", n, a/b }' | tee -a "$results"
}

generate() { # dir synth-args... → the month, made once and cached
  local dir=$1; shift
  # A month cached before ledgers recorded their period is made again.
  if [ ! -f "$dir/.done" ] || ! head -1 "$dir/ledger.csv" | grep -q ',period'; then
    rm -rf "$dir"
    # Four files unless the month says how many.
    local files=(--files 4)
    for a in "$@"; do [ "$a" = --files ] && files=(); done
    "$bin" synth --out "$dir" "$@" ${files[@]+"${files[@]}"} --seed 1
    touch "$dir/.done"
  fi
}

count_lines() { echo $(($(cat "$1"/claims/*.csv | wc -l) - $(ls "$1"/claims/*.csv | wc -l))); }

month sample samples/data "$(count_lines samples/data)" ""
for n in "${sizes[@]}"; do
  if [ "$n" = city ]; then
    # A city's month: about one settlement per member, 3-4 lines each.
    dir=bench/month-city
    generate "$dir" --lines 30000000 --persons 5000000
    month city "$dir" "$(count_lines "$dir")" "$dir/ledger.csv"
    continue
  fi
  dir=bench/month-$n
  generate "$dir" --lines "$n"
  lines=$(count_lines "$dir")
  month "$n" "$dir" "$lines" "$dir/ledger.csv"
  # The same month in the platform layout (settlements/ joined with
  # fee_details/): what reading it costs against claims/.
  pdir=bench/month-$n-platform
  generate "$pdir" --lines "$n" --layout platform
  measure "$n-platform" "$pdir" "$lines" "$pdir/ledger.csv" 2 0 0
  measure "$n-platform" "$pdir" "$lines" "$pdir/ledger.csv" 2 0 0 512M
  for t in 2 2-512M; do
    awk -v n="$n" -v t="$t" -v c="$(cpu "bench/time-$n-$t.txt")" -v p="$(cpu "bench/time-$n-platform-$t.txt")" \
      'BEGIN { printf "\n%s lines, threads %s: CPU s claims/ %.2f, platform layout %.2f: ratio %.2f×\n", n, t, c, p, p/c }' | tee -a "$results"
  done
  # The same month as one file: read by one reader on 1 thread, in parts
  # on 2 (a large file is cut at record starts); the outputs must not
  # differ.
  odir=bench/month-$n-1file
  generate "$odir" --lines "$n" --files 1
  measure "$n-1file" "$odir" "$lines" "$odir/ledger.csv" 1 0 0
  measure "$n-1file" "$odir" "$lines" "$odir/ledger.csv" 2 0 0
  for f in bench/out-$n-1file-1/*; do
    [ "$(basename "$f")" = manifest.json ] && continue
    cmp -s "$f" "bench/out-$n-1file-2/$(basename "$f")" || { echo "$(basename "$f") differs read in parts" | tee -a "$results"; exit 1; }
  done
  awk -v n="$n" -v a="$(wall "bench/time-$n-1file-1.txt")" -v b="$(wall "bench/time-$n-1file-2.txt")" \
    'BEGIN { printf "\n%s lines in one file: outputs identical at 1 thread (read whole) and 2 (read in parts, when over 32 MB); 1 → 2 threads %.2f× faster (wall)\n", n, a/b }' | tee -a "$results"
  echo | tee -a "$results"
done
echo "results in $results"
