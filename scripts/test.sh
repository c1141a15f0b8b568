#!/usr/bin/env bash
# Sets up the machine, builds weir (release preset) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"
