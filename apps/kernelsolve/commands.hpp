// The app's commands and their kernel-dependent work (command_work.cpp), which goes through the library's run-time
// facade (runtime/kernel_solver.hpp): the family, precision and preconditioner are values, not template arguments.
#pragma once

#include "arrays.hpp"
#include "kernel_choice.hpp"
#include "options.hpp"
#include "report.hpp"

#include <kernelsolve/solver/solve_result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kernelsolve::app {

/// The seed's demo with the chosen kernel and precision: random problem, distributed (P)CG, dense check, optional
/// gradients. Exit code.
int run_demo_with(DemoOptions const& options, KernelChoice const& choice, Report& report);

/// Solves (K + alpha I) c = b for this rank's rows of the points and right-hand sides; fills this rank's rows of
/// c (row-major) and returns the solve's result.
SolveResult solve_rows(KernelChoice const& choice, InputArray const& points, InputArray const& right_hand_sides,
                       SolverOptions const& options, Report& report, std::vector<double>& coefficients);

/// values = K(new points, points) c for this rank's rows of the new points (row-major), in options.precision.
std::vector<double> predict_rows(KernelChoice const& choice, InputArray const& points, InputArray const& coefficients,
                                 InputArray const& new_points, SolverOptions const& options, Report& report);

}  // namespace kernelsolve::app

namespace kernelsolve::app {

/// --rank as a number, or nothing for auto. \throws InvalidArgument when it is neither.
std::optional<std::int64_t> nystrom_rank_of(SolverOptions const& options);
/// --overlap as a distance, or nothing for auto. \throws InvalidArgument for anything else.
std::optional<double> overlap_of(SolverOptions const& options);
/// --truncation as a tolerance in (0, 1), or nothing for off. \throws InvalidArgument for anything else.
std::optional<double> truncation_of(SolverOptions const& options);

/// The relative tolerance without --rtol: 1e-3 for float (what float32 products reach honestly, measured), 1e-10
/// for double and mixed.
double default_relative_tolerance(Precision precision);
/// "<what> within N iterations", or for a stagnated column the residual reached and the precision that reaches
/// the tolerance.
std::string not_converged_message(SolveResult const& result, SolverOptions const& options, std::string const& what);

/// exit_interrupted when a signal stopped the solve, else exit_not_converged (for a result that did not converge).
int not_converged_exit_code(SolveResult const& result);
/// "CG" / "PCG", or "mixed-precision refinement around (P)CG".
char const* method_of(SolverOptions const& options);

/// The three commands; each returns the exit code (0, exit_not_converged or exit_interrupted) and throws on bad
/// input.
int run_demo(DemoOptions options);
int run_solve(SolveOptions const& options);
int run_predict(PredictOptions const& options);

}  // namespace kernelsolve::app
