// The kernel-dependent work of the app's commands, through the library's run-time facade (KernelSolver): the
// family, precision and preconditioner are values here; the library compiled every combination once.
#include "commands.hpp"
#include "demo_plot.hpp"
#include "printing.hpp"

#include <kernelsolve/core/row_partition.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/kernels/visit_kernel.hpp>
#include <kernelsolve/reference/dense.hpp>
#include <kernelsolve/reference/host_blocks.hpp>
#include <kernelsolve/runtime/kernel_solver.hpp>
#include <kernelsolve/version.hpp>

#include <Kokkos_Core.hpp>

#include <cmath>
#include <optional>
#include <random>
#include <string>

namespace kernelsolve::app {
namespace {

/// float32 data: the seed's (float and mixed precision draw the demo's points in float32).
bool has_float_data(Precision precision) {
  return precision != Precision::float64;
}

/// value rounded to the precision, in double: what the solver's residual sees of it (mixed: float64).
double rounded_to(Precision precision, double value) {
  return precision == Precision::float32 ? static_cast<double>(static_cast<float>(value)) : value;
}

/// What the demo prints for the precision.
char const* precision_label(Precision precision) {
  if (precision == Precision::mixed) return "mixed precision (float32 kernel in the inner solves, float64 refinement)";
  return precision == Precision::float32 ? "float32" : "float64";
}

KernelSolverOptions facade_options(KernelChoice const& choice, SolverOptions const& options) {
  KernelSolverOptions facade;
  facade.kernel = choice.spec;
  facade.precision = options.precision.value_or(Precision::float64);
  facade.alpha = options.alpha;
  facade.preconditioner = options.preconditioner;
  // A given Nystrom rank asks for Nystrom.
  if (facade.preconditioner == PreconditionerKind::automatic && options.rank != "auto")
    facade.preconditioner = PreconditionerKind::nystrom;
  facade.nystrom.rank = nystrom_rank_of(options);
  facade.schwarz.cell_points = options.cell_points;
  facade.schwarz.overlap = overlap_of(options);
  facade.refinement.inner_relative_tolerance = options.inner_rtol;
  facade.truncation = truncation_of(options);
  if (options.monitor) {
    facade.on_nystrom_round = [](NystromSummary const& so_far) {
      print("  nystrom rank %lld  tr(K - F F^T) = %.4e\n", static_cast<long long>(so_far.rank), so_far.residual_trace);
    };
  }
  return facade;
}

/// Prints the cutoff of the inner solves' products and puts it in the report (nothing without --truncation).
void report_cutoff(KernelSolver const& solver, Report& report) {
  auto const cutoff = solver.cutoff_summary();
  if (!cutoff) return;
  double const kept = static_cast<double>(cutoff->kept_pairs) / static_cast<double>(cutoff->pairs);
  print(
      "Cutoff products: truncation %.3g, tiles of %d points, radius %.4g, %.2f%% of the pairs kept, dropped row sums "
      "<= %.3e (>= ||K - K_cutoff||_2)%s\n",
      cutoff->truncation, cutoff_tile_rows, cutoff->cutoff_radius, 100 * kept, cutoff->dropped_row_sum,
      cutoff->exact ? ", exact" : "");
  report["cutoff"] = {{"truncation", cutoff->truncation},
                      {"tile_points", cutoff_tile_rows},
                      {"radius", cutoff->cutoff_radius},
                      {"kept_pairs", cutoff->kept_pairs},
                      {"pairs", cutoff->pairs},
                      {"kept_fraction", kept},
                      {"dropped_row_sum", cutoff->dropped_row_sum},
                      {"exact", cutoff->exact}};
}

/// Builds the preconditioner (phase "preconditioner"), prints it and puts it in the report.
void set_up_preconditioner(KernelSolver& solver, Report& report) {
  report_cutoff(solver, report);
  {
    Report::Phase phase(report, "preconditioner");
    solver.setup_preconditioner();
  }
  auto const choice = solver.preconditioner_choice().value_or(PreconditionerChoice{});
  std::string const why = choice.reason == "given" ? "" : " (" + choice.reason + ")";
  auto const schwarz = solver.schwarz_summary();
  auto const nystrom = solver.preconditioner_summary();
  auto const two_level = solver.two_level_summary();
  nlohmann::json schwarz_json, nystrom_json;
  if (schwarz) {
    print(
        "Preconditioner: %s (overlapping blocks)%s, %lld cells, blocks of %.0f points on average (at most "
        "%lld), overlap %.4g (%s), %lld cells factored on rank 0, setup %.3f s, %.1f MiB per rank (float%d "
        "factors)\n",
        two_level ? "two_level: schwarz" : "schwarz", why.c_str(), static_cast<long long>(schwarz->cells),
        schwarz->mean_block_points, static_cast<long long>(schwarz->max_block_points), schwarz->overlap,
        schwarz->overlap_reason.c_str(), static_cast<long long>(schwarz->local_cells), schwarz->setup_seconds,
        schwarz->factor_bytes / (1024.0 * 1024.0), 8 * schwarz->factor_entry_bytes);
    schwarz_json = {{"name", "schwarz"},
                    {"choice", choice.reason},
                    {"cells", schwarz->cells},
                    {"local_cells_rank0", schwarz->local_cells},
                    {"mean_block_points", schwarz->mean_block_points},
                    {"max_block_points", schwarz->max_block_points},
                    {"capped_blocks", schwarz->capped_blocks},
                    {"mean_points_in_reach", schwarz->mean_points_in_reach},
                    {"overlap", schwarz->overlap},
                    {"overlap_reason", schwarz->overlap_reason},
                    {"shift", schwarz->shift},
                    {"setup_seconds", schwarz->setup_seconds},
                    {"factor_bytes", schwarz->factor_bytes},
                    {"factor_entry_bytes", schwarz->factor_entry_bytes}};
  }
  if (nystrom) {
    print(
        "Preconditioner: %s (randomly pivoted Cholesky)%s, rank %lld (%s: %s), tr(K - F F^T) = %.3e of %.3e, "
        "setup %.3f s, %.1f MiB per rank\n",
        two_level ? "two_level: nystrom coarse space" : "nystrom", two_level ? "" : why.c_str(),
        static_cast<long long>(nystrom->rank), nystrom->automatic ? "auto" : "given", nystrom->rank_reason.c_str(),
        nystrom->residual_trace, nystrom->initial_trace, nystrom->setup_seconds,
        nystrom->factor_bytes / (1024.0 * 1024.0));
    nystrom_json = {{"name", "nystrom"},
                    {"choice", choice.reason},
                    {"rank", nystrom->rank},
                    {"automatic", nystrom->automatic},
                    {"rank_reason", nystrom->rank_reason},
                    {"residual_trace", nystrom->residual_trace},
                    {"initial_trace", nystrom->initial_trace},
                    {"residual_norm_estimate", nystrom->residual_norm_estimate},
                    {"residual_norm_estimate_rank", nystrom->residual_norm_estimate_rank},
                    {"estimated_iterations", nystrom->estimated_iterations},
                    {"shift", nystrom->shift},
                    {"rounds", nystrom->rounds},
                    {"candidates", nystrom->candidates},
                    {"setup_seconds", nystrom->setup_seconds},
                    {"factor_bytes", nystrom->factor_bytes}};
  }
  if (two_level) {
    print(
        "Preconditioner: two_level coarse space of %lld directions (%lld below the factor's rounding dropped), "
        "setup %.3f s\n",
        static_cast<long long>(two_level->coarse_dimension), static_cast<long long>(two_level->coarse_dropped),
        two_level->setup_seconds);
    report["preconditioner"] = {{"name", "two_level"},
                                {"choice", choice.reason},
                                {"coarse_dimension", two_level->coarse_dimension},
                                {"coarse_dropped", two_level->coarse_dropped},
                                {"coarse_setup_seconds", two_level->setup_seconds},
                                {"schwarz", schwarz_json},
                                {"nystrom", nystrom_json}};
  } else if (schwarz) {
    report["preconditioner"] = schwarz_json;
  } else if (nystrom) {
    report["preconditioner"] = nystrom_json;
  } else {
    report["preconditioner"] = {{"name", "none"}};
  }
}

/// Seconds the preconditioner's setup took (0 for none).
double preconditioner_setup_seconds(KernelSolver const& solver) {
  double seconds = 0.0;
  if (auto const summary = solver.schwarz_summary()) seconds += summary->setup_seconds;
  if (auto const summary = solver.preconditioner_summary()) seconds += summary->setup_seconds;
  if (auto const summary = solver.two_level_summary()) seconds += summary->setup_seconds;
  return seconds;
}

/// --monitor: every iteration; otherwise a progress line every few seconds, so that long solves show life.
SolveMonitor* monitor_for(SolverOptions const& options, PrintingMonitor& every, ProgressMonitor& progress) {
  if (options.monitor) return &every;
  return &progress;
}

/// Rows [first, first + count) of a host matrix, row-major.
std::vector<double> rows_of(reference::HostMatrix const& matrix, std::int64_t first, std::int64_t count) {
  auto const begin = matrix.values.begin() + first * matrix.columns;
  return std::vector<double>(begin, begin + count * matrix.columns);
}

/// A row-major N x columns array as a host matrix.
reference::HostMatrix as_matrix(std::vector<double> values, std::int64_t columns) {
  reference::HostMatrix matrix(columns == 0 ? 0 : static_cast<std::int64_t>(values.size()) / columns, columns);
  matrix.values = std::move(values);
  return matrix;
}

}  // namespace

int run_demo_with(DemoOptions const& options, KernelChoice const& choice, Report& report) {
  SolverOptions const& solver = options.solver;
  Precision const precision = *solver.precision;
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  auto const partition = RowPartition::balanced(options.points, ranks);
  int const rank = world_rank();
  auto const family = choice.spec.family;
  double const g = rounded_to(precision, choice.spec.g);  // the kernel's g in the solver's precision
  double const alpha = rounded_to(precision, solver.alpha);

  std::mt19937_64 generator(options.seed);
  auto const uniform = [&](std::int64_t rows, std::int64_t columns) {
    return has_float_data(precision) ? reference::uniform_matrix<float>(rows, columns, generator)
                                     : reference::uniform_matrix<double>(rows, columns, generator);
  };
  auto const points = uniform(options.points, options.dimension);
  auto const right_hand_sides = uniform(options.points, options.columns);
  report["problem"] = {{"points", options.points},
                       {"dimension", options.dimension},
                       {"columns", options.columns},
                       {"alpha", solver.alpha},
                       {"precision", std::string(to_string(precision))},
                       {"seed", options.seed}};

  print("kernelsolve %s: %s kernel solve (K + alpha I) c = b, k = %s\n", version_string,
        std::string(to_string(family)).c_str(), std::string(formula_of(family)).c_str());
  print("  N = %lld points in [0,1]^%d, Dv = %d right-hand sides, sigma = %g (g = %g), alpha = %g, %s\n",
        static_cast<long long>(options.points), options.dimension, options.columns, choice.sigma, g, solver.alpha,
        precision_label(precision));
  print("  %d MPI rank%s, Kokkos %s with %d threads per rank; rtol = %g, max iterations = %d, preconditioner %s%s\n",
        ranks, ranks > 1 ? "s" : "", Kokkos::DefaultExecutionSpace::name(),
        static_cast<int>(Kokkos::DefaultExecutionSpace().concurrency()), solver.criteria.relative_tolerance,
        solver.criteria.max_iterations, std::string(to_string(solver.preconditioner)).c_str(),
        solver.preconditioner == PreconditionerKind::nystrom ||
                solver.preconditioner == PreconditionerKind::automatic ||
                solver.preconditioner == PreconditionerKind::two_level
            ? (" (nystrom rank " + solver.rank + ")").c_str()
            : "");

  auto const local_rows = partition.local_rows(rank);
  auto const first_row = partition.begin(rank);
  Kokkos::Timer timer;
  std::optional<KernelSolver> kernel_solver;
  {
    Report::Phase phase(report, "setup");
    kernel_solver.emplace(MPI_COMM_WORLD, facade_options(choice, solver), rows_of(points, first_row, local_rows),
                          options.dimension);
  }
  double const setup_seconds = timer.seconds();
  set_up_preconditioner(*kernel_solver, report);
  auto const preconditioner_seconds = preconditioner_setup_seconds(*kernel_solver);

  PrintingMonitor every;
  ProgressMonitor progress;
  SolveMonitor* const monitor = monitor_for(solver, every, progress);
  MPI_Barrier(MPI_COMM_WORLD);
  timer.reset();
  SolveResult result;
  std::vector<double> c;
  {
    Report::Phase phase(report, "solve");
    result = kernel_solver->solve(rows_of(right_hand_sides, first_row, local_rows), options.columns, c, solver.criteria,
                                  monitor);
  }
  double const solve_seconds = timer.seconds();
  report.set_solve("solve", result);
  print("Solve (kernelsolve %s): %.5f s, %s (setup %.5f s, preconditioner %.5f s)\n", method_of(solver), solve_seconds,
        iteration_summary(result).c_str(), setup_seconds, preconditioner_seconds);
  print_solve_result(result);

  // L = <e, c> for e standard normal (the seed's torch.randn): its gradients through one adjoint solve.
  reference::HostMatrix cotangent(options.points, options.columns);
  std::optional<KernelSolverGradient> gradient;
  if (options.gradient) {
    std::normal_distribution<double> normal;
    for (auto& value : cotangent.values) value = rounded_to(precision, normal(generator));
    timer.reset();
    {
      Report::Phase phase(report, "gradient");
      gradient = kernel_solver->gradient(c, rows_of(cotangent, first_row, local_rows), options.columns, solver.criteria,
                                         monitor);
    }
    report.set_solve("adjoint_solve", gradient->adjoint);
    double const d_sigma = gradient->kernel_parameter * g_derivative_of_sigma(family, choice.sigma);
    report["gradient"] = {
        {"dL_dalpha", gradient->ridge}, {"dL_dg", gradient->kernel_parameter}, {"dL_dsigma", d_sigma}};
    print("Gradient of <e, c> (adjoint %s + pair reductions): %.5f s, adjoint %s (%s)\n", method_of(solver),
          timer.seconds(), iteration_summary(gradient->adjoint).c_str(),
          gradient->adjoint.converged() ? "converged" : "NOT converged");
    print("  dL/dalpha = %.6e, dL/dsigma = %.6e\n", gradient->ridge, d_sigma);
    if (auto const& cutoff = gradient->cutoff) {
      // The pair sums dropped what the cutoff products drop; their own bounds (cutoff_summary.hpp).
      report["gradient"]["cutoff"] = {{"dropped_gradient_row_sum", cutoff->dropped_gradient_row_sum},
                                      {"dropped_parameter_row_sum", cutoff->dropped_parameter_row_sum}};
      print("  pair sums cut as the products: dropped gradient row sums <= %.3e, parameter row sums <= %.3e\n",
            cutoff->dropped_gradient_row_sum, cutoff->dropped_parameter_row_sum);
    }
  }

  report.add_timings(kernel_solver->phase_timings());

  if (options.points > options.reference_limit) {
    print("Dense check skipped: N = %lld > --reference-limit %lld\n", static_cast<long long>(options.points),
          static_cast<long long>(options.reference_limit));
    if (!options.plot.empty()) print("Plot skipped: it shows the dense solution, which was not computed\n");
  } else {
    auto const all_coefficients = as_matrix(kernel_solver->gather_rows(c, options.columns), options.columns);
    auto const all_gradient =
        gradient ? as_matrix(kernel_solver->gather_rows(gradient->points, options.dimension), options.dimension)
                 : reference::HostMatrix();
    double error = 0, gradient_error = 0;
    PlotOutcome plot;
    if (rank == 0) {
      timer.reset();
      auto const kernel_in_double = [family, g](double r2) { return evaluate_profile(family, g * r2); };
      auto const dense = reference::kernel_matrix(kernel_in_double, points, points, alpha);
      auto const expected = reference::solve_symmetric_positive_definite(dense, right_hand_sides);
      print("Dense direct solve (float64, LAPACK Cholesky): %.5f s\n", timer.seconds());
      error = reference::relative_error(all_coefficients, expected);
      print("Relative error = %.6e\n", error);
      if (!options.plot.empty()) plot = plot_demo(options.plot, all_coefficients, expected);
      if (gradient) {
        auto const adjoint = reference::solve_symmetric_positive_definite(dense, cotangent);
        auto const derivative = visit_kernel<double>(KernelSpec{family, g}, [](auto const& kernel) {
          return reference::RadialFunction([kernel](double r2) { return kernel.derivative(r2); });
        });
        auto const expected_gradient = reference::solve_gradient_wrt_points(derivative, points, adjoint, expected);
        gradient_error = reference::relative_error(all_gradient, expected_gradient);
        print("Gradient dL/dx relative error = %.6e\n", gradient_error);
      }
    }
    report["dense_check"] = {{"relative_error", error}};
    if (gradient) report["dense_check"]["gradient_relative_error"] = gradient_error;
    if (!options.plot.empty()) {
      int kind = static_cast<int>(plot.kind);
      MPI_Bcast(&kind, 1, MPI_INT, 0, MPI_COMM_WORLD);
      if (static_cast<PlotOutcome::Kind>(kind) == PlotOutcome::Kind::failed) {
        print_error(plot.message);
        return 1;
      }
      print("%s\n", plot.message.c_str());
    }
  }
  if (!result.converged()) print_error(not_converged_message(result, solver, "the demo's solve did not converge"));
  return result.converged() ? 0 : not_converged_exit_code(result);
}

SolveResult solve_rows(KernelChoice const& choice, InputArray const& points, InputArray const& right_hand_sides,
                       SolverOptions const& options, Report& report, std::vector<double>& coefficients) {
  std::optional<KernelSolver> solver;
  {
    Report::Phase phase(report, "setup");
    solver.emplace(MPI_COMM_WORLD, facade_options(choice, options), points.rows,
                   static_cast<int>(points.shape.columns));
  }
  set_up_preconditioner(*solver, report);
  PrintingMonitor every;
  ProgressMonitor progress;
  Report::Phase phase(report, "solve");
  auto result = solver->solve(right_hand_sides.rows, static_cast<int>(right_hand_sides.shape.columns), coefficients,
                              options.criteria, monitor_for(options, every, progress));
  report.add_timings(solver->phase_timings());
  return result;
}

std::vector<double> predict_rows(KernelChoice const& choice, InputArray const& points, InputArray const& coefficients,
                                 InputArray const& new_points, SolverOptions const& options, Report& report) {
  SolverOptions no_preconditioner = options;
  no_preconditioner.alpha = 0;  // the ridge plays no part in K(x_new, x) c
  no_preconditioner.preconditioner = PreconditionerKind::none;
  // Mixed precision predicts in float64 (its outer operator): the float64 model alone, without a float32 copy.
  if (no_preconditioner.precision == Precision::mixed) no_preconditioner.precision = Precision::float64;
  std::optional<KernelSolver> solver;
  {
    Report::Phase phase(report, "setup");
    solver.emplace(MPI_COMM_WORLD, facade_options(choice, no_preconditioner), points.rows,
                   static_cast<int>(points.shape.columns));
  }
  Report::Phase phase(report, "predict");
  auto values = solver->predict(coefficients.rows, static_cast<int>(coefficients.shape.columns), new_points.rows);
  report.add_timings(solver->phase_timings());
  return values;
}

}  // namespace kernelsolve::app
