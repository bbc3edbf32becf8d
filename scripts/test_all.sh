#!/usr/bin/env bash
# Every test suite tensorbridge has, from a fresh clone: installs what is missing, then runs
#   1. C++ (-O1): unit tests, header hygiene, nvcc header check, consumer builds
#   2. C++ under AddressSanitizer + UBSan (Debug)
#   3. the DLPack import fuzzer for 60 s (clang, libFuzzer + ASan + UBSan), beside step 4
#   4. Python: the package installed with pip into .venv, then pytest (NumPy, PyTorch, JAX)
# Usage: scripts/test_all.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh

SECONDS=0

tb_step "setup"
tb_setup_cpp

tb_step "C++: cmake --workflow --preset dev"
cmake --workflow --preset dev --fresh

tb_step "C++: cmake --workflow --preset asan"
cmake --workflow --preset asan --fresh

# The fuzzer runs on one core for a minute: it goes beside the Python step, much of which
# (downloads, pytest) leaves the second core idle. Its output is shown when both are done.
tb_step "C++: DLPack import fuzzer, 60 s (libFuzzer + ASan + UBSan), in the background"
fuzz_log="$(mktemp)"
trap 'rm -f "$fuzz_log"' EXIT
tests/fuzz/run.sh 60 >"$fuzz_log" 2>&1 &
fuzz_pid=$!

tb_step "Python: pip install . into .venv, then pytest"
python_status=0
scripts/test_python.sh || python_status=$?

tb_step "C++: DLPack import fuzzer (output)"
fuzz_status=0
wait "$fuzz_pid" || fuzz_status=$?
cat "$fuzz_log"
if [ "$fuzz_status" -ne 0 ] || [ "$python_status" -ne 0 ]; then
  echo "FAILED: fuzzer exited ${fuzz_status}, Python suite exited ${python_status}" >&2
  exit 1
fi

tb_step "all test suites passed in ${SECONDS}s"
