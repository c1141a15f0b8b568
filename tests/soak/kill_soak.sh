#!/usr/bin/env bash
# The long kill soak (the short one runs in CI: tests/inputs/push_crash_test.cpp and
# tests/connectors/kafka_window_test.cpp). SIGKILLs each dataflow at random moments, resuming
# it after each kill; a run that ends by itself completes a cycle, whose output is checked
# before the next cycle starts afresh; this goes on until KILLS kills, then the last cycle
# runs to its end and is checked too:
#   kafka_window (-w 2, -s 0.05): window lines plus late lines count every event exactly once
#     (per user: the same events and amounts as an uninterrupted run), each window once; every
#     tenth restart waits 3 s first, so the event clock runs past the 2 s it waits for late
#     events and the replayed ones turn late (as after a long outage);
#   push_flow (2 partitions, each isolated in a child process, -w 2): every number once, in
#     order, per partition; no child process outlives a kill.
# Prints a line per dataflow with the store's size at the end; exits non-zero on a mismatch.
#
#   bash tests/soak/kill_soak.sh [KILLS] [BUILD_DIR]      (defaults: 100 build/release)
set -euo pipefail
kills=${1:-100}
build=$(realpath "${2:-build/release}")
window_bin=$build/examples/kafka_window
push_bin=$build/tests/push_flow
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# soak NAME DIR MAX_MS SETUP CHECK CMD...: in DIR, runs CMD and SIGKILLs it 20 to MAX_MS ms
# after its start, until $kills kills; SETUP makes a fresh cycle, CHECK verifies a finished
# one (and sets `bad`).
soak() {
  local name=$1 dir=$2 max_ms=$3 setup=$4 check=$5
  shift 5
  local killed=0 cycles=0 restarts=0
  rm -rf "$dir" && mkdir -p "$dir" && $setup "$dir"
  while true; do
    restarts=$((restarts + 1))
    if [ "$name" == kafka_window ] && [ $((restarts % 10)) -eq 0 ]; then
      sleep 3  # a long outage: the event clock runs on
    fi
    (cd "$dir" && exec "$@" >/dev/null 2>&1) &
    local pid=$!
    if [ "$killed" -lt "$kills" ]; then
      local ms=$(((RANDOM * 32768 + RANDOM) % (max_ms - 20) + 20))
      sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
      kill -9 "$pid" 2>/dev/null || true
    fi
    local status=0
    wait "$pid" 2>/dev/null || status=$?
    if [ "$status" -eq 137 ]; then  # killed by the SIGKILL above
      killed=$((killed + 1))
      continue
    fi
    if [ "$status" -ne 0 ]; then
      echo "$name: a run exited with $status"
      failed=1
      return
    fi
    # the run ended by itself: a finished cycle
    sleep 1  # children of the last killed run die with it
    bad=0
    $check "$dir"
    cycles=$((cycles + 1))
    if [ "$bad" -ne 0 ]; then
      echo "$name: cycle $cycles: MISMATCH ($bad) after $killed kills"
      failed=1
      return
    fi
    if [ "$killed" -ge "$kills" ]; then
      echo "$name: $killed kills over $cycles cycle(s), each cycle's output exactly once;" \
        "$extra; store $(du -sb "$dir/store" | cut -f1) bytes at the end"
      return
    fi
    rm -rf "$dir" && mkdir -p "$dir" && $setup "$dir"
  done
}

# --- kafka_window
window_args=(--events 200000 -w 2 -s 0.05 -r store)
# per user: events and amount sum, over kafka_window.out and kafka_window.out.late (made by
# the first late event); and REPEATED_WINDOWS if a (window, user) line is there twice
tally() {
  touch "$1/kafka_window.out.late"
  awk '
    FILENAME ~ /late$/ { split($4, a, "="); n[$2] += 1; s[$2] += a[2]; next }
    { if (seen[$1 " " $2]++) dup++; split($3, c, "="); split($4, t, "=");
      n[$2] += c[2]; s[$2] += t[2] }
    END { for (u in n) print u, n[u], s[u]; if (dup) print "REPEATED_WINDOWS", dup }
  ' "$1/kafka_window.out" "$1/kafka_window.out.late" | sort
}
mkdir -p "$work/clean"
(cd "$work/clean" && "$window_bin" "${window_args[@]}" >/dev/null 2>&1)
expected=$(tally "$work/clean")
late_total=0
window_setup() { :; }
window_check() {
  [ "$(tally "$1")" == "$expected" ] || bad=1
  late_total=$((late_total + $(wc -l <"$1/kafka_window.out.late")))
  extra="$late_total late events in all"
}
echo "--- kafka_window: $kills kills"
# a run fills its own Kafka cluster first (about 1 s), then reads: kills land in both
soak kafka_window "$work/window" 2500 window_setup window_check "$window_bin" "${window_args[@]}"

# --- push_flow
n=400000
push_setup() {
  mkdir -p "$1/store"
  "$build/weir-recovery" init "$1/store" 2 >/dev/null
}
push_check() {
  local orphans
  orphans=$(pgrep -f "$push_bin" | wc -l || true)
  bad=$(awk -F: -v n="$n" '
    { if ($2 != next_[$1] + 0) bad++; next_[$1] = $2 + 1 }
    END { for (p in next_) if (next_[p] != n) bad++; print bad + 0 }' "$1/out.txt")
  bad=$((bad + orphans))
  extra="no orphaned child"
}
echo "--- push_flow, 2 isolated partitions: $kills kills"
soak push_flow "$work/push" 400 push_setup push_check \
  "$push_bin" -w 2 -s 0.01 -r store "$n" out.txt 2 isolate
exit $failed
