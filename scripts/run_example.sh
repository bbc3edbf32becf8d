#!/usr/bin/env bash
# The main example, from a fresh checkout: installs tensorbridge (pip install . into .venv,
# as scripts/test_python.sh does) with NumPy and matplotlib, then runs
# examples/linear_regression.py, which trains nn.Linear on NumPy data and saves a plot.
#
# Usage: scripts/run_example.sh [plot.png]   (default: linear_regression.png)
#   TB_NO_VENV=1 and PYTHON=... as in scripts/test_python.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
# shellcheck source=scripts/python_env.sh
source scripts/python_env.sh

tb_python_env
tb_step "Python: example dependencies"
"${PIP[@]}" numpy matplotlib
tb_python_install

tb_step "Python: examples/linear_regression.py"
"$PY" examples/linear_regression.py "${1:-linear_regression.png}"
