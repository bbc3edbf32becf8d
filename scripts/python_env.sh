# shellcheck shell=bash
# The Python environment shared by scripts/test_python.sh and scripts/run_example.sh: source
# it after scripts/setup.sh, then
#   tb_python_env       build prerequisites, the virtual environment; sets PY and PIP
#   tb_python_install   pip install . (builds the extension; the build folder makes it incremental)
#
#   TB_NO_VENV=1            use the current python3 instead of the venv at .venv
#   PYTHON=/path/to/python  the interpreter that creates the venv (default: python3)

tb_python_env() {
  tb_step "Python: build prerequisites (C++ compiler, Eigen, CMake)"
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
}

tb_python_install() {
  tb_step "Python: pip install . (builds the extension)"
  "${PIP[@]}" .
}
