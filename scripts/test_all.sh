#!/usr/bin/env bash
# Every test suite tensorbridge has, from a fresh clone: installs what is missing, then runs
#   1. C++ (-O1): unit tests, header hygiene, nvcc header check, consumer builds
#   2. C++ under AddressSanitizer + UBSan (Debug)
#   3. the DLPack import fuzzer for 60 s (clang, libFuzzer + ASan + UBSan)
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

tb_step "C++: DLPack import fuzzer, 60 s (libFuzzer + ASan + UBSan)"
tests/fuzz/run.sh 60

tb_step "Python: pip install . into .venv, then pytest"
scripts/test_python.sh

tb_step "all test suites passed in ${SECONDS}s"
