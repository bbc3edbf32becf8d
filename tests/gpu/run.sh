#!/usr/bin/env bash
# tensorbridge's GPU tests and GPU benchmark on a machine with an NVIDIA GPU, in one go, with
# everything printed (about 3 minutes to build on 16 cores, 2 to run).
#
#   tests/gpu/run.sh         configure, build, run the GPU tests (ctest -L gpu), benchmark;
#                            then build the Python extension with CUDA, smoke-test it step by
#                            step (tests/gpu/python_smoke.py: alone, PyTorch loaded first,
#                            PyTorch imported first, PyTorch loaded after; a crash prints the C++ runtime's symbol
#                            bindings and the native stack), in three variants built in
#                            parallel (default, private C++ runtime, portable: no -march=native
#                            and no LTO); run the Python GPU tests and the Python benchmark with
#                            the first variant that passed
#   tests/gpu/run.sh build   configure and build only, then gather the test and benchmark
#                            binaries and the shared libraries they need (CUDA runtime,
#                            GoogleTest, Google Benchmark) in build/gpu-carry. Needs no GPU:
#                            build on a workstation, copy build/gpu-carry to the GPU machine.
#   tests/gpu/run.sh run     run build/gpu-carry's binaries, then the Python part as above
#                            (which compiles the extension there: needs nvcc and g++)
#   tests/gpu/run.sh python  the Python part only
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

# The C++ benchmark (bench_cuda) beside PyTorch in the same run: $1 the binary, $2 extra
# library folders.
do_bench() {
  local bin="$1" libs="$2" lib
  section "benchmark (tensorbridge and PyTorch, same GPU, same run)"
  lib="$(cublas_library_path)"
  LD_LIBRARY_PATH="${libs:+$libs:}${lib:+$lib:}${LD_LIBRARY_PATH:-}" \
    "$python" benchmarks/bench_cuda.py "$bin"
}

# The Python extension with CUDA support, built here by pip (needs nvcc, pybind11 and
# scikit-build-core, no network), installed into a scratch folder, then the Python GPU tests
# and the Python benchmark against PyTorch and CuPy.
python_site="${TB_PYTHON_SITE:-/tmp/tensorbridge-cuda-python}"  # plus -<variant>

# The extension variants, name and extra pip -C options: the default build, the C++ runtime
# linked in privately (TENSORBRIDGE_STATIC_CXX_RUNTIME), and a portable one (no -march=native,
# no LTO). A CUDA build once crashed at its first C++ exception on a GPU machine next to
# PyTorch's CUDA libraries; which variants pass the smoke test tells which factor matters.
python_variants=(default static-cxx portable)
variant_options() {
  case "$1" in
    default) ;;
    static-cxx) echo "-C cmake.define.TENSORBRIDGE_STATIC_CXX_RUNTIME=ON" ;;
    portable) echo "-C cmake.define.TENSORBRIDGE_NATIVE=OFF -C cmake.define.CMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF" ;;
  esac
}
variant_site() { echo "$python_site-$1"; }

# $1: the variant (see python_variants). Builds it into its own site folder, log on stdout.
do_python_build() {
  local variant="$1" site cublas_root args=() start=$SECONDS
  site="$(variant_site "$variant")"
  rm -rf "$site"  # a folder left by an earlier run must not pass for this build
  cublas_root="$(find_cublas_root)"
  [[ -n "$cublas_root" ]] && args+=(-C "cmake.define.TENSORBRIDGE_CUBLAS_INCLUDE_DIR=$cublas_root/include")
  # shellcheck disable=SC2046  # the options are words
  PIP_NO_CACHE_DIR=1 CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$python" -m pip install -q \
    --no-build-isolation --no-deps --upgrade --target "$site" -C cmake.define.TENSORBRIDGE_CUDA=ON \
    -C "build-dir=build/gpu-python-$variant" "${args[@]}" $(variant_options "$variant") . || return 1
  echo "built in $((SECONDS - start)) s"
}

# All variants at once (each build is mostly one nvcc file and one LTO link: they overlap
# well on a many-core machine), in the background: they use the CPUs while the C++ GPU tests
# use the GPU. do_python_builds_wait then prints their logs in order and fails only when none
# built.
python_build_pids=()
python_builds_start=0
do_python_builds_start() {
  (( ${#python_build_pids[@]} )) && return
  section "Python extension with CUDA: building ${python_variants[*]} in parallel (background)"
  python_builds_start=$SECONDS
  local variant
  for variant in "${python_variants[@]}"; do
    do_python_build "$variant" >"/tmp/tb-build-$variant.log" 2>&1 &
    python_build_pids+=($!)
  done
}

python_builds_status=""
do_python_builds_wait() {
  [[ -n "$python_builds_status" ]] && return "$python_builds_status"
  do_python_builds_start
  local variant built=0 pid
  for pid in "${python_build_pids[@]}"; do wait "$pid"; done
  section "Python extension builds done, $((SECONDS - python_builds_start)) s after they started"
  for variant in "${python_variants[@]}"; do
    section "build $variant ($(variant_options "$variant"))"
    tail -30 "/tmp/tb-build-$variant.log"
    [[ -d "$(variant_site "$variant")/tensorbridge" ]] && built=1
  done
  python_builds_status=$(( built ? 0 : 1 ))
  return "$python_builds_status"
}

python_env() {
  local lib
  lib="$(cublas_library_path)"
  env PYTHONPATH="$site" XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1 \
    LD_LIBRARY_PATH="${lib:+$lib:}${LD_LIBRARY_PATH:-}" "$@"
}

python_gpu_tests=(tests/python/test_cuda_gpu.py tests/python/test_cuda.py
                  tests/python/test_dlpack.py tests/python/test_creation.py
                  tests/python/test_einsum.py)

# The step-by-step smoke test (tests/gpu/python_smoke.py) in its four stages, for the
# variant in $site; the first crash of the run also prints what the dynamic linker bound the
# extension's C++ runtime calls to, and the native stack.
diagnosed=0
do_python_smoke() {
  section "Python smoke test ($site)"
  local stage rc status=0
  for stage in alone torch_first torch_imported torch_after; do
    python_env timeout 120 "$python" tests/gpu/python_smoke.py "$stage"
    rc=$?
    (( rc == 0 )) && continue
    status=1
    echo "stage $stage: exit status $rc"
    if (( rc > 128 && !diagnosed )); then
      diagnosed=1
      diagnose_crash "$stage"
    fi
  done
  return $status
}

# Libraries that define the C++ runtime's exception entry points (a copy of libstdc++ or
# libgcc_eh linked into another library and exported would catch our throws), and where the
# extension's own calls went.
diagnose_crash() {
  local stage="$1" so
  section "crash in stage $stage: C++ runtime bindings (LD_DEBUG=bindings)"
  python_env env LD_DEBUG=bindings LD_DEBUG_OUTPUT=/tmp/tb-bindings timeout 120 \
    "$python" tests/gpu/python_smoke.py "$stage" >/dev/null 2>&1
  cat /tmp/tb-bindings.* 2>/dev/null | awk -f tests/gpu/runtime_bindings.awk | sort | uniq -c | head -60
  rm -f /tmp/tb-bindings.*
  section "libraries in the process that export __cxa_throw or _Unwind_RaiseException"
  so="$(python_env "$python" -c 'import tensorbridge._C as c; print(c.__file__)' 2>/dev/null)"
  python_env "$python" -c 'import torch; torch.ones(1, device="cuda"); import tensorbridge
print(open("/proc/self/maps").read())' \
    2>/dev/null | awk '{print $6}' | grep '\.so' | sort -u | while read -r lib; do
      nm -D --defined-only "$lib" 2>/dev/null | grep -qE ' (__cxa_throw|_Unwind_RaiseException)(@|$)' \
        && echo "  $lib"
    done
  echo "extension: $so"
  [[ -n "$so" ]] && ldd "$so"
  if command -v cuda-gdb >/dev/null; then
    section "crash in stage $stage: native stack (cuda-gdb)"
    python_env timeout 90 cuda-gdb -q -batch -ex run -ex "bt 40" \
      --args "$python" tests/gpu/python_smoke.py "$stage" 2>&1 \
      | grep -v '^\[New Thread\|^\[Thread .* exited\|^\[Detaching' | tail -60
  fi
}

do_python_tests() {
  section "Python GPU tests ($site)"
  python_env "$python" -m pytest -q -p no:cacheprovider "${python_gpu_tests[@]}"
  local rc=$?
  if (( rc > 128 )) && command -v cuda-gdb >/dev/null; then
    # A crash: the native frames of the first one (Python's faulthandler shows only Python's).
    section "native backtrace of the crash (cuda-gdb)"
    python_env timeout 120 cuda-gdb -q -batch -ex run -ex "bt 40" --args "$python" -m pytest -x -q \
      -p no:cacheprovider -p no:faulthandler "${python_gpu_tests[@]}" 2>&1 \
      | grep -v '^\[New Thread\|^\[Thread .* exited\|^\[Detaching' | tail -60
  fi
  return $rc
}

do_python_bench() {
  section "Python benchmark (tensorbridge, PyTorch, CuPy; same GPU, same process)"
  python_env "$python" benchmarks/bench_cuda_python.py
}

# Build every variant, smoke-test the default one and, when it fails, the others; then run the
# tests and the benchmark with the first variant that passed.
do_python() {
  do_python_builds_wait || return 1
  local variant chosen="" summary=""
  for variant in "${python_variants[@]}"; do
    site="$(variant_site "$variant")"
    if [[ "$chosen" == default ]]; then
      summary+="  $variant: not smoke-tested (the default build passed)"$'\n'
    elif [[ ! -d "$site/tensorbridge" ]]; then
      summary+="  $variant: did not build"$'\n'
    elif do_python_smoke; then
      summary+="  $variant: smoke test passed"$'\n'
      [[ -z "$chosen" ]] && chosen="$variant"
    else
      summary+="  $variant: smoke test FAILED"$'\n'
    fi
  done
  section "smoke test summary"
  printf '%s' "$summary"
  [[ -n "$chosen" ]] || return 1
  echo "tests and benchmark use the $chosen build"
  site="$(variant_site "$chosen")"
  local status=0
  [[ "$chosen" == default ]] || status=1  # the default build must work too
  do_python_tests || status=1
  do_python_bench || status=1
  return $status
}

# Where nvidia-smi sees a GPU, GPU tests must not skip (tests fail instead: see TB_REQUIRE_GPU).
if nvidia-smi -L >/dev/null 2>&1; then export TB_EXPECT_GPU=1; fi

status=0
case "$mode" in
  all)
    print_machine
    do_build || exit 1
    do_python_builds_start
    do_tests_ctest || status=1
    do_python_builds_wait  # the benchmarks want idle CPUs
    do_bench "$build/tests/cuda/bench_cuda" "" || status=1
    do_python || status=1
    ;;
  build)
    print_machine
    do_build || exit 1
    gather_carry
    ;;
  run)
    print_machine
    do_python_builds_start
    do_tests_carry || status=1
    do_python_builds_wait  # the benchmarks want idle CPUs
    do_bench "$carry/bin/bench_cuda" "$carry/lib" || status=1
    do_python || status=1
    ;;
  python)
    print_machine
    do_python || status=1
    ;;
  *)
    echo "usage: $0 [all|build|run|python]" >&2
    exit 2
    ;;
esac
section "done (status $status)"
exit $status
