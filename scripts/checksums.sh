#!/usr/bin/env bash
# Record or check the SHA-256 of every output of a run, so that a change
# to the data path can prove its outputs byte-identical.
#
#   scripts/checksums.sh record NAME OUTDIR   # writes bench/sha256-NAME.txt
#   scripts/checksums.sh check  NAME OUTDIR   # exits 1 naming each file that differs
#
# manifest.json is left out: it records timings and paths, which differ
# from run to run by design; it lists the other files' hashes itself.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=$1 name=$2 out=$3
sums=bench/sha256-$name.txt
list() {
  (cd "$out" && find . -maxdepth 1 -type f ! -name manifest.json -printf '%f\n' | LC_ALL=C sort | xargs sha256sum)
}
case $mode in
  record)
    list > "$sums"
    echo "recorded $(wc -l < "$sums") outputs of $out in $sums"
    ;;
  check)
    if [ ! -f "$sums" ]; then
      echo "no $sums recorded: nothing to check $out against" >&2
      exit 1
    fi
    if diff <(list) "$sums" > /dev/null; then
      echo "$name: all $(wc -l < "$sums") outputs byte-identical to $sums"
    else
      echo "$name: outputs differ from $sums:" >&2
      diff <(list) "$sums" >&2 || true
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 record|check NAME OUTDIR" >&2
    exit 2
    ;;
esac
