// Time to an honest answer in float32, mixed precision and float64, side by side in one run: for the seed problem
// (Gaussian, D = 2, sigma 0.1, alpha 0.01, Dv = 2, the seed's float32 data) at N = 5000 and 20000, each precision with
// and without the Nystrom preconditioner is asked for true relative residuals 1e-6 and 1e-10. Printed: the setup
// (the preconditioner) and solve seconds, iterations (mixed: inner iterations / outer steps), the true relative
// residual reached and the verdict (float32 reports diverged_stagnation where it cannot reach the tolerance), and
// the total against float64 with the same preconditioner. Through the run-time facade (KernelSolver), as the app.
// Each configuration runs --repeat times (default 3) and prints its fastest run: the machines are shared and noisy.
// --margin sets mixed precision's RefinementOptions::remaining_reduction_margin (0: every inner solve to 3e-4).
//   bench_precision [--quick] [--case NAME]... [--plain-large] [--repeat R] [--margin M]
//   (plain CG is skipped for N > 10000 unless asked)
#include <kernelsolve/core/row_partition.hpp>
#include <kernelsolve/kernels/kernel_family.hpp>
#include <kernelsolve/reference/host_blocks.hpp>
#include <kernelsolve/runtime/kernel_solver.hpp>
#include <kernelsolve/version.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

struct Problem {
  std::string name;
  std::int64_t points;
};

struct BenchOptions {
  bool plain_large = false;
  int repeat = 3;
  double margin = kernelsolve::RefinementOptions{}.remaining_reduction_margin;
};

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

std::string verdict(kernelsolve::SolveResult const& result) {
  for (auto reason : result.reasons) {
    if (!kernelsolve::is_converged(reason)) return kernelsolve::to_string(reason);
  }
  return kernelsolve::to_string(result.reasons.front());
}

std::string iterations(kernelsolve::SolveResult const& result) {
  if (result.refinement_steps.empty()) return std::to_string(result.iterations);
  return std::to_string(result.iterations) + " / " + std::to_string(result.refinement_steps.size() - 1);
}

void run_problem(Problem const& problem, bool plain, BenchOptions const& bench) {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int const rank = world_rank();
  auto const partition = kernelsolve::RowPartition::balanced(problem.points, size);
  std::mt19937_64 generator(0);
  auto const points = kernelsolve::reference::uniform_matrix<float>(problem.points, 2, generator);
  auto const right_hand_sides = kernelsolve::reference::uniform_matrix<float>(problem.points, 2, generator);
  auto const local = [&](kernelsolve::reference::HostMatrix const& all) {
    auto const begin = all.values.begin() + partition.begin(rank) * all.columns;
    return std::vector<double>(begin, begin + partition.local_rows(rank) * all.columns);
  };
  auto const local_points = local(points), local_rhs = local(right_hand_sides);

  std::vector<kernelsolve::PreconditionerKind> kinds{kernelsolve::PreconditionerKind::nystrom};
  if (plain) kinds.insert(kinds.begin(), kernelsolve::PreconditionerKind::none);
  for (auto kind : kinds) {
    std::map<double, double> float64_total;
    for (auto precision :
         {kernelsolve::Precision::float64, kernelsolve::Precision::mixed, kernelsolve::Precision::float32}) {
      kernelsolve::KernelSolverOptions options;
      options.kernel = {kernelsolve::KernelFamily::gaussian,
                        kernelsolve::g_from_sigma(kernelsolve::KernelFamily::gaussian, 0.1)};
      options.precision = precision;
      options.alpha = 0.01;
      options.preconditioner = kind;
      options.refinement.remaining_reduction_margin = bench.margin;
      for (double rtol : {1e-6, 1e-10}) {
        double setup = 0, solve = 0, total = 0;
        kernelsolve::SolveResult result;
        for (int run = 0; run < bench.repeat; ++run) {  // the fastest of the runs (all give the same bits)
          MPI_Barrier(MPI_COMM_WORLD);
          Kokkos::Timer timer;
          kernelsolve::KernelSolver solver(MPI_COMM_WORLD, options, local_points, 2);
          solver.setup_preconditioner();
          double const run_setup = timer.seconds();
          kernelsolve::StoppingCriteria criteria;
          criteria.relative_tolerance = rtol;
          criteria.max_iterations = 20000;
          std::vector<double> coefficients;
          timer.reset();
          result = solver.solve(local_rhs, 2, coefficients, criteria);
          double const run_solve = timer.seconds();
          // Every rank must keep the same run: the slowest rank's total decides.
          double run_total = run_setup + run_solve;
          MPI_Allreduce(MPI_IN_PLACE, &run_total, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
          if (run == 0 || run_total < total) setup = run_setup, solve = run_solve, total = run_total;
        }
        if (precision == kernelsolve::Precision::float64) float64_total[rtol] = total;
        double const worst = *std::max_element(result.relative_residuals.begin(), result.relative_residuals.end());
        if (rank == 0) {
          std::printf("| %s | %s | %s | %.0e | %.3f | %s | %.3f | %.3f | %.2e | %s | %.2f |\n", problem.name.c_str(),
                      std::string(kernelsolve::to_string(precision)).c_str(),
                      kind == kernelsolve::PreconditionerKind::none ? "none" : "nystrom auto", rtol, setup,
                      iterations(result).c_str(), solve, total, worst, verdict(result).c_str(),
                      total / float64_total[rtol]);
          std::fflush(stdout);
        }
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int status = 0;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    bool quick = false;
    BenchOptions bench;
    std::vector<std::string> only;
    for (int a = 1; a < argc; ++a) {
      if (std::strcmp(argv[a], "--quick") == 0) {
        quick = true;
      } else if (std::strcmp(argv[a], "--plain-large") == 0) {
        bench.plain_large = true;
      } else if (std::strcmp(argv[a], "--repeat") == 0 && a + 1 < argc) {
        bench.repeat = std::max(1, std::atoi(argv[++a]));
      } else if (std::strcmp(argv[a], "--margin") == 0 && a + 1 < argc) {
        bench.margin = std::atof(argv[++a]);
      } else if (std::strcmp(argv[a], "--case") == 0 && a + 1 < argc) {
        only.emplace_back(argv[++a]);
      } else {
        if (world_rank() == 0) std::fprintf(stderr, "bench_precision: unknown argument %s\n", argv[a]);
        status = 1;
      }
    }
    std::vector<Problem> problems{{"seed N=5000", 5000}, {"seed N=20000", 20000}};
    if (quick) problems = {{"quick N=400", 400}};
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (world_rank() == 0 && status == 0) {
      std::printf(
          "kernelsolve %s bench_precision: Gaussian sigma 0.1, alpha 0.01, D = 2, Dv = 2, float32 data; %d MPI rank%s "
          "x %d threads (%s); fastest of %d runs; mixed: remaining reduction margin %g\n\n",
          kernelsolve::version_string, size, size > 1 ? "s" : "",
          static_cast<int>(Kokkos::DefaultExecutionSpace().concurrency()), Kokkos::DefaultExecutionSpace::name(),
          bench.repeat, bench.margin);
      std::printf(
          "| problem | precision | preconditioner | rtol | setup s | iterations (inner / outer) | solve s | total s "
          "| true rel. residual | verdict | total vs float64 |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    }
    for (auto const& problem : problems) {
      if (status != 0) break;
      if (!only.empty() && std::find(only.begin(), only.end(), problem.name) == only.end()) continue;
      run_problem(problem, problem.points <= 10000 || bench.plain_large, bench);
    }
  }
  MPI_Finalize();
  return status;
}
