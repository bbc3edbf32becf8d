#!/usr/bin/env bash
# The Python test suite, as a user would meet the package: `pip install .` (not editable) into
# a virtual environment, then pytest over tests/python, which also builds the example
# extension (examples/pybind11_extension) with CMake and runs mypy's stubtest on the stubs.
#
# Usage: scripts/test_python.sh [pytest arguments...]
#   TB_NO_VENV=1            use the current python3 instead of the venv at .venv
#   PYTHON=/path/to/python  the interpreter that creates the venv (default: python3)
#   TB_WITH_TENSORFLOW=1    also install tensorflow-cpu (large) so its tests run
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh

tb_step "Python: build prerequisites (C++ compiler, Eigen, CMake for the example extension)"
tb_apt_install g++ libeigen3-dev
tb_ensure_cmake

PY=${PYTHON:-python3}
if [ "${TB_NO_VENV:-0}" != 1 ]; then
  if [ ! -x .venv/bin/python ]; then
    tb_step "Python: creating .venv"
    "$PY" -m venv .venv
  fi
  PY=.venv/bin/python
fi
PIP=("$PY" -m pip install --progress-bar off --disable-pip-version-check)

tb_step "Python: test dependencies"
# torch is pinned: the 2.13.0 CPU wheel is what the suite is written against, and an unpinned
# `pip install torch` would fetch a CUDA build.
"${PIP[@]}" numpy "torch==2.13.0" pytest hypothesis mypy pybind11
"${PIP[@]}" jax jaxlib || echo "warning: jax did not install; its tests will be skipped"
if [ "${TB_WITH_TENSORFLOW:-0}" = 1 ]; then
  "${PIP[@]}" tensorflow-cpu || echo "warning: tensorflow-cpu did not install; its tests will be skipped"
fi

tb_step "Python: pip install . (builds the extension)"
"${PIP[@]}" .

tb_step "Python: pytest tests/python"
"$PY" -c "import tensorbridge, numpy, torch; print('tensorbridge', tensorbridge.__version__, \
'at', tensorbridge.__file__, '| numpy', numpy.__version__, '| torch', torch.__version__)"
"$PY" -m pytest tests/python -p no:cacheprovider "$@"
