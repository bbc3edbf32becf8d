# shellcheck shell=bash
# Shared setup for scripts/test_all.sh and other scripts: source it, then call what you need.
# Every step checks first and installs only what is missing, so running it twice is cheap.
#
#   tb_setup_cpp     system packages for the C++ build + cmake >= 3.25 + ninja + nvcc on PATH
#   tb_apt_install   <pkg>...  install the Debian packages that are not installed yet
#   tb_step          <title>   print a section banner

TB_MIN_CMAKE=3.25  # workflow presets (cmake --workflow)

# Packages the C++ build and tests use. cmake itself comes from PyPI (newer than Debian's).
TB_APT_PACKAGES=(g++ libeigen3-dev libgtest-dev libgmock-dev libbenchmark-dev clang ninja-build)

# A step's banner, with the seconds since the script started (bash's SECONDS), so that a CI
# log shows where its time goes.
tb_step() {
  printf '\n==> [%ss] %s\n' "${SECONDS}" "$*"
}

tb_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "error: need root (or sudo) to run: $*" >&2
    return 1
  fi
}

tb_apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  echo "installing: ${missing[*]}"
  tb_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  tb_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
}

# True when $1 >= $2 as versions.
tb_version_ge() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

tb_cmake_ok() {
  command -v cmake >/dev/null 2>&1 || return 1
  local v
  v=$(cmake --version | sed -n 's/^cmake version \([0-9.]*\).*/\1/p')
  tb_version_ge "$v" "$TB_MIN_CMAKE"
}

tb_ensure_cmake() {
  if tb_cmake_ok && command -v ninja >/dev/null 2>&1; then
    return 0
  fi
  # PyPI first; where pip is missing or the system Python refuses (PEP 668), Debian's packages
  # (cmake 3.25 on Debian 12) are new enough.
  if python3 -m pip --version >/dev/null 2>&1 &&
     python3 -m pip install -q "cmake>=$TB_MIN_CMAKE" ninja; then
    hash -r
  fi
  if ! tb_cmake_ok; then
    tb_apt_install cmake
    hash -r
  fi
  tb_cmake_ok || { echo "error: cmake >= $TB_MIN_CMAKE not found" >&2; return 1; }
  command -v ninja >/dev/null 2>&1 || tb_apt_install ninja-build
}

# CMake finds nvcc on PATH; the toolkit's usual home is not always on it.
tb_ensure_cuda_path() {
  if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH="/usr/local/cuda/bin:$PATH"
  fi
}

tb_setup_cpp() {
  tb_apt_install "${TB_APT_PACKAGES[@]}"
  tb_ensure_cmake
  tb_ensure_cuda_path
  echo "cmake: $(cmake --version | head -n 1)"
  echo "ninja: $(ninja --version)"
  echo "c++:   $(c++ --version | head -n 1)"
  if command -v nvcc >/dev/null 2>&1; then
    echo "nvcc:  $(nvcc --version | tail -n 1)"
  else
    echo "nvcc:  not found (the nvcc header check is skipped)"
  fi
}
