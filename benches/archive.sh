#!/usr/bin/env bash
# Scale benchmark: sunlight over generated archives of 8,100 and 81,000
# records (and 1,000,000 with --full), beside the saphyr-parser parse floor.
#
#   benches/archive.sh [--full] [--sizes "8100 81000"]
#
# For each size it prints records/s with one thread, the time as a multiple
# of the floor (the same files parsed into saphyr events, one thread), the
# speed-up of two threads over one, and the peak resident memory. Archives
# are generated once (fixed seed) under target/archive-bench/ and reused.
# Times are wall-clock medians of RUNS runs (default 3; 1 for 1,000,000).
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="8100 81000"
while [ $# -gt 0 ]; do
  case "$1" in
    --full) sizes="8100 81000 1000000" ;;
    --sizes) sizes="$2"; shift ;;
    *) echo "usage: benches/archive.sh [--full] [--sizes \"N …\"]" >&2; exit 2 ;;
  esac
  shift
done

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
cargo build --release --quiet --bin sunlight --example gen_archive --example saphyr_floor
bin=target/release/sunlight
root=target/archive-bench

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run CMD… RUNS times; prints "median-seconds max-rss-kib"
measure() {
  local runs=$1; shift
  local secs=() rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$root/time.out" "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
    read -r s m < "$root/time.out"
    secs+=("$s"); [ "$m" -gt "$rss" ] && rss=$m
  done
  printf '%s %s\n' "$(printf '%s\n' "${secs[@]}" | median)" "$rss"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '%-9s %8s %9s %9s %8s %8s %8s %9s %9s\n' \
  records MB floor_s t1_s rec/s t1/floor t2_s t2_speedup peak_MiB
for n in $sizes; do
  dir="$root/$n"
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    target/release/examples/gen_archive --records "$n" --out "$dir" 2>/dev/null
    touch "$dir/.done"
  fi
  runs=${RUNS:-3}; [ "$n" -ge 1000000 ] && runs=${RUNS:-1}
  mb=$(du -sm "$dir" | cut -f1)
  read -r floor _ < <(measure "$runs" target/release/examples/saphyr_floor "$dir")
  check=("$bin" check "$dir" --format json --no-config --max-records 100000000)
  read -r t1 rss1 < <(measure "$runs" "${check[@]}" --threads 1)
  read -r t2 rss2 < <(measure "$runs" "${check[@]}" --threads 2)
  rss=$(( (rss1 > rss2 ? rss1 : rss2) / 1024 ))
  awk -v n="$n" -v mb="$mb" -v f="$floor" -v t1="$t1" -v t2="$t2" -v rss="$rss" 'BEGIN {
    printf "%-9d %8d %9.2f %9.2f %8.0f %7.2fx %8.2f %8.2fx %9d\n",
      n, mb, f, t1, n / t1, t1 / f, t2, t1 / t2, rss }'
done
