#!/usr/bin/env bash
# Every test suite tensorbridge has, from a fresh clone: installs what is missing, then runs
#   1. C++ (RelWithDebInfo): unit tests, header hygiene, nvcc header check, consumer builds
#   2. C++ under AddressSanitizer + UBSan (Debug)
#   3. Python (still to come)
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

# ---------------------------------------------------------------------------------------------
# PYTHON TEST SUITE: to be added here by the Python issue (pip install of the package + pytest).
# ---------------------------------------------------------------------------------------------

tb_step "all test suites passed in ${SECONDS}s"
