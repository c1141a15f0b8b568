#!/usr/bin/env bash
# Sets up the machine, builds weir and runs the wordcount example on the text it ships.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release
cmake --build --preset release -j "$jobs" --target wordcount
./build/release/examples/wordcount -w 2 examples/wordcount/words.txt | sort
