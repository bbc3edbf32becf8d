// CPU elementwise ops and reductions on float32, side by side with Eigen in the same process,
// plus the ceilings they are judged against: a STREAM-style copy/triad (memory bandwidth at
// the same sizes, and far above the last-level cache) and a multiply-add loop (compute).
//
// Names: <lib>_<op>[_variant]/<elements>. Variants: "new" allocates the result each time
// (out-of-place, first touch included), "out" writes into a preallocated tensor, "inplace"
// updates the first operand; "t" operands are transposed views of a 2-D row-major matrix
// with the same number of elements (for add/mul the second operand stays row-major, so one
// side is read across strides). Run on one thread: no OpenMP here.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <utility>

#include <Eigen/Core>

#include "tensorbridge/tensorbridge.hpp"

namespace tb = tensorbridge;

namespace {

using Array = Eigen::Array<float, Eigen::Dynamic, 1>;
using ArrayMap = Eigen::Map<Array>;
using ConstArrayMap = Eigen::Map<const Array>;
using RowMatrix = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMap = Eigen::Map<const RowMatrix>;
using RowMap = Eigen::Map<RowMatrix>;

// A 2-D factorization of n with both sides large: 1000 -> 25x40, 10^5 -> 250x400, 10^7 ->
// 2500x4000.
std::pair<int64_t, int64_t> matrix_shape(int64_t n) {
  int64_t rows = 1;
  while (rows * rows * 8 < n * 5) ++rows;
  while (n % rows != 0) ++rows;
  return {rows, n / rows};
}

tb::Tensor<float> filled(const tb::Shape& shape, float offset) {
  auto t = tb::empty<float>(shape);
  float* p = t.data();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = offset + float(i % 1024) / 1024.0f;
  return t;
}

void report(benchmark::State& state, int64_t n, int arrays) {
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * arrays * int64_t(sizeof(float)));
}

enum class Op { Add, Mul };

tb::TensorBase apply(Op op, const tb::TensorBase& a, const tb::TensorBase& b) {
  return op == Op::Add ? a + b : a * b;
}

// ---- binary: tensorbridge ------------------------------------------------------------------
void tb_binary_new(benchmark::State& state, Op op) {
  const int64_t n = state.range(0);
  auto a = filled({n}, 0.5f), b = filled({n}, 1.0f);
  for (auto _ : state) {
    tb::TensorBase c = apply(op, a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  report(state, n, 3);
}
void tb_binary_out(benchmark::State& state, Op op) {
  const int64_t n = state.range(0);
  auto a = filled({n}, 0.5f), b = filled({n}, 1.0f), c = tb::empty<float>({n});
  for (auto _ : state) {
    if (op == Op::Add) {
      tb::ops::add_out(c, a, b);
    } else {
      tb::ops::mul_out(c, a, b);
    }
    benchmark::ClobberMemory();
  }
  report(state, n, 3);
}
void tb_binary_inplace(benchmark::State& state, Op op) {
  const int64_t n = state.range(0);
  // Adding tiny values or multiplying by one keeps the data unchanged and finite.
  auto a = filled({n}, 0.5f);
  auto b = op == Op::Add ? filled({n}, 1e-30f) : tb::ones<float>({n});
  for (auto _ : state) {
    if (op == Op::Add) {
      a += b;
    } else {
      a *= b;
    }
    benchmark::ClobberMemory();
  }
  report(state, n, 3);
}
void tb_binary_t_new(benchmark::State& state, Op op) {
  const int64_t n = state.range(0);
  const auto [rows, cols] = matrix_shape(n);
  auto at = tb::TensorBase(filled({cols, rows}, 0.5f)).t();  // [rows, cols], column-major
  auto b = filled({rows, cols}, 1.0f);
  for (auto _ : state) {
    tb::TensorBase c = apply(op, at, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  report(state, n, 3);
}
void tb_binary_t_out(benchmark::State& state, Op op) {
  const int64_t n = state.range(0);
  const auto [rows, cols] = matrix_shape(n);
  auto at = tb::TensorBase(filled({cols, rows}, 0.5f)).t();
  auto b = filled({rows, cols}, 1.0f);
  auto c = tb::empty<float>({rows, cols});
  for (auto _ : state) {
    if (op == Op::Add) {
      tb::ops::add_out(c, at, b);
    } else {
      tb::ops::mul_out(c, at, b);
    }
    benchmark::ClobberMemory();
  }
  report(state, n, 3);
}

// ---- binary: Eigen -------------------------------------------------------------------------
void eigen_binary_new(benchmark::State& state, Op op) {
  const int64_t n = state.range(0);
  auto a = filled({n}, 0.5f), b = filled({n}, 1.0f);
  ConstArrayMap ea(a.data(), n), eb(b.data(), n);
  for (auto _ : state) {
    Array c = op == Op::Add ? Array(ea + eb) : Array(ea * eb);
    benchmark::DoNotOptimize(c.data());
  }
  report(state, n, 3);
}
void eigen_binary_out(benchmark::State& state, Op op) {
  const int64_t n = state.range(0);
  auto a = filled({n}, 0.5f), b = filled({n}, 1.0f), c = tb::empty<float>({n});
  ConstArrayMap ea(a.data(), n), eb(b.data(), n);
  ArrayMap ec(c.data(), n);
  for (auto _ : state) {
    if (op == Op::Add) {
      ec = ea + eb;
    } else {
      ec = ea * eb;
    }
    benchmark::ClobberMemory();
  }
  report(state, n, 3);
}
void eigen_binary_t_out(benchmark::State& state, Op op) {
  const int64_t n = state.range(0);
  const auto [rows, cols] = matrix_shape(n);
  auto a = filled({cols, rows}, 0.5f), b = filled({rows, cols}, 1.0f);
  auto c = tb::empty<float>({rows, cols});
  ConstRowMap ea(a.data(), cols, rows), eb(b.data(), rows, cols);
  RowMap ec(c.data(), rows, cols);
  for (auto _ : state) {
    if (op == Op::Add) {
      ec = ea.transpose() + eb;
    } else {
      ec = ea.transpose() * eb;
    }
    benchmark::ClobberMemory();
  }
  report(state, n, 3);
}

// ---- exp ---------------------------------------------------------------------------------
void tb_exp_new(benchmark::State& state) {
  const int64_t n = state.range(0);
  auto a = filled({n}, -0.5f);
  for (auto _ : state) {
    tb::TensorBase c = tb::exp(a);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  report(state, n, 2);
}
void tb_exp_inplace(benchmark::State& state) {
  const int64_t n = state.range(0);
  // The values run off to inf after a few rounds; Eigen's exp costs the same for any input.
  auto a = filled({n}, -0.5f);
  for (auto _ : state) {
    a.exp_();
    benchmark::ClobberMemory();
  }
  report(state, n, 2);
}
void tb_exp_t_new(benchmark::State& state) {
  const int64_t n = state.range(0);
  const auto [rows, cols] = matrix_shape(n);
  auto at = tb::TensorBase(filled({cols, rows}, -0.5f)).t();
  for (auto _ : state) {
    tb::TensorBase c = tb::exp(at);  // the result takes the transposed layout, like PyTorch
    benchmark::DoNotOptimize(c.data_ptr());
  }
  report(state, n, 2);
}
void eigen_exp_new(benchmark::State& state) {
  const int64_t n = state.range(0);
  auto a = filled({n}, -0.5f);
  ConstArrayMap ea(a.data(), n);
  for (auto _ : state) {
    Array c = ea.exp();
    benchmark::DoNotOptimize(c.data());
  }
  report(state, n, 2);
}
void eigen_exp_out(benchmark::State& state) {
  const int64_t n = state.range(0);
  auto a = filled({n}, -0.5f), c = tb::empty<float>({n});
  ConstArrayMap ea(a.data(), n);
  ArrayMap ec(c.data(), n);
  for (auto _ : state) {
    ec = ea.exp();
    benchmark::ClobberMemory();
  }
  report(state, n, 2);
}

// ---- sum ---------------------------------------------------------------------------------
void tb_sum(benchmark::State& state) {
  const int64_t n = state.range(0);
  auto a = filled({n}, 0.5f);
  for (auto _ : state) {
    tb::TensorBase s = tb::sum(a);
    benchmark::DoNotOptimize(s.data_ptr());
  }
  report(state, n, 1);
}
void tb_sum_t(benchmark::State& state) {
  const int64_t n = state.range(0);
  const auto [rows, cols] = matrix_shape(n);
  auto at = tb::TensorBase(filled({cols, rows}, 0.5f)).t();
  for (auto _ : state) {
    tb::TensorBase s = tb::sum(at);
    benchmark::DoNotOptimize(s.data_ptr());
  }
  report(state, n, 1);
}
// Along one dim of a row-major matrix: dim 1 reduces rows (inner), dim 0 columns (outer).
void tb_sum_dim(benchmark::State& state, int64_t dim) {
  const int64_t n = state.range(0);
  const auto [rows, cols] = matrix_shape(n);
  auto m = filled({rows, cols}, 0.5f);
  for (auto _ : state) {
    tb::TensorBase s = tb::sum(m, {dim});
    benchmark::DoNotOptimize(s.data_ptr());
  }
  report(state, n, 1);
}
void eigen_sum(benchmark::State& state) {
  const int64_t n = state.range(0);
  auto a = filled({n}, 0.5f);
  ConstArrayMap ea(a.data(), n);
  for (auto _ : state) {
    float s = ea.sum();
    benchmark::DoNotOptimize(s);
  }
  report(state, n, 1);
}
void eigen_sum_t(benchmark::State& state) {
  const int64_t n = state.range(0);
  const auto [rows, cols] = matrix_shape(n);
  auto a = filled({cols, rows}, 0.5f);
  ConstRowMap ea(a.data(), cols, rows);
  for (auto _ : state) {
    float s = ea.transpose().sum();
    benchmark::DoNotOptimize(s);
  }
  report(state, n, 1);
}
void eigen_sum_dim(benchmark::State& state, int64_t dim) {
  const int64_t n = state.range(0);
  const auto [rows, cols] = matrix_shape(n);
  auto m = filled({rows, cols}, 0.5f);
  ConstRowMap em(m.data(), rows, cols);
  for (auto _ : state) {
    if (dim == 1) {
      Eigen::ArrayXf s = em.rowwise().sum();
      benchmark::DoNotOptimize(s.data());
    } else {
      Eigen::Array<float, 1, Eigen::Dynamic> s = em.colwise().sum();
      benchmark::DoNotOptimize(s.data());
    }
  }
  report(state, n, 1);
}

// ---- ceilings ------------------------------------------------------------------------------
// STREAM copy (c = a) and triad (a = b + s * c), plain loops the compiler vectorizes.
void stream_copy(benchmark::State& state) {
  const int64_t n = state.range(0);
  auto a = filled({n}, 0.5f), c = tb::empty<float>({n});
  const float* pa = a.data();
  float* pc = c.data();
  for (auto _ : state) {
    for (int64_t i = 0; i < n; ++i) pc[i] = pa[i];
    benchmark::ClobberMemory();
  }
  report(state, n, 2);
}
void stream_triad(benchmark::State& state) {
  const int64_t n = state.range(0);
  auto a = tb::empty<float>({n}), b = filled({n}, 0.5f), c = filled({n}, 1.0f);
  float* pa = a.data();
  const float* pb = b.data();
  const float* pc = c.data();
  const float s = 3.0f;
  for (auto _ : state) {
    for (int64_t i = 0; i < n; ++i) pa[i] = pb[i] + s * pc[i];
    benchmark::ClobberMemory();
  }
  report(state, n, 3);
}
// Independent multiply-adds on 64 lanes held in registers: the compute ceiling (2 flops
// each) for the instruction set this build targets.
void fma_peak(benchmark::State& state) {
  float acc[64];
  for (int j = 0; j < 64; ++j) acc[j] = float(j);
  const float m = 0.9999999f, c = 1e-7f;
  constexpr int kRounds = 4096;
  for (auto _ : state) {
    for (int r = 0; r < kRounds; ++r) {
      for (float& v : acc) v = v * m + c;
    }
    benchmark::DoNotOptimize(acc);
  }
  state.counters["GFLOP/s"] = benchmark::Counter(double(state.iterations()) * kRounds * 64 * 2,
                                                 benchmark::Counter::kIsRate);
}

void sizes(benchmark::internal::Benchmark* b) {
  b->Arg(1000)->Arg(100000)->Arg(10000000)->Unit(benchmark::kMicrosecond);
}
void sizes_and_dram(benchmark::internal::Benchmark* b) {
  sizes(b);
  b->Arg(int64_t(1) << 27);  // 512 MiB per array: beyond even a 300 MiB L3
}

}  // namespace

BENCHMARK_CAPTURE(tb_binary_new, add, Op::Add)->Apply(sizes);
BENCHMARK_CAPTURE(tb_binary_out, add, Op::Add)->Apply(sizes);
BENCHMARK_CAPTURE(tb_binary_inplace, add, Op::Add)->Apply(sizes);
BENCHMARK_CAPTURE(eigen_binary_new, add, Op::Add)->Apply(sizes);
BENCHMARK_CAPTURE(eigen_binary_out, add, Op::Add)->Apply(sizes);
BENCHMARK_CAPTURE(tb_binary_t_new, add, Op::Add)->Apply(sizes);
BENCHMARK_CAPTURE(tb_binary_t_out, add, Op::Add)->Apply(sizes);
BENCHMARK_CAPTURE(eigen_binary_t_out, add, Op::Add)->Apply(sizes);
BENCHMARK_CAPTURE(tb_binary_new, mul, Op::Mul)->Apply(sizes);
BENCHMARK_CAPTURE(tb_binary_out, mul, Op::Mul)->Apply(sizes);
BENCHMARK_CAPTURE(tb_binary_inplace, mul, Op::Mul)->Apply(sizes);
BENCHMARK_CAPTURE(eigen_binary_new, mul, Op::Mul)->Apply(sizes);
BENCHMARK_CAPTURE(eigen_binary_out, mul, Op::Mul)->Apply(sizes);
BENCHMARK_CAPTURE(tb_binary_t_new, mul, Op::Mul)->Apply(sizes);
BENCHMARK_CAPTURE(tb_binary_t_out, mul, Op::Mul)->Apply(sizes);
BENCHMARK_CAPTURE(eigen_binary_t_out, mul, Op::Mul)->Apply(sizes);
BENCHMARK(tb_exp_new)->Apply(sizes);
BENCHMARK(tb_exp_inplace)->Apply(sizes);
BENCHMARK(eigen_exp_new)->Apply(sizes);
BENCHMARK(eigen_exp_out)->Apply(sizes);
BENCHMARK(tb_exp_t_new)->Apply(sizes);
BENCHMARK(tb_sum)->Apply(sizes);
BENCHMARK(eigen_sum)->Apply(sizes);
BENCHMARK(tb_sum_t)->Apply(sizes);
BENCHMARK(eigen_sum_t)->Apply(sizes);
BENCHMARK_CAPTURE(tb_sum_dim, rows, 1)->Apply(sizes);
BENCHMARK_CAPTURE(eigen_sum_dim, rows, 1)->Apply(sizes);
BENCHMARK_CAPTURE(tb_sum_dim, cols, 0)->Apply(sizes);
BENCHMARK_CAPTURE(eigen_sum_dim, cols, 0)->Apply(sizes);
BENCHMARK(stream_copy)->Apply(sizes_and_dram);
BENCHMARK(stream_triad)->Apply(sizes_and_dram);
BENCHMARK(fma_peak);
