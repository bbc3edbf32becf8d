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

# shellcheck source=scripts/python_env.sh
source scripts/python_env.sh
tb_python_env  # CMake also builds the example extension

tb_step "Python: test dependencies"
# torch is pinned: the 2.13.0 CPU wheel is what the suite is written against, and an unpinned
# `pip install torch` would fetch a CUDA build.
"${PIP[@]}" numpy "torch==2.13.0" pytest hypothesis mypy pybind11 matplotlib
"${PIP[@]}" jax jaxlib || echo "warning: jax did not install; its tests will be skipped"
if [ "${TB_WITH_TENSORFLOW:-0}" = 1 ]; then
  "${PIP[@]}" tensorflow-cpu || echo "warning: tensorflow-cpu did not install; its tests will be skipped"
fi

tb_python_install

tb_step "Python: pytest tests/python"
"$PY" -c "import tensorbridge, numpy, torch; print('tensorbridge', tensorbridge.__version__, \
'at', tensorbridge.__file__, '| numpy', numpy.__version__, '| torch', torch.__version__)"
"$PY" -m pytest tests/python -p no:cacheprovider "$@"
