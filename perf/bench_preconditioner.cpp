// Time to solution with and without the Nystrom (randomly pivoted Cholesky) preconditioner, side by side in one
// run: for each problem, plain CG and PCG at ranks 100, 200, 500, 1000 and auto, with the preconditioner's setup
// seconds, the iterations, the solve seconds, the total, and the true relative residual ||b - A x|| / ||b||.
// float64, rtol 1e-6. Run under mpirun for several ranks; prints a Markdown table (rank 0).
//   bench_preconditioner [--quick] [--case NAME]... [--ranks 100,200,auto]
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/operator/distributed_operator.hpp>
#include <kernelsolve/reference/host_blocks.hpp>
#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/nystrom_preconditioner.hpp>
#include <kernelsolve/version.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Block = kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>::block_type;

struct Problem {
  std::string name;
  std::string family;  // "gaussian" or "laplacian"
  std::int64_t points;
  int dimension;
  double sigma;
  double alpha;
  bool smooth_surface;  // right-hand side: a smooth surface sampled at the points (interpolation), else uniform
};

struct Row {
  std::string preconditioner;
  std::int64_t rank = 0;
  std::string rank_reason;
  double setup_seconds = 0;
  int iterations = 0;
  double solve_seconds = 0;
  double residual = 0;
  bool converged = false;
};

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

/// z = sin(2 pi x) cos(3 pi y) + 0.5 exp(-10 |p - (0.3, 0.6)|^2) (+ x in higher D): a terrain-like smooth surface.
double surface(kernelsolve::reference::HostMatrix const& points, std::int64_t i) {
  double const x = points(i, 0), y = points.columns > 1 ? points(i, 1) : 0.0;
  double const bump = std::exp(-10 * ((x - 0.3) * (x - 0.3) + (y - 0.6) * (y - 0.6)));
  return std::sin(2 * M_PI * x) * std::cos(3 * M_PI * y) + 0.5 * bump;
}

template <class Kernel>
std::vector<Row> run_problem(Problem const& problem, std::vector<std::optional<std::int64_t>> const& ranks,
                             int max_iterations) {
  using Operator = kernelsolve::DistributedOperator<Kernel>;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  auto const partition = kernelsolve::RowPartition::balanced(problem.points, size);
  int const rank = world_rank();
  std::mt19937_64 generator(7);
  auto const points = kernelsolve::reference::uniform_matrix<double>(problem.points, problem.dimension, generator);
  auto right_hand_sides = kernelsolve::reference::uniform_matrix<double>(problem.points, 1, generator);
  if (problem.smooth_surface)
    for (std::int64_t i = 0; i < problem.points; ++i) right_hand_sides(i, 0) = surface(points, i);
  Operator const op(
      MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), Kernel::from_sigma(problem.sigma),
      kernelsolve::reference::to_block<Block>("points", points, partition.begin(rank), partition.local_rows(rank)),
      problem.alpha);
  auto const b =
      kernelsolve::reference::to_block<Block>("b", right_hand_sides, partition.begin(rank), partition.local_rows(rank));
  kernelsolve::StoppingCriteria criteria;
  criteria.relative_tolerance = 1e-6;
  criteria.max_iterations = max_iterations;
  kernelsolve::ConjugateGradient<Operator> solver(op);
  std::vector<Row> rows;
  auto const solve = [&](Row& row, auto const& preconditioner) {
    auto x = op.allocate_block("x", 1);
    MPI_Barrier(MPI_COMM_WORLD);
    Kokkos::Timer timer;
    auto const result = solver.solve(b, x, criteria, preconditioner);
    row.solve_seconds = timer.seconds();
    row.iterations = result.iterations;
    row.residual = result.relative_residuals[0];
    row.converged = result.converged();
  };
  {
    Row row;
    row.preconditioner = "none";
    solve(row, kernelsolve::IdentityPreconditioner{});
    rows.push_back(row);
  }
  for (auto const& k : ranks) {
    if (k && *k > problem.points) continue;
    Row row;
    row.preconditioner = "nystrom";
    kernelsolve::NystromOptions options;
    options.rank = k;
    MPI_Barrier(MPI_COMM_WORLD);
    Kokkos::Timer timer;
    kernelsolve::NystromPreconditioner<Operator> const preconditioner(op, options);
    row.setup_seconds = timer.seconds();
    row.rank = preconditioner.summary().rank;
    row.rank_reason = k ? "" : "auto: " + preconditioner.summary().rank_reason;
    solve(row, preconditioner);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int status = 0;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    bool quick = false;
    std::vector<std::string> only;
    std::vector<std::optional<std::int64_t>> ranks{100, 200, 500, 1000, std::nullopt};
    for (int a = 1; a < argc; ++a) {
      if (std::strcmp(argv[a], "--quick") == 0) {
        quick = true;
      } else if (std::strcmp(argv[a], "--case") == 0 && a + 1 < argc) {
        only.emplace_back(argv[++a]);
      } else if (std::strcmp(argv[a], "--ranks") == 0 && a + 1 < argc) {
        ranks.clear();
        std::stringstream list(argv[++a]);
        std::string item;
        while (std::getline(list, item, ','))
          ranks.push_back(item == "auto" ? std::optional<std::int64_t>() : std::stoll(item));
      } else {
        if (world_rank() == 0) std::fprintf(stderr, "bench_preconditioner: unknown argument %s\n", argv[a]);
        status = 1;
      }
    }
    std::vector<Problem> problems{
        {"seed N=5000 (D=2, sigma 0.1, alpha 1e-2)", "gaussian", 5000, 2, 0.1, 1e-2, false},
        {"seed N=20000", "gaussian", 20000, 2, 0.1, 1e-2, false},
        {"seed, alpha 1e-4", "gaussian", 5000, 2, 0.1, 1e-4, false},
        {"D=3, sigma 0.2, alpha 1e-3", "gaussian", 5000, 3, 0.2, 1e-3, false},
        {"Laplacian, sigma 0.3, alpha 1e-3", "laplacian", 5000, 2, 0.3, 1e-3, false},
        {"narrow interpolation: N=5000, sigma 3 spacings, alpha 1e-3", "gaussian", 5000, 2, 3 / std::sqrt(5000.0), 1e-3,
         true},
    };
    if (quick) {
      problems = {{"quick", "gaussian", 300, 2, 0.1, 1e-2, false},
                  {"quick laplacian", "laplacian", 300, 2, 0.3, 1e-3, false}};
      ranks = {50, std::nullopt};
    }
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (world_rank() == 0) {
      std::printf("kernelsolve %s bench_preconditioner: float64, rtol 1e-6, %d MPI rank%s x %d threads (%s)\n\n",
                  kernelsolve::version_string, size, size > 1 ? "s" : "",
                  static_cast<int>(Kokkos::DefaultExecutionSpace().concurrency()),
                  Kokkos::DefaultExecutionSpace::name());
      std::printf(
          "| problem | preconditioner | rank | setup s | iterations | solve s | total s | true rel. residual "
          "| vs none |\n|---|---|---|---|---|---|---|---|---|\n");
    }
    for (auto const& problem : problems) {
      if (status != 0) break;
      if (!only.empty() && std::find(only.begin(), only.end(), problem.name) == only.end()) continue;
      auto const rows = problem.family == "laplacian"
                            ? run_problem<kernelsolve::Laplacian<double>>(problem, ranks, 20000)
                            : run_problem<kernelsolve::Gaussian<double>>(problem, ranks, 20000);
      double const none_total = rows.front().solve_seconds;
      for (auto const& row : rows) {
        double const total = row.setup_seconds + row.solve_seconds;
        if (world_rank() == 0) {
          std::printf(
              "| %s | %s | %s | %.3f | %d%s | %.3f | %.3f | %.2e | %.1fx |\n", problem.name.c_str(),
              row.preconditioner.c_str(),
              row.preconditioner == "none"
                  ? "-"
                  : (std::to_string(row.rank) + (row.rank_reason.empty() ? "" : " (" + row.rank_reason + ")")).c_str(),
              row.setup_seconds, row.iterations, row.converged ? "" : " (not converged)", row.solve_seconds, total,
              row.residual, none_total / total);
          std::fflush(stdout);
        }
      }
    }
  }
  MPI_Finalize();
  return status;
}
