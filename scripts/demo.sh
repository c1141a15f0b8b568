#!/usr/bin/env bash
# Sets up the machine, builds weir and runs the Kafka demo: per-user 10-second window totals
# of 200,000 purchase events read from a Kafka cluster the program starts itself, written
# exactly once to a file with recovery on; then runs it again to show it continues where it
# stopped (everything was read: nothing is added).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release
cmake --build --preset release -j "$jobs" --target kafka_window
demo=build/demo
rm -rf "$demo"
mkdir -p "$demo"
cd "$demo"
../release/examples/kafka_window -w 2 -s 1
echo "--- the first windows of kafka_window.out ($(wc -l < kafka_window.out) lines):"
head -n 5 kafka_window.out
late=0
if [ -f kafka_window.out.late ]; then late=$(wc -l < kafka_window.out.late); fi
echo "--- late events (kafka_window.out.late, made by the first one): $late"
echo "--- running again: it resumes from kafka_window.state"
../release/examples/kafka_window -w 2 -s 1
echo "--- kafka_window.out still has $(wc -l < kafka_window.out) lines, each window once;"
echo "    windows plus late lines count every event exactly once, crash or not"
