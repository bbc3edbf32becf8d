#!/usr/bin/env bash
# Builds the DLPack import fuzzer with clang (libFuzzer + ASan + UBSan) and fuzzes it.
#
#   tests/fuzz/run.sh [seconds]      # default 60
#
# Build tree: build/fuzz (TB_FUZZ_BUILD_DIR overrides). The corpus grows in
# <build>/corpus/dlpack_import, seeded from tests/fuzz/corpus/dlpack_import. A crash leaves
# its input as <build>/crash-* and makes the script fail; replay it with
#   <build>/tests/fuzz/fuzz_dlpack_import <build>/crash-...
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${TB_FUZZ_BUILD_DIR:-$root/build/fuzz}"
clangxx="${CXX_FUZZ:-clang++}"

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
mkdir -p "$build"
if ! cmake -S "$root" -B "$build" "${generator[@]}" \
    -DCMAKE_CXX_COMPILER="$clangxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTENSORBRIDGE_BUILD_TESTS=ON -DTENSORBRIDGE_BUILD_FUZZERS=ON \
    -DTENSORBRIDGE_BUILD_EXAMPLES=OFF -DTENSORBRIDGE_BUILD_BENCHMARKS=OFF \
    -DTENSORBRIDGE_NVCC_CHECK=OFF -DTENSORBRIDGE_INSTALL=OFF >"$build/configure.log" 2>&1; then
  cat "$build/configure.log" >&2
  exit 1
fi
cmake --build "$build" --target fuzz_dlpack_import -j2

corpus="$build/corpus/dlpack_import"
mkdir -p "$corpus"
cd "$build"
exec "$build/tests/fuzz/fuzz_dlpack_import" -max_total_time="$seconds" -print_final_stats=1 \
  "$corpus" "$root/tests/fuzz/corpus/dlpack_import"
