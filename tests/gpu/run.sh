#!/usr/bin/env bash
# tensorbridge's GPU tests and GPU benchmark on a machine with an NVIDIA GPU, in one go, with
# everything printed (about 3 minutes to build on 16 cores, 2 to run).
#
#   tests/gpu/run.sh         configure, build, run the GPU tests (ctest -L gpu), benchmark
#   tests/gpu/run.sh build   configure and build only, then gather the test and benchmark
#                            binaries and the shared libraries they need (CUDA runtime,
#                            GoogleTest, Google Benchmark) in build/gpu-carry. Needs no GPU:
#                            build on a workstation, copy build/gpu-carry to the GPU machine.
#   tests/gpu/run.sh run     run build/gpu-carry's binaries (no compiler needed there)
#
# Environment:
#   TB_GPU_BUILD    build folder (default build/gpu)
#   TB_CUDA_ARCH    CUDA architectures (default: native when nvidia-smi sees a GPU, else 90,
#                   which is what H100 and H200 are)
#   TB_CUBLAS_ROOT  a folder with include/cublas_v2.h and lib/libcublas.so.N, when the CUDA
#                   toolkit has no cuBLAS (default: the nvidia-cublas wheel of python3's
#                   site-packages, where PyTorch's CUDA build puts it)
#   PYTHON          the Python that runs benchmarks/bench_cuda.py next to PyTorch (python3)
set -uo pipefail

cd "$(dirname "$0")/../.."
mode="${1:-all}"
build="${TB_GPU_BUILD:-build/gpu}"
carry="build/gpu-carry"
python="${PYTHON:-python3}"
export PATH="$PATH:/usr/local/cuda/bin"

section() { printf '\n==== %s ====\n' "$*"; }

find_cublas_root() {
  if [[ -n "${TB_CUBLAS_ROOT:-}" ]]; then echo "$TB_CUBLAS_ROOT"; return; fi
  local site
  site="$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null)"
  for dir in "$site/nvidia/cu13" "$site/nvidia/cublas" "$site/nvidia/cu12"; do
    if [[ -f "$dir/include/cublas_v2.h" ]]; then echo "$dir"; return; fi
  done
}

print_machine() {
  section "machine"
  nvidia-smi || echo "nvidia-smi: not available"
  command -v nvcc >/dev/null && nvcc --version | tail -2
  command -v cmake >/dev/null && cmake --version | head -1
  nproc
  "$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda,
                "available", torch.cuda.is_available())' 2>/dev/null || echo "torch: not importable"
}

do_build() {
  local arch="${TB_CUDA_ARCH:-${CUDAARCHS:-}}"
  if [[ -z "$arch" ]]; then
    if nvidia-smi -L >/dev/null 2>&1; then arch=native; else arch=90; fi
  fi
  local cublas_root extra=()
  cublas_root="$(find_cublas_root)"
  if [[ -n "$cublas_root" ]]; then
    extra+=("-DTENSORBRIDGE_CUBLAS_INCLUDE_DIR=$cublas_root/include")
    echo "cuBLAS headers: $cublas_root/include"
  fi
  section "configure ($build, CUDA architectures $arch)"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CUDA_ARCHITECTURES="$arch" -DTENSORBRIDGE_BUILD_GPU_BENCHMARK=ON \
    -DTENSORBRIDGE_HEADER_CHECK=OFF -DTENSORBRIDGE_BUILD_EXAMPLES=OFF \
    -DTENSORBRIDGE_BUILD_BENCHMARKS=OFF -DTENSORBRIDGE_INSTALL=OFF "${extra[@]}" || return 1
  section "build"
  local start=$SECONDS
  cmake --build "$build" -j "$(nproc)" --target test_cuda_runtime test_cuda_kernels bench_cuda \
    || return 1
  echo "built in $((SECONDS - start)) s"
}

# Binaries plus the non-system shared libraries they load, for a machine without the toolchain.
gather_carry() {
  rm -rf "$carry" && mkdir -p "$carry/bin" "$carry/lib"
  local bin
  for bin in test_cuda_runtime test_cuda_kernels bench_cuda; do
    cp "$build/tests/cuda/$bin" "$carry/bin/"
    ldd "$build/tests/cuda/$bin" | awk '/=> \// {print $3}' \
      | grep -E 'cudart|gtest|gmock|benchmark' | xargs -r -I{} cp -L {} "$carry/lib/"
  done
  du -sh "$carry"
}

cublas_library_path() {
  local root
  root="$(find_cublas_root)"
  [[ -n "$root" && -d "$root/lib" ]] && echo "$root/lib"
}

do_tests_ctest() {
  section "GPU tests (ctest -L gpu)"
  local lib
  lib="$(cublas_library_path)"
  LD_LIBRARY_PATH="${lib:+$lib:}${LD_LIBRARY_PATH:-}" \
    ctest --test-dir "$build" -L gpu --output-on-failure --timeout 300
}

do_tests_carry() {
  section "GPU tests (gathered binaries)"
  local lib status=0 bin
  lib="$(cublas_library_path)"
  for bin in test_cuda_runtime test_cuda_kernels; do
    LD_LIBRARY_PATH="$carry/lib${lib:+:$lib}:${LD_LIBRARY_PATH:-}" "$carry/bin/$bin" \
      || status=1
  done
  return $status
}

do_bench() {
  local bin="$1" libs="$2"
  section "benchmark (tensorbridge and PyTorch, same GPU, same run)"
  local lib
  lib="$(cublas_library_path)"
  LD_LIBRARY_PATH="${libs:+$libs:}${lib:+$lib:}${LD_LIBRARY_PATH:-}" \
    "$python" benchmarks/bench_cuda.py "$bin"
}

# Where nvidia-smi sees a GPU, GPU tests must not skip (tests fail instead: see TB_REQUIRE_GPU).
if nvidia-smi -L >/dev/null 2>&1; then export TB_EXPECT_GPU=1; fi

status=0
case "$mode" in
  all)
    print_machine
    do_build || exit 1
    do_tests_ctest || status=1
    do_bench "$build/tests/cuda/bench_cuda" "" || status=1
    ;;
  build)
    print_machine
    do_build || exit 1
    gather_carry
    ;;
  run)
    print_machine
    do_tests_carry || status=1
    do_bench "$carry/bin/bench_cuda" "$carry/lib" || status=1
    ;;
  *)
    echo "usage: $0 [all|build|run]" >&2
    exit 2
    ;;
esac
section "done (status $status)"
exit $status
