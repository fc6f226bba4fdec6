// The Nystrom preconditioner's setup at ranks 500 to 4000, side by side in one run with the BLAS-3 calls of the same
// shapes: its two matrix products, each beside what OpenBLAS (or the linked BLAS) does for the same multiply-adds,
// and the whole setup on a D = 9 Gaussian problem.
//   residual_columns  one round of 64 candidates at rank k: G = K(:, C) - F F(C, :)^T, N k 64 multiply-adds in
//                     register tiles (detail::rpcholesky_residual_columns)    | dgemm of N x 64 x k
//   gram              F^T F of the N x k factor, reproducible over ranks (detail::reproducible_gram)    | dsyrk
//   setup             NystromPreconditioner at a given rank (about N k^2 multiply-adds of residual columns over the
//                     rounds and N k^2 / 2 of Gram, plus k N kernel values)
// The BLAS calls are the hardware bound here (they sum in an order that may depend on the rows they are given,
// which is why the setup does not call them: its factor must be the same bits on any rank count).
// One process (Kokkos threads, BLAS threads from OPENBLAS_NUM_THREADS / OMP_NUM_THREADS).
//   bench_nystrom_setup [--quick] [--benchmark_filter=gram]
#include <kernelsolve/detail/reproducible_gram.hpp>
#include <kernelsolve/detail/simd_width.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/operator/distributed_operator.hpp>
#include <kernelsolve/reference/host_blocks.hpp>
#include <kernelsolve/solver/detail/rpcholesky_kernels.hpp>
#include <kernelsolve/solver/nystrom_preconditioner.hpp>
#include <kernelsolve/version.hpp>

#include <benchmark/benchmark.h>
#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

extern "C" void dgemm_(char const* transa, char const* transb, int const* m, int const* n, int const* k,
                       double const* alpha, double const* a, int const* lda, double const* b, int const* ldb,
                       double const* beta, double* c, int const* ldc);
extern "C" void dsyrk_(char const* uplo, char const* trans, int const* n, int const* k, double const* alpha,
                       double const* a, int const* lda, double const* beta, double* c, int const* ldc);

namespace {

using Space = Kokkos::DefaultExecutionSpace;
using Matrix = Kokkos::View<double**, Kokkos::LayoutLeft>;
constexpr int block = 64;     // candidates per round: NystromOptions' default block size
constexpr int dimension = 9;  // the diamonds' features (docs/performance/krr.md)

/// A factor-like N x k matrix (uniform in [-1, 1]), the candidates' rows of it and their points.
struct SetupData {
  int n, rank;
  Matrix factor, points, candidate_rows, residual;
  Kokkos::View<std::int64_t*> candidates;

  SetupData(int rows, int columns)
      : n(rows),
        rank(columns),
        factor("factor", rows, columns),
        points("points", rows, dimension),
        candidate_rows("candidate_rows", block, columns),
        residual("residual", rows, block),
        candidates("candidates", block) {
    std::mt19937_64 generator(5);
    std::uniform_real_distribution<double> uniform(-1, 1);
    auto factor_host = Kokkos::create_mirror_view(factor);
    for (int j = 0; j < rank; ++j)
      for (int i = 0; i < n; ++i) factor_host(i, j) = uniform(generator);
    auto points_host = Kokkos::create_mirror_view(points);
    for (int d = 0; d < dimension; ++d)
      for (int i = 0; i < n; ++i) points_host(i, d) = uniform(generator);
    auto candidates_host = Kokkos::create_mirror_view(candidates);
    auto rows_host = Kokkos::create_mirror_view(candidate_rows);
    for (int t = 0; t < block; ++t) {
      candidates_host(t) = (static_cast<std::int64_t>(t) * 7919) % n;
      for (int j = 0; j < rank; ++j) rows_host(t, j) = factor_host(candidates_host(t), j);
    }
    Kokkos::deep_copy(factor, factor_host);
    Kokkos::deep_copy(points, points_host);
    Kokkos::deep_copy(candidates, candidates_host);
    Kokkos::deep_copy(candidate_rows, rows_host);
  }
};

void report(benchmark::State& state, double multiply_adds) {
  state.counters["multiply-adds/s"] = benchmark::Counter(multiply_adds, benchmark::Counter::kIsIterationInvariantRate);
}

void residual_columns(benchmark::State& state) {
  SetupData const data(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  auto const kernel = kernelsolve::Gaussian<double>::from_sigma(std::sqrt(dimension / 2.0));
  for (auto _ : state) {
    kernelsolve::detail::rpcholesky_residual_columns(Space(), kernel, data.points, data.points, data.candidates,
                                                     data.factor, data.rank, data.candidate_rows, data.residual);
    Space().fence();
  }
  report(state, double(data.n) * data.rank * block);
}

void blas_dgemm(benchmark::State& state) {
  SetupData const data(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  int const columns = block;
  double const one = 1, zero = 0;
  for (auto _ : state)
    dgemm_("N", "T", &data.n, &columns, &data.rank, &one, data.factor.data(), &data.n, data.candidate_rows.data(),
           &columns, &zero, data.residual.data(), &data.n);
  report(state, double(data.n) * data.rank * block);
}

void gram(benchmark::State& state) {
  SetupData const data(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  kernelsolve::Communicator const communicator(MPI_COMM_SELF);
  for (auto _ : state)
    benchmark::DoNotOptimize(kernelsolve::detail::reproducible_gram(Space(), communicator, data.factor));
  report(state, double(data.n) * data.rank * data.rank / 2);
}

void blas_dsyrk(benchmark::State& state) {
  SetupData const data(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  std::vector<double> out(static_cast<std::size_t>(data.rank) * static_cast<std::size_t>(data.rank));
  double const one = 1, zero = 0;
  for (auto _ : state)
    dsyrk_("L", "T", &data.rank, &data.n, &one, data.factor.data(), &data.n, &zero, out.data(), &data.rank);
  report(state, double(data.n) * data.rank * data.rank / 2);
}

void setup(benchmark::State& state) {
  using Operator = kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>;
  auto const n = state.range(0);
  std::mt19937_64 generator(7);
  auto const points = kernelsolve::reference::uniform_matrix<double>(n, dimension, generator);
  Operator const op(MPI_COMM_SELF, Space(), kernelsolve::Gaussian<double>::from_sigma(std::sqrt(dimension / 2.0)),
                    kernelsolve::reference::to_block<Operator::block_type>("points", points, 0, n), 0.01);
  kernelsolve::NystromOptions options;
  options.rank = state.range(1);
  for (auto _ : state) benchmark::DoNotOptimize(kernelsolve::NystromPreconditioner<Operator>(op, options).summary());
  // the multiply-adds of its residual columns over the rounds and its Gram
  double const k = static_cast<double>(state.range(1));
  report(state, static_cast<double>(n) * k * k * 1.5);
}

void register_benchmarks(bool quick) {
  std::vector<std::vector<std::int64_t>> const shapes =
      quick ? std::vector<std::vector<std::int64_t>>{{2000, 200}}
            : std::vector<std::vector<std::int64_t>>{{20000, 500}, {20000, 1000}, {20000, 2000}, {20000, 4000}};
  for (auto const& shape : shapes) {
    auto const add = [&](char const* name, auto* function) {
      benchmark::RegisterBenchmark(name, function)->Args(shape)->Unit(benchmark::kMillisecond)->UseRealTime();
    };
    add("nystrom_setup/residual_columns/kernelsolve", residual_columns);
    add("nystrom_setup/residual_columns/blas_dgemm", blas_dgemm);
    add("nystrom_setup/gram/kernelsolve", gram);
    add("nystrom_setup/gram/blas_dsyrk", blas_dsyrk);
    if (quick || shape[1] <= 2000) add("nystrom_setup/setup/kernelsolve", setup);
  }
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    bool quick = false;
    for (int a = 1; a < argc; ++a) quick = quick || std::string(argv[a]) == "--quick";
    benchmark::Initialize(&argc, argv);
    benchmark::AddCustomContext("kernelsolve", kernelsolve::version_string);
    benchmark::AddCustomContext("execution_space", Space::name());
    benchmark::AddCustomContext("concurrency", std::to_string(Space().concurrency()));
    benchmark::AddCustomContext("simd_isa", kernelsolve::detail::simd_isa_name);
    benchmark::AddCustomContext("problem", "float64, D = 9 Gaussian, 64 candidates per round, rows N x rank k");
    register_benchmarks(quick);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
  }
  MPI_Finalize();
  return 0;
}
