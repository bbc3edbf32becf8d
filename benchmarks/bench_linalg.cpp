// float32 matmul at 64, 256 and 1024 on one thread: tb::matmul, Eigen called directly on
// the same memory in the same process, and an FMA loop on Eigen's own SIMD packets as the
// compute ceiling. After the Google Benchmark table, a summary gives GFLOP/s, the ratio to
// Eigen and the fraction of the FMA peak.
//
// Compile with the flags of the machine (-O3 -march=native) to measure its real ceiling:
// without them Eigen and the FMA loop both fall back to SSE2.
#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tensorbridge/ops/api_linalg.hpp"
#include "tensorbridge/ops/api_random.hpp"

namespace tb = tensorbridge;

namespace {

constexpr int64_t kSizes[] = {64, 256, 1024};

tb::TensorBase random_matrix(int64_t n, uint64_t seed) {
  tb::Generator g(seed);
  return tb::rand({n, n}, tb::DType::Float32, &g);
}

void set_flops(benchmark::State& state, double flops_per_iteration) {
  state.counters["FLOPS"] = benchmark::Counter(flops_per_iteration * double(state.iterations()),
                                               benchmark::Counter::kIsRate,
                                               benchmark::Counter::kIs1000);
}

void BM_tb_matmul(benchmark::State& state) {
  const int64_t n = state.range(0);
  const tb::TensorBase a = random_matrix(n, 1), b = random_matrix(n, 2);
  for (auto _ : state) {
    tb::TensorBase c = tb::matmul(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  set_flops(state, 2.0 * double(n) * double(n) * double(n));
}

// The same product straight through Eigen into a preallocated row-major matrix: the best
// tb::matmul can do (it adds the output allocation and the dispatch).
void BM_eigen_matmul(benchmark::State& state) {
  const int64_t n = state.range(0);
  const tb::TensorBase a = random_matrix(n, 1), b = random_matrix(n, 2);
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const RowMajor> ea(static_cast<const float*>(a.data_ptr()), n, n);
  const Eigen::Map<const RowMajor> eb(static_cast<const float*>(b.data_ptr()), n, n);
  RowMajor ec(n, n);
  for (auto _ : state) {
    ec.noalias() = ea * eb;
    benchmark::DoNotOptimize(ec.data());
  }
  set_flops(state, 2.0 * double(n) * double(n) * double(n));
}

// The compute ceiling on Eigen's widest float packet, as Eigen's GEMM kernel issues it:
// 12 independent fused multiply-add chains where the target has FMA (enough to cover its
// latency on two ports), else 6 multiply and 6 add chains (one flop per lane each). The
// chains are spelled out through an index sequence so that they live in registers.
namespace ei = Eigen::internal;
using Packet = ei::packet_traits<float>::type;
constexpr int kChains = 12;
#ifdef EIGEN_VECTORIZE_FMA
constexpr double kFlopsPerOp = 2.0;
template <std::size_t... I>
void peak_step(Packet (&acc)[kChains], const Packet& x, const Packet& y,
               std::index_sequence<I...>) {
  ((acc[I] = ei::pmadd(acc[I], x, y)), ...);
}
#else
constexpr double kFlopsPerOp = 1.0;
template <std::size_t... I>
void peak_step(Packet (&acc)[kChains], const Packet& x, const Packet& y,
               std::index_sequence<I...>) {
  // x is 1 here: repeated products must not decay into (slow) subnormals.
  ((acc[I] = I % 2 ? ei::padd(acc[I], y) : ei::pmul(acc[I], x)), ...);
}
#endif

void BM_fma_peak(benchmark::State& state) {
  constexpr int kSteps = 1 << 16;
  Packet acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = ei::pset1<Packet>(float(i));
  // acc * x + y converges to 1 with FMA; without it the products stay put.
  const Packet x = ei::pset1<Packet>(kFlopsPerOp == 2.0 ? 0.999999f : 1.0f);
  const Packet y = ei::pset1<Packet>(1e-6f);
  for (auto _ : state) {
    for (int s = 0; s < kSteps; ++s) peak_step(acc, x, y, std::make_index_sequence<kChains>());
    for (int i = 0; i < kChains; ++i) benchmark::DoNotOptimize(acc[i]);
  }
  set_flops(state, kFlopsPerOp * kChains * kSteps * ei::packet_traits<float>::size);
}

// Each size's pair runs back to back, so that load from other processes hits both alike.
BENCHMARK(BM_fma_peak)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_tb_matmul)->Arg(64)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_eigen_matmul)->Arg(64)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_tb_matmul)->Arg(256)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_eigen_matmul)->Arg(256)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_tb_matmul)->Arg(1024)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_eigen_matmul)->Arg(1024)->Unit(benchmark::kMicrosecond);

// Prints the usual table, then the summary once every run is in.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    // With --benchmark_repetitions the median stands for the runs (on a shared machine it
    // is steadier than the mean).
    for (const Run& run : runs) {
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type != Run::RT_Iteration && !median) continue;
      const auto it = run.counters.find("FLOPS");
      if (it == run.counters.end()) continue;
      const std::string name = run.run_name.str();
      if (median || !has_median_.count(name)) gflops_[name] = it->second.value / 1e9;
      if (median) has_median_.insert(name);
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    const double peak = gflops_["BM_fma_peak"];
    std::printf("\nfloat32 matmul, 1 thread (Eigen SIMD: %s)\nFMA peak: %.1f GFLOP/s\n",
                Eigen::SimdInstructionSetsInUse(), peak);
    std::printf("%6s %14s %14s %12s %12s\n", "n", "tb GFLOP/s", "Eigen GFLOP/s", "tb / Eigen",
                "tb / peak");
    for (int64_t n : kSizes) {
      const double t = gflops_["BM_tb_matmul/" + std::to_string(n)];
      const double e = gflops_["BM_eigen_matmul/" + std::to_string(n)];
      std::printf("%6lld %14.1f %14.1f %12.2f %11.0f%%\n", static_cast<long long>(n), t, e,
                  e > 0 ? t / e : 0.0, peak > 0 ? 100.0 * t / peak : 0.0);
    }
  }

 private:
  std::map<std::string, double> gflops_;
  std::set<std::string> has_median_;
};

}  // namespace

int main(int argc, char** argv) {
  // One thread by default: these machines are shared (Eigen threads only with OpenMP).
  Eigen::setNbThreads(1);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
