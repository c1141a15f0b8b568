#!/usr/bin/env bash
# Fuzzes the snapshot decoder, the CSV reader and the cluster's frame decoders with libFuzzer (clang-14, ASan + UBSan), each
# for SECONDS (default 300), outside CI. Inputs that crash, leak, run over 1 s or take over
# 512 MB are written to build/fuzz/found/<target>/; once fixed, copy them into
# tests/fuzz/corpus/<target>/ and check them in: every test run replays that corpus
# (tests/CMakeLists.txt, "fuzz: ..."). The growing corpus stays in build/fuzz/corpus/<target>.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]      TARGET: snapshot, csv, frames (default all)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(snapshot csv frames)

bash scripts/setup.sh
if ! command -v clang++-14 >/dev/null || [ ! -d /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux ] ||
   ! ls /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  as_root=()
  [ "$(id -u)" -ne 0 ] && as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends clang-14 libfuzzer-14-dev
fi
cmake --preset fuzz
cmake --build --preset fuzz -j "$(nproc 2>/dev/null || echo 2)"
for t in "${targets[@]}"; do
  corpus=build/fuzz/corpus/$t
  found=build/fuzz/found/$t
  mkdir -p "$corpus" "$found"
  echo "--- fuzzing $t for ${seconds} s"
  # each crash stops a run: go on until the time is used, keeping every crash found
  end=$((SECONDS + seconds))
  while [ $SECONDS -lt $end ]; do
    left=$((end - SECONDS))
    build/fuzz/tests/fuzz_$t "$corpus" "tests/fuzz/corpus/$t" -max_total_time="$left" -max_len=4096 \
      -timeout=1 -rss_limit_mb=512 -malloc_limit_mb=512 -artifact_prefix="$found/" \
      -print_final_stats=1 2>&1 | tail -n 20 || true
  done
done
echo "--- inputs that failed (fix, then copy into tests/fuzz/corpus/<target>/):"
ls -l build/fuzz/found/* 2>/dev/null || true
