// The Schwarz preconditioner's block solves y = (L L^T)^{-1} y, side by side in one run: kernelsolve's
// detail::cholesky_block_solve with float64 and float32 factors (what an apply runs, one block per work item on the
// default execution space), KokkosBatched::SerialTrsm (what it ran before, float64), LAPACK dpotrs one block after
// another (the peer), and the read bound: one streaming pass over the same bytes of factors. Blocks of b points
// (Dv = 1), as many as make 256 MB of float64 factors, so that they come from memory as in a large solve.
//   bench_block_solve [--benchmark_filter=/700]
#include <kernelsolve/detail/simd_width.hpp>
#include <kernelsolve/solver/detail/block_cholesky_solve.hpp>
#include <kernelsolve/version.hpp>

#include <benchmark/benchmark.h>
#include <KokkosBatched_Trsm_Decl.hpp>
#include <KokkosBatched_Trsm_Serial_Impl.hpp>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>

extern "C" void dpotrs_(char const* uplo, int const* n, int const* nrhs, double const* a, int const* lda, double* b,
                        int const* ldb, int* info);

namespace {

using HostSpace = Kokkos::DefaultHostExecutionSpace;

/// nb well-conditioned lower factors of order b (unit-ish diagonal, small off-diagonal), one after another, and
/// right-hand sides; the factors in Factor.
template <class Factor>
struct Blocks {
  std::int64_t b, count;
  Kokkos::View<Factor*, Kokkos::HostSpace> factors;
  Kokkos::View<double*, Kokkos::HostSpace> values, initial;

  explicit Blocks(std::int64_t order)
      : b(order),
        count(std::max<std::int64_t>(2, static_cast<std::int64_t>(256e6 / (8.0 * order * order)))),
        factors("factors", count * order * order),
        values("values", count * order),
        initial("initial", count * order) {
    std::mt19937_64 generator(3);
    std::uniform_real_distribution<double> uniform(-1, 1);
    double const off_diagonal = 0.5 / std::sqrt(static_cast<double>(b));
    for (std::int64_t k = 0; k < count; ++k)
      for (std::int64_t j = 0; j < b; ++j)
        for (std::int64_t t = 0; t < b; ++t)
          factors(k * b * b + j * b + t) = static_cast<Factor>(t == j  ? 1.5 + 0.25 * uniform(generator)
                                                               : t > j ? off_diagonal * uniform(generator)
                                                                       : 0.0);
    for (std::int64_t i = 0; i < count * b; ++i) initial(i) = uniform(generator);
  }
  void reset() { Kokkos::deep_copy(values, initial); }
};

void report(benchmark::State& state, std::int64_t b, std::int64_t count, double entry_bytes) {
  state.counters["blocks/s"] =
      benchmark::Counter(static_cast<double>(count), benchmark::Counter::kIsIterationInvariantRate);
  // the solves read the lower triangle twice: b^2 entries per block
  state.counters["factor_GB/s"] = benchmark::Counter(static_cast<double>(count) * b * b * entry_bytes / 1e9,
                                                     benchmark::Counter::kIsIterationInvariantRate);
  state.counters["b"] = static_cast<double>(b);
}

template <class Factor>
void kernelsolve_block_solve(benchmark::State& state) {
  Blocks<Factor> blocks(state.range(0));
  auto const b = blocks.b;
  auto const factors = blocks.factors;
  auto const values = blocks.values;
  for (auto _ : state) {
    state.PauseTiming();
    blocks.reset();
    state.ResumeTiming();
    Kokkos::parallel_for(
        "block_solves", Kokkos::RangePolicy<HostSpace, Kokkos::Schedule<Kokkos::Dynamic>>(0, blocks.count),
        [=](std::int64_t l) {
          kernelsolve::detail::cholesky_block_solve(factors.data() + l * b * b, b, values.data() + l * b, 1);
        });
    Kokkos::fence();
  }
  report(state, b, blocks.count, sizeof(Factor));
}

void kokkos_batched_serial_trsm(benchmark::State& state) {
  Blocks<double> blocks(state.range(0));
  auto const b = blocks.b;
  auto const factors = blocks.factors;
  auto const values = blocks.values;
  using Matrix = Kokkos::View<double**, Kokkos::LayoutLeft, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
  for (auto _ : state) {
    state.PauseTiming();
    blocks.reset();
    state.ResumeTiming();
    Kokkos::parallel_for("serial_trsm",
                         Kokkos::RangePolicy<HostSpace, Kokkos::Schedule<Kokkos::Dynamic>>(0, blocks.count),
                         [=](std::int64_t l) {
                           Matrix const factor(factors.data() + l * b * b, b, b);
                           Matrix const y(values.data() + l * b, b, 1);
                           KokkosBatched::SerialTrsm<KokkosBatched::Side::Left, KokkosBatched::Uplo::Lower,
                                                     KokkosBatched::Trans::NoTranspose, KokkosBatched::Diag::NonUnit,
                                                     KokkosBatched::Algo::Trsm::Blocked>::invoke(1.0, factor, y);
                           KokkosBatched::SerialTrsm<KokkosBatched::Side::Left, KokkosBatched::Uplo::Lower,
                                                     KokkosBatched::Trans::Transpose, KokkosBatched::Diag::NonUnit,
                                                     KokkosBatched::Algo::Trsm::Blocked>::invoke(1.0, factor, y);
                         });
    Kokkos::fence();
  }
  report(state, b, blocks.count, sizeof(double));
}

void lapack_dpotrs(benchmark::State& state) {  // one block after another: LAPACK threads (or not) inside
  Blocks<double> blocks(state.range(0));
  int const b = static_cast<int>(blocks.b);
  int const one = 1;
  for (auto _ : state) {
    state.PauseTiming();
    blocks.reset();
    state.ResumeTiming();
    for (std::int64_t l = 0; l < blocks.count; ++l) {
      int info = 0;
      dpotrs_("L", &b, &one, blocks.factors.data() + l * b * b, &b, blocks.values.data() + l * b, &b, &info);
    }
  }
  report(state, b, blocks.count, sizeof(double));
}

template <class Factor>
void read_bound(benchmark::State& state) {  // one streaming pass over the same bytes: the memory bound
  Blocks<Factor> blocks(state.range(0));
  auto const factors = blocks.factors;
  constexpr std::int64_t chunk = 4096;
  constexpr int lanes = 2 * kernelsolve::detail::simd_register_bytes / int(sizeof(double));
  auto const entries = static_cast<std::int64_t>(factors.extent(0));
  for (auto _ : state) {
    double sum = 0;
    Kokkos::parallel_reduce(
        "read_bound", Kokkos::RangePolicy<HostSpace>(0, (entries + chunk - 1) / chunk),
        [=](std::int64_t k, double& total) {
          double partial[lanes] = {};  // independent lanes, so that the loop vectorizes and only memory bounds it
          std::int64_t const end = std::min(entries, (k + 1) * chunk);
          std::int64_t i = k * chunk;
          for (; i + lanes <= end; i += lanes)
            for (int lane = 0; lane < lanes; ++lane) partial[lane] += static_cast<double>(factors(i + lane));
          for (; i < end; ++i) total += static_cast<double>(factors(i));
          for (int lane = 0; lane < lanes; ++lane) total += partial[lane];
        },
        sum);
    benchmark::DoNotOptimize(sum);
  }
  report(state, blocks.b, blocks.count, sizeof(Factor));
}

void block_orders(benchmark::internal::Benchmark* benchmark) {
  benchmark->Arg(256)->Arg(700)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(read_bound<double>)->Apply(block_orders);
BENCHMARK(kokkos_batched_serial_trsm)->Apply(block_orders);
BENCHMARK(lapack_dpotrs)->Apply(block_orders);
BENCHMARK(kernelsolve_block_solve<double>)->Apply(block_orders);
BENCHMARK(read_bound<float>)->Apply(block_orders);
BENCHMARK(kernelsolve_block_solve<float>)->Apply(block_orders);

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("kernelsolve", kernelsolve::version_string);
  benchmark::AddCustomContext("execution_space", HostSpace::name());
  benchmark::AddCustomContext("concurrency", std::to_string(HostSpace().concurrency()));
  benchmark::AddCustomContext("simd_isa", kernelsolve::detail::simd_isa_name);
  benchmark::AddCustomContext("problem", "Dv=1, 256 MB of float64 factors per block order");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
