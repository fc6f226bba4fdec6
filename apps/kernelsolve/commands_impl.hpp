// Definitions of the kernel-dependent command templates of commands.hpp.
#pragma once

#include "commands.hpp"
#include "printing.hpp"

#include <kernelsolve/kernelsolve.hpp>
#include <kernelsolve/reference/dense.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <optional>
#include <random>

namespace kernelsolve::app {
namespace detail {

template <class Kernel>
using BlockOf = typename DistributedOperator<Kernel>::block_type;

/// Row-major host values (rows x columns) -> a column-major block on the device, rounded to the kernel's Scalar.
template <class Kernel>
BlockOf<Kernel> to_block(char const* label, std::vector<double> const& values, std::int64_t columns) {
  std::int64_t const rows = columns == 0 ? 0 : static_cast<std::int64_t>(values.size()) / columns;
  BlockOf<Kernel> block(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), rows, columns);
  auto host = Kokkos::create_mirror_view(block);
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < columns; ++j)
      host(i, j) = static_cast<typename Kernel::value_type>(values[static_cast<std::size_t>(i * columns + j)]);
  Kokkos::deep_copy(block, host);
  return block;
}

/// A block -> row-major host values in double.
template <class Block>
std::vector<double> to_rows(Block const& block) {
  auto const host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), block);
  std::vector<double> values(host.extent(0) * host.extent(1));
  for (std::size_t i = 0; i < host.extent(0); ++i)
    for (std::size_t j = 0; j < host.extent(1); ++j) values[i * host.extent(1) + j] = host(i, j);
  return values;
}

/// k(r2) in double on the host, for the dense references.
template <class Kernel>
reference::RadialFunction in_double(Kernel const& kernel) {
  return [family = Kernel::family, g = static_cast<double>(kernel.g)](double r2) {
    return evaluate_profile(family, g * r2);
  };
}

/// --monitor: every iteration; otherwise a progress line every few seconds, so that long solves show life.
inline SolveMonitor* monitor_for(SolverOptions const& options, PrintingMonitor& every, ProgressMonitor& progress) {
  if (options.monitor) return &every;
  return &progress;
}

/// The solver of a command: PCG with the preconditioner chosen by --preconditioner and --rank, built once (and
/// reported) for the solve and the adjoint solve of the gradient; its workspace is shared by both.
template <class Operator>
class CommandSolver {
 public:
  CommandSolver(Operator const& op, SolverOptions const& options, Report& report) : solver_(op), options_(options) {
    if (options.preconditioner == "nystrom") {
      NystromOptions nystrom;
      nystrom.rank = nystrom_rank_of(options);
      {
        Report::Phase phase(report, "preconditioner");
        preconditioner_.emplace(op, nystrom, [&](NystromSummary const& so_far) {
          if (options.monitor)
            print("  nystrom rank %lld  tr(K - F F^T) = %.4e\n", static_cast<long long>(so_far.rank),
                  so_far.residual_trace);
        });
      }
      auto const& summary = preconditioner_->summary();
      print(
          "Preconditioner: nystrom (randomly pivoted Cholesky), rank %lld (%s: %s), tr(K - F F^T) = %.3e of "
          "%.3e, setup %.3f s, %.1f MiB per rank\n",
          static_cast<long long>(summary.rank), summary.automatic ? "auto" : "given", summary.rank_reason.c_str(),
          summary.residual_trace, summary.initial_trace, summary.setup_seconds,
          summary.factor_bytes / (1024.0 * 1024.0));
      report["preconditioner"] = {{"name", "nystrom"},
                                  {"rank", summary.rank},
                                  {"automatic", summary.automatic},
                                  {"rank_reason", summary.rank_reason},
                                  {"residual_trace", summary.residual_trace},
                                  {"initial_trace", summary.initial_trace},
                                  {"shift", summary.shift},
                                  {"rounds", summary.rounds},
                                  {"candidates", summary.candidates},
                                  {"setup_seconds", summary.setup_seconds},
                                  {"factor_bytes", summary.factor_bytes}};
    } else {
      report["preconditioner"] = {{"name", "none"}};
    }
  }

  [[nodiscard]] double setup_seconds() const {
    return preconditioner_ ? preconditioner_->summary().setup_seconds : 0.0;
  }

  SolveResult solve(typename Operator::block_type const& b, typename Operator::block_type const& x,
                    SolveMonitor* monitor) {
    if (preconditioner_) return solver_.solve(b, x, options_.criteria, *preconditioner_, monitor);
    return solver_.solve(b, x, options_.criteria, IdentityPreconditioner{}, monitor);
  }

  SolveGradient<Operator> gradient(typename Operator::block_type const& c, typename Operator::block_type const& e,
                                   SolveMonitor* monitor) {
    if (preconditioner_) return solve_gradient(solver_, *preconditioner_, c, e, options_.criteria, monitor);
    return solve_gradient(solver_, IdentityPreconditioner{}, c, e, options_.criteria, monitor);
  }

 private:
  ConjugateGradient<Operator> solver_;
  SolverOptions const& options_;
  std::optional<NystromPreconditioner<Operator>> preconditioner_;
};

}  // namespace detail

template <class Kernel>
int run_demo_with(Kernel const& kernel, DemoOptions const& options, KernelChoice const& choice, Report& report) {
  using Scalar = typename Kernel::value_type;
  using Operator = DistributedOperator<Kernel>;
  using Block = typename Operator::block_type;
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  auto const partition = RowPartition::balanced(options.points, ranks);
  int const rank = world_rank();
  SolverOptions const& solver = options.solver;

  std::mt19937_64 generator(options.seed);
  auto const points = reference::uniform_matrix<Scalar>(options.points, options.dimension, generator);
  auto const right_hand_sides = reference::uniform_matrix<Scalar>(options.points, options.columns, generator);
  report["problem"] = {{"points", options.points},
                       {"dimension", options.dimension},
                       {"columns", options.columns},
                       {"alpha", solver.alpha},
                       {"precision", sizeof(Scalar) == 4 ? "float32" : "float64"},
                       {"seed", options.seed}};

  print("kernelsolve %s: %s kernel solve (K + alpha I) c = b, k = %s\n", version_string,
        std::string(to_string(Kernel::family)).c_str(), std::string(formula_of(Kernel::family)).c_str());
  print("  N = %lld points in [0,1]^%d, Dv = %d right-hand sides, sigma = %g (g = %g), alpha = %g, %s\n",
        static_cast<long long>(options.points), options.dimension, options.columns, choice.sigma,
        static_cast<double>(kernel.g), solver.alpha, sizeof(Scalar) == 4 ? "float32" : "float64");
  print("  %d MPI rank%s, Kokkos %s with %d threads per rank; rtol = %g, max iterations = %d, preconditioner %s%s\n",
        ranks, ranks > 1 ? "s" : "", Kokkos::DefaultExecutionSpace::name(),
        static_cast<int>(Kokkos::DefaultExecutionSpace().concurrency()), solver.criteria.relative_tolerance,
        solver.criteria.max_iterations, solver.preconditioner.c_str(),
        solver.preconditioner == "nystrom" ? (" (rank " + solver.rank + ")").c_str() : "");

  int const local_rows = partition.local_rows(rank);
  auto const first_row = partition.begin(rank);
  Kokkos::Timer timer;
  std::optional<Operator> op;
  {
    Report::Phase phase(report, "setup");
    op.emplace(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernel,
               reference::to_block<Block>("demo::points", points, first_row, local_rows),
               static_cast<Scalar>(solver.alpha));
  }
  auto const b = reference::to_block<Block>("demo::right_hand_sides", right_hand_sides, first_row, local_rows);
  Block c("demo::coefficients", local_rows, options.columns);
  double const setup_seconds = timer.seconds();

  detail::CommandSolver<Operator> command_solver(*op, solver, report);
  PrintingMonitor every;
  ProgressMonitor progress;
  SolveMonitor* const monitor = detail::monitor_for(solver, every, progress);
  MPI_Barrier(MPI_COMM_WORLD);
  timer.reset();
  SolveResult result;
  {
    Report::Phase phase(report, "solve");
    result = command_solver.solve(b, c, monitor);
  }
  double const solve_seconds = timer.seconds();
  report.set_solve("solve", result);
  print("Solve (kernelsolve %s): %.5f s, %d iterations (setup %.5f s, preconditioner %.5f s)\n",
        solver.preconditioner == "none" ? "CG" : "PCG", solve_seconds, result.iterations, setup_seconds,
        command_solver.setup_seconds());
  print_solve_result(result);

  // L = <e, c> for e standard normal (the seed's torch.randn): its gradients through one adjoint solve.
  reference::HostMatrix cotangent(options.points, options.columns);
  std::optional<SolveGradient<Operator>> gradient;
  if (options.gradient) {
    std::normal_distribution<double> normal;
    for (auto& value : cotangent.values) value = static_cast<double>(static_cast<Scalar>(normal(generator)));
    auto const e = reference::to_block<Block>("demo::cotangent", cotangent, first_row, local_rows);
    timer.reset();
    {
      Report::Phase phase(report, "gradient");
      gradient = command_solver.gradient(c, e, monitor);
    }
    report.set_solve("adjoint_solve", gradient->adjoint);
    double const d_sigma = gradient->kernel_parameter * g_derivative_of_sigma(Kernel::family, choice.sigma);
    report["gradient"] = {
        {"dL_dalpha", gradient->ridge}, {"dL_dg", gradient->kernel_parameter}, {"dL_dsigma", d_sigma}};
    print("Gradient of <e, c> (adjoint CG + pair reductions): %.5f s, adjoint %d iterations (%s)\n", timer.seconds(),
          gradient->adjoint.iterations, gradient->adjoint.converged() ? "converged" : "NOT converged");
    print("  dL/dalpha = %.6e, dL/dsigma = %.6e\n", gradient->ridge, d_sigma);
  }

  if (options.points > options.reference_limit) {
    print("Dense check skipped: N = %lld > --reference-limit %lld\n", static_cast<long long>(options.points),
          static_cast<long long>(options.reference_limit));
  } else {
    Block all_coefficients("demo::all_coefficients", options.points, options.columns);
    op->allgather_rows(c, all_coefficients);
    Block all_gradient("demo::all_points_gradient", gradient ? options.points : 0, options.dimension);
    if (gradient) op->allgather_rows(gradient->points, all_gradient);
    double error = 0, gradient_error = 0;
    if (rank == 0) {
      timer.reset();
      auto const dense = reference::kernel_matrix(detail::in_double(kernel), points, points,
                                                  static_cast<double>(static_cast<Scalar>(solver.alpha)));
      auto const expected = reference::solve_symmetric_positive_definite(dense, right_hand_sides);
      print("Dense direct solve (float64, LAPACK Cholesky): %.5f s\n", timer.seconds());
      error = reference::relative_error(reference::to_host_matrix(all_coefficients), expected);
      print("Relative error = %.6e\n", error);
      if (gradient) {
        auto const adjoint = reference::solve_symmetric_positive_definite(dense, cotangent);
        RadialKernel<typename Kernel::profile_type, double> const kernel_in_double{static_cast<double>(kernel.g)};
        auto const expected_gradient = reference::solve_gradient_wrt_points(
            [kernel_in_double](double r2) { return kernel_in_double.derivative(r2); }, points, adjoint, expected);
        gradient_error = reference::relative_error(reference::to_host_matrix(all_gradient), expected_gradient);
        print("Gradient dL/dx relative error = %.6e\n", gradient_error);
      }
    }
    report["dense_check"] = {{"relative_error", error}};
    if (gradient) report["dense_check"]["gradient_relative_error"] = gradient_error;
  }
  return result.converged() ? 0 : exit_not_converged;
}

template <class Kernel>
SolveResult solve_rows(Kernel const& kernel, InputArray const& points, InputArray const& right_hand_sides,
                       SolverOptions const& options, Report& report, std::vector<double>& coefficients) {
  using Scalar = typename Kernel::value_type;
  using Operator = DistributedOperator<Kernel>;
  std::optional<Operator> op;
  {
    Report::Phase phase(report, "setup");
    op.emplace(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernel,
               detail::to_block<Kernel>("solve::points", points.rows, points.shape.columns),
               static_cast<Scalar>(options.alpha));
  }
  auto const b =
      detail::to_block<Kernel>("solve::right_hand_sides", right_hand_sides.rows, right_hand_sides.shape.columns);
  auto c = op->allocate_block("solve::coefficients", static_cast<int>(right_hand_sides.shape.columns));
  detail::CommandSolver<Operator> command_solver(*op, options, report);
  PrintingMonitor every;
  ProgressMonitor progress;
  SolveResult result;
  {
    Report::Phase phase(report, "solve");
    result = command_solver.solve(b, c, detail::monitor_for(options, every, progress));
  }
  coefficients = detail::to_rows(c);
  return result;
}

template <class Kernel>
std::vector<double> predict_rows(Kernel const& kernel, InputArray const& points, InputArray const& coefficients,
                                 InputArray const& new_points, Report& report) {
  using Operator = DistributedOperator<Kernel>;
  std::optional<Operator> op;
  {
    Report::Phase phase(report, "setup");
    op.emplace(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernel,
               detail::to_block<Kernel>("predict::points", points.rows, points.shape.columns),
               typename Kernel::value_type(0));
  }
  auto const c = detail::to_block<Kernel>("predict::coefficients", coefficients.rows, coefficients.shape.columns);
  auto const at = detail::to_block<Kernel>("predict::new_points", new_points.rows, new_points.shape.columns);
  auto values = detail::BlockOf<Kernel>("predict::values", at.extent(0), c.extent(1));
  {
    Report::Phase phase(report, "predict");
    predict(*op, c, at, values);
  }
  return detail::to_rows(values);
}

}  // namespace kernelsolve::app

/// Explicit instantiations of the three command templates for one kernel functor type (inside kernelsolve::app).
#define KERNELSOLVE_APP_INSTANTIATE_COMMANDS(KERNEL)                                                                 \
  template int run_demo_with<KERNEL>(KERNEL const&, DemoOptions const&, KernelChoice const&, Report&);               \
  template SolveResult solve_rows<KERNEL>(KERNEL const&, InputArray const&, InputArray const&, SolverOptions const&, \
                                          Report&, std::vector<double>&);                                            \
  template std::vector<double> predict_rows<KERNEL>(KERNEL const&, InputArray const&, InputArray const&,             \
                                                    InputArray const&, Report&);
