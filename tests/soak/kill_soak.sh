#!/usr/bin/env bash
# The long kill soak (the short one runs in CI: tests/inputs/push_crash_test.cpp and
# tests/connectors/kafka_window_test.cpp). SIGKILLs each dataflow at random moments KILLS
# times, resuming it after each kill, then lets it finish and checks what it wrote:
#   kafka_window (-w 2, -s 0.05): window lines plus late lines count every event exactly once
#     (per user: the same events and amounts as an uninterrupted run), each window once;
#   push_flow (2 partitions, each isolated in a child process, -w 2): every number once, in
#     order, per partition; and no child process outlives a kill.
# Prints a line per dataflow and the store's size at the end; exits non-zero on any mismatch.
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

# kill_loop DIR CMD...: runs CMD in DIR until it was SIGKILLed $kills times
kill_loop() {
  local dir=$1
  shift
  local killed=0
  while [ "$killed" -lt "$kills" ]; do
    (cd "$dir" && exec "$@" >/dev/null 2>&1) &
    local pid=$!
    sleep "0.$(printf '%03d' $((RANDOM % 400 + 20)))"
    if kill -9 "$pid" 2>/dev/null; then
      killed=$((killed + 1))
    fi
    wait "$pid" 2>/dev/null || true
  done
}

# per user: events and amount sum, over kafka_window.out and kafka_window.out.late
tally() {
  awk '
    FILENAME ~ /late$/ { split($4, a, "="); n[$2] += 1; s[$2] += a[2]; next }
    { if (seen[$1 " " $2]++) dup++; split($3, c, "="); split($4, t, "=");
      n[$2] += c[2]; s[$2] += t[2] }
    END { for (u in n) print u, n[u], s[u]; if (dup) print "REPEATED_WINDOWS", dup }
  ' "$1/kafka_window.out" "$1/kafka_window.out.late" | sort
}

echo "--- kafka_window: $kills kills"
args=(--events 200000 -w 2 -s 0.05)
mkdir -p "$work/clean" "$work/window"
(cd "$work/clean" && "$window_bin" "${args[@]}" >/dev/null 2>&1)
kill_loop "$work/window" "$window_bin" "${args[@]}"
(cd "$work/window" && "$window_bin" "${args[@]}" >/dev/null 2>&1)
late=$(wc -l <"$work/window/kafka_window.out.late")
if [ "$(tally "$work/clean")" == "$(tally "$work/window")" ]; then
  echo "kafka_window: every event once over $kills kills ($late late), store $(du -sb "$work/window/kafka_window.state" | cut -f1) bytes"
else
  echo "kafka_window: MISMATCH after $kills kills"
  diff <(tally "$work/clean") <(tally "$work/window") | head -n 20
  failed=1
fi

echo "--- push_flow, 2 isolated partitions: $kills kills"
mkdir -p "$work/push/store"
"$build/weir-recovery" init "$work/push/store" 2 >/dev/null
n=2000000
kill_loop "$work/push" "$push_bin" -w 2 -s 0.01 -r store "$n" out.txt 2 isolate
sleep 1  # children of the last killed run die with it
orphans=$(pgrep -f "$push_bin" | wc -l || true)
(cd "$work/push" && "$push_bin" -w 2 -s 0.01 -r store "$n" out.txt 2 isolate >/dev/null 2>&1)
bad=$(awk -F: -v n="$n" '
  { if ($2 != next_[$1] + 0) bad++; next_[$1] = $2 + 1 }
  END { for (p in next_) if (next_[p] != n) bad++; print bad + 0 }' "$work/push/out.txt")
if [ "$bad" -eq 0 ] && [ "$orphans" -eq 0 ]; then
  echo "push_flow: every number once, in order, over $kills kills; no orphan; store $(du -sb "$work/push/store" | cut -f1) bytes"
else
  echo "push_flow: $bad numbers out of place, $orphans orphaned children after $kills kills"
  failed=1
fi
exit $failed
