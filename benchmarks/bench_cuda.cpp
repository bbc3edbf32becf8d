// tensorbridge on a CUDA GPU: elementwise ops and a reduction on 10^8 float32 (memory bound:
// judged by GB/s), a 4096 float32 GEMM (FLOP/s), host<->device copies (pageable and pinned)
// and the cost of a DLPack export + import of a device tensor. Kernel times come from CUDA
// events on the current stream; copies and DLPack are timed on the host (they synchronize or
// never touch the device). benchmarks/bench_cuda.py runs this binary and PyTorch's
// equivalents in the same run and prints them side by side.
//
// Names: <case>/<elements>; bytes/s counts every byte read and written once.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>

#include "tensorbridge/core/factory.hpp"
#include "tensorbridge/cuda/cuda.hpp"
#include "tensorbridge/interop/dlpack.hpp"
#include "tensorbridge/ops/binary.hpp"
#include "tensorbridge/ops/linalg.hpp"
#include "tensorbridge/ops/reduce.hpp"
#include "tensorbridge/ops/unary.hpp"

namespace tb = tensorbridge;
namespace tbc = tensorbridge::cuda;
namespace ops = tensorbridge::ops;

namespace {

const tb::Device kGpu = tb::Device::cuda(0);

bool skip_without_gpu(benchmark::State& state) {
  if (tbc::is_available()) return false;
  state.SkipWithError("no CUDA device");
  return true;
}

// Times `body` per iteration with CUDA events on the current stream (device time).
template <typename Body>
void device_timed(benchmark::State& state, Body&& body) {
  body();  // warm-up: pool allocations, cuBLAS handle, module loading
  tbc::Event start(true), stop(true);
  for (auto _ : state) {
    start.record();
    body();
    stop.record();
    stop.synchronize();
    state.SetIterationTime(start.elapsed_ms(stop) / 1e3);
  }
}

// Times `body` on the host, including a synchronization of the current stream.
template <typename Body>
void host_timed(benchmark::State& state, Body&& body) {
  body();
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    tbc::current_stream().synchronize();
    const auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
  }
}

void report_bytes(benchmark::State& state, int64_t bytes) {
  state.SetBytesProcessed(state.iterations() * bytes);
}

void BM_add(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int64_t n = state.range(0);
  const auto a = tb::full({n}, 1.5, tb::DType::Float32, kGpu);
  const auto b = tb::full({n}, 2.5, tb::DType::Float32, kGpu);
  device_timed(state, [&] { benchmark::DoNotOptimize(ops::add(a, b)); });
  report_bytes(state, 3 * n * 4);
}

void BM_exp(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int64_t n = state.range(0);
  const auto a = tb::full({n}, 0.5, tb::DType::Float32, kGpu);
  device_timed(state, [&] { benchmark::DoNotOptimize(ops::exp(a)); });
  report_bytes(state, 2 * n * 4);
}

void BM_sum(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int64_t n = state.range(0);
  const auto a = tb::full({n}, 0.5, tb::DType::Float32, kGpu);
  device_timed(state, [&] { benchmark::DoNotOptimize(ops::sum(a)); });
  report_bytes(state, n * 4);
}

void BM_gemm(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int64_t n = state.range(0);
  const auto a = tb::full({n, n}, 0.5, tb::DType::Float32, kGpu);
  const auto b = tb::full({n, n}, 0.25, tb::DType::Float32, kGpu);
  device_timed(state, [&] { benchmark::DoNotOptimize(ops::matmul(a, b)); });
  state.counters["FLOP/s"] = benchmark::Counter(double(2 * n * n * n) * double(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

// Device -> pageable host, as t.cpu() does (a fresh host tensor each time).
void BM_d2h_pageable(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int64_t n = state.range(0);
  const auto g = tb::full({n}, 1.0, tb::DType::Float32, kGpu);
  host_timed(state, [&] { benchmark::DoNotOptimize(g.cpu()); });
  report_bytes(state, n * 4);
}

void BM_h2d_pageable(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int64_t n = state.range(0);
  const auto h = tb::full({n}, 1.0, tb::DType::Float32);
  const auto g = tb::empty({n}, tb::DType::Float32, kGpu);
  host_timed(state, [&] { g.copy_(h, false); });
  report_bytes(state, n * 4);
}

void BM_d2h_pinned(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int64_t n = state.range(0);
  const auto g = tb::full({n}, 1.0, tb::DType::Float32, kGpu);
  const auto h = tbc::empty_pinned({n});
  host_timed(state, [&] { h.copy_(g, true); });
  report_bytes(state, n * 4);
}

void BM_h2d_pinned(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const int64_t n = state.range(0);
  const auto h = tbc::pin_memory(tb::full({n}, 1.0, tb::DType::Float32));
  const auto g = tb::empty({n}, tb::DType::Float32, kGpu);
  host_timed(state, [&] { g.copy_(h, true); });
  report_bytes(state, n * 4);
}

// Export a device tensor and import it back (what a Python round trip does underneath).
void BM_dlpack_round_trip(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const auto g = tb::full({1024}, 1.0, tb::DType::Float32, kGpu);
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    tb::TensorBase back = tb::from_dlpack(tb::to_dlpack_versioned(g));
    benchmark::DoNotOptimize(back.data_ptr());
    back = tb::TensorBase();  // runs the deleter
    const auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
  }
}

constexpr int64_t kBig = 100'000'000;

BENCHMARK(BM_add)->Arg(kBig)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_exp)->Arg(kBig)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_sum)->Arg(kBig)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_gemm)->Arg(4096)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_d2h_pageable)->Arg(kBig)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_h2d_pageable)->Arg(kBig)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_d2h_pinned)->Arg(kBig)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_h2d_pinned)->Arg(kBig)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_dlpack_round_trip)->UseManualTime()->Unit(benchmark::kNanosecond);

}  // namespace
