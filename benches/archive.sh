#!/usr/bin/env bash
# Scale benchmark: sunlight over generated archives of 8,100 and 81,000
# records (and 1,000,000 with --full), beside the saphyr-parser parse floor.
#
#   benches/archive.sh [--full] [--sizes "8100 81000"]
#
# For each size it prints records/s with one thread, the time as a multiple
# of the floor (the same files parsed into saphyr events, one thread), the
# speed-up of two threads over one, and the peak resident memory. Archives
# are generated once (fixed seed) under target/archive-bench/ and reused
# until the generator changes.
# Times are wall-clock medians of RUNS rounds (default 5; 1 for
# 1,000,000); in each round the floor, one thread and two threads run in
# turn, and the ratios (to the floor, and of one thread to two) are the
# medians of the rounds' ratios: a slow spell of a shared machine slows
# the runs of one round together.
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
stamp=$(sha256sum examples/gen_archive.rs | cut -c1-16)

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# A / B, or 0 when B is 0
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {print (b > 0 ? a / b : 0)}'; }

# one run of CMD…; prints "wall-seconds cpu-seconds max-rss-kib". Wall
# and CPU time are read to the millisecond (the clock, and `times` of this
# subshell, whose only child is the run), not to the hundredth /usr/bin/time
# gives: the 8,100-record run takes a tenth of a second on two threads.
once() {
  local start=$EPOCHREALTIME end
  /usr/bin/time -f "%M" -o "$root/time.out" "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
  end=$EPOCHREALTIME
  times > "$root/times.out"
  local cpu m
  cpu=$(tail -n 1 "$root/times.out" | awk '{
    s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] }
    printf "%.3f", s }')
  m=$(tail -n 1 "$root/time.out")
  printf '%s %s %s\n' "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')" "$cpu" "$m"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1 /proc/loadavg)"
echo "wall = elapsed seconds, cpu = user+system seconds (cpu ratios stay meaningful on a busy machine)"
printf '%-8s %5s %7s %7s %7s %7s %8s %8s %7s %8s %7s %8s\n' \
  records MB floor_s floor_cpu t1_s t1_cpu rec/s t1/floor t2_s t2_gain t1cpu/fl peak_MiB
for n in $sizes; do
  dir="$root/$n"
  # An archive made by another version of the generator is made again.
  if [ "$(cat "$dir/.done" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$dir"
    target/release/examples/gen_archive --records "$n" --out "$dir" 2>/dev/null
    echo "$stamp" > "$dir/.done"
  fi
  runs=${RUNS:-5}; [ "$n" -ge 1000000 ] && runs=${RUNS:-1}
  mb=$(du -sm "$dir" | cut -f1)
  check=("$bin" check "$dir" --format json --no-config --max-records 100000000)
  # The floor and the check take turns, so that a slow spell of a shared
  # machine slows both; each ratio is the median of the rounds' ratios.
  fl=() flc=() w1=() cpu1=() w2=() r_wall=() r_cpu=() r_gain=() rss1=0 rss2=0
  for _ in $(seq "$runs"); do
    read -r fs fc _ < <(once target/release/examples/saphyr_floor "$dir")
    read -r s1 c1 m1 < <(once "${check[@]}" --threads 1)
    read -r s2 _ m2 < <(once "${check[@]}" --threads 2)
    fl+=("$fs"); flc+=("$fc"); w1+=("$s1"); cpu1+=("$c1"); w2+=("$s2")
    r_wall+=("$(ratio "$s1" "$fs")"); r_cpu+=("$(ratio "$c1" "$fc")"); r_gain+=("$(ratio "$s1" "$s2")")
    [ "$m1" -gt "$rss1" ] && rss1=$m1
    [ "$m2" -gt "$rss2" ] && rss2=$m2
  done
  med() { printf '%s\n' "$@" | median; }
  floor=$(med "${fl[@]}"); floor_cpu=$(med "${flc[@]}")
  t1=$(med "${w1[@]}"); c1=$(med "${cpu1[@]}"); t2=$(med "${w2[@]}")
  rw=$(med "${r_wall[@]}"); rc=$(med "${r_cpu[@]}"); gain=$(med "${r_gain[@]}")
  rss=$(( (rss1 > rss2 ? rss1 : rss2) / 1024 ))
  awk -v n="$n" -v mb="$mb" -v f="$floor" -v fc="$floor_cpu" -v t1="$t1" -v c1="$c1" \
      -v t2="$t2" -v gain="$gain" -v rw="$rw" -v rc="$rc" -v rss="$rss" 'BEGIN {
    printf "%-8d %5d %7.2f %7.2f %7.2f %7.2f %8.0f %7.2fx %7.2f %7.2fx %7.2fx %8d\n",
      n, mb, f, fc, t1, c1, n / t1, rw, t2, gain, rc, rss }'
done
