// The app's commands: files and checks around the kernel-dependent work of commands.hpp (command_work.cpp).
#include "commands.hpp"

#include "memory_check.hpp"
#include "printing.hpp"

#include <kernelsolve/error.hpp>
#include <kernelsolve/version.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace kernelsolve::app {
namespace {

/// The option, or for auto the element type of `file`.
Precision resolve_precision(std::optional<Precision> const& option, io::ElementType file) {
  if (option) return *option;
  return file == io::ElementType::float32 ? Precision::float32 : Precision::float64;
}

/// The option values, checked before any file is read (the library checks them again, later).
void validate(SolverOptions const& options) {
  KS_USER_REQUIRE(std::isfinite(options.alpha) && options.alpha >= 0, "alpha (the ridge) must be finite and >= 0, got ",
                  options.alpha);
  // rtol >= 1 is met by c = 0 for every right-hand side: refused, as PETSc does.
  KS_USER_REQUIRE(!options.rtol || (std::isfinite(*options.rtol) && *options.rtol > 0 && *options.rtol < 1),
                  "--rtol (the relative tolerance) must be in (0, 1), got ", options.rtol.value_or(0));
  KS_USER_REQUIRE(std::isfinite(options.criteria.absolute_tolerance) && options.criteria.absolute_tolerance >= 0,
                  "--atol must be finite and >= 0, got ", options.criteria.absolute_tolerance);
  KS_USER_REQUIRE(options.criteria.max_iterations >= 1, "--max-it must be >= 1, got ", options.criteria.max_iterations);
  KS_USER_REQUIRE(options.inner_rtol > 0 && options.inner_rtol < 1, "--inner-rtol must be in (0, 1), got ",
                  options.inner_rtol);
  nystrom_rank_of(options);  // throws for a --rank that is neither a whole number nor auto
  overlap_of(options);       // ... and for an --overlap that is neither a distance nor auto
  truncation_of(options);    // ... and for a --truncation that is neither in (0, 1) nor off
}

SolverOptions with_precision(SolverOptions options, Precision precision) {
  options.precision = precision;
  options.criteria.relative_tolerance = options.rtol.value_or(default_relative_tolerance(precision));
  return options;
}

/// The solution's type: float32 for float32, float64 for float64 and mixed.
io::ElementType element_type_of(Precision precision) {
  return precision == Precision::float32 ? io::ElementType::float32 : io::ElementType::float64;
}

/// The same on every rank (every rank inspected the same files), so a plain throw cannot deadlock.
[[noreturn]] void refuse(std::string const& message) {
  throw InvalidArgument(message);
}

void require_enough_points(Communicator const& comm, InputArray const& points) {
  if (points.shape.rows < comm.size()) {
    refuse(detail::concatenate(points.name, ": N = ", points.shape.rows, " points is fewer than the ", comm.size(),
                               " MPI ranks (every rank needs at least one point)"));
  }
}

/// The last phase of solve and predict: write this rank's rows of the result, then the report.
int write_result(Communicator const& comm, Report& report, io::ArrayLocation const& out, std::string const& name,
                 RowBlock const& block, InputArray const& shaped_like, Precision precision,
                 std::string const& report_path, std::vector<double> const& rows) {
  {
    Report::Phase phase(report, "write", kernelsolve::Phase::io);
    write_output(comm, out, block, shaped_like.shape.columns, shaped_like.shape.one_dimensional,
                 element_type_of(precision), rows);
  }
  print("Wrote %s\n", name.c_str());
  report.finish_phases();
  report.write(report_path);
  return 0;
}

/// Bytes per element of the solver's data in a precision (mixed keeps a float32 and a float64 copy).
double solver_bytes(Precision precision) {
  return precision == Precision::float32 ? 4 : precision == Precision::float64 ? 8 : 12;
}

/// Every rank holds all N points and a gathered N x Dv vector per solver copy, plus its rows of the blocks.
void require_memory_for(Communicator const& comm, std::int64_t points, std::int64_t dimension, std::int64_t columns,
                        Precision precision, double extra_bytes, std::string const& what) {
  auto const n = static_cast<double>(points), d = static_cast<double>(dimension), v = static_cast<double>(columns);
  double const local_rows = n / comm.size() + 1;
  // all points and a gathered direction per solver copy; this rank's points and the solver's vectors (about six
  // blocks of Dv columns) in double
  double const needed = solver_bytes(precision) * n * (d + 2 * v) + 8 * local_rows * (d + 6 * v) + extra_bytes;
  require_memory(comm, needed,
                 detail::concatenate(what, " (every rank holds all ", points, " points of dimension ", dimension,
                                     " and a gathered vector of ", columns, " columns)"));
}

std::vector<NamedFile> files_of(std::vector<std::pair<std::string, std::string>> const& named) {
  std::vector<NamedFile> files;
  for (auto const& [option, name] : named) {
    if (name.empty()) continue;
    files.push_back(NamedFile{option, io::parse_array_location(name).path});
  }
  return files;
}

void print_kernel(KernelChoice const& choice) {
  print("  kernel %s: k = %s, g = %g (sigma = %g)%s%s\n", std::string(to_string(choice.spec.family)).c_str(),
        std::string(formula_of(choice.spec.family)).c_str(), choice.spec.g, choice.sigma,
        choice.formula.empty() ? "" : ", from the formula ", choice.formula.c_str());
}

}  // namespace

std::optional<std::int64_t> nystrom_rank_of(SolverOptions const& options) {
  if (options.rank == "auto") return std::nullopt;
  std::size_t used = 0;
  long long rank = 0;
  try {
    rank = std::stoll(options.rank, &used);
  } catch (std::exception const&) {
    used = 0;
  }
  KS_USER_REQUIRE(used > 0 && used == options.rank.size(), "--rank must be a whole number or auto, got '", options.rank,
                  "'");
  return static_cast<std::int64_t>(rank);
}

namespace {

/// The whole of `text` as a number, or nothing when it is not one (or has more after it).
std::optional<double> whole_number(std::string const& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (std::exception const&) {
    return std::nullopt;
  }
  if (used == 0 || used != text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<double> overlap_of(SolverOptions const& options) {
  if (options.overlap == "auto") return std::nullopt;
  auto const overlap = whole_number(options.overlap);
  KS_USER_REQUIRE(overlap && std::isfinite(*overlap) && *overlap >= 0,
                  "--overlap must be a distance >= 0 or auto, got '", options.overlap, "'");
  return overlap;
}

std::optional<double> truncation_of(SolverOptions const& options) {
  if (options.truncation == "off") return std::nullopt;
  auto const truncation = whole_number(options.truncation);
  KS_USER_REQUIRE(truncation && *truncation > 0 && *truncation < 1,
                  "--truncation must be a tolerance in (0, 1) or off, got '", options.truncation, "'");
  return truncation;
}

char const* method_of(SolverOptions const& options) {
  bool const plain = options.preconditioner == PreconditionerKind::none;
  if (options.precision == Precision::mixed)
    return plain ? "mixed-precision refinement around CG" : "mixed-precision refinement around PCG";
  return plain ? "CG" : "PCG";
}

double default_relative_tolerance(Precision precision) {
  return precision == Precision::float32 ? 1e-3 : 1e-10;
}

bool interrupted(SolveResult const& result) {
  return std::find(result.reasons.begin(), result.reasons.end(), ConvergenceReason::interrupted) !=
         result.reasons.end();
}

int not_converged_exit_code(SolveResult const& result) {
  return interrupted(result) ? exit_interrupted : exit_not_converged;
}

std::string not_converged_message(SolveResult const& result, SolverOptions const& options, std::string const& what) {
  if (interrupted(result)) {
    double const largest = *std::max_element(result.relative_residuals.begin(), result.relative_residuals.end());
    return detail::concatenate(what, ": stopped by a signal (SIGTERM, SIGINT or SIGUSR1) after ", result.iterations,
                               " iterations, at a relative residual of ", largest);
  }
  auto const stagnated =
      std::find(result.reasons.begin(), result.reasons.end(), ConvergenceReason::diverged_stagnation);
  if (stagnated != result.reasons.end()) {
    auto const column = static_cast<std::size_t>(stagnated - result.reasons.begin());
    return detail::concatenate(what, ": the true residual stagnated at ", result.relative_residuals[column],
                               " (column ", column, ") above --rtol ", options.criteria.relative_tolerance, " in ",
                               to_string(options.precision.value_or(Precision::float64)),
                               options.precision == Precision::float32
                                   ? ": --precision mixed (or float64) reaches it"
                                   : ": the tolerance is below what float64 reaches");
  }
  return detail::concatenate(what, " within ", options.criteria.max_iterations, " iterations");
}

int run_demo(DemoOptions options) {
  validate(options.solver);
  options.solver = with_precision(options.solver, options.solver.precision.value_or(Precision::mixed));
  {
    Communicator const comm(MPI_COMM_WORLD);
    check_writable(comm, options.solver.report);
    check_writable(comm, options.plot);
    refuse_shared_files(comm, {NamedFile{"--plot", options.plot}, NamedFile{"--report", options.solver.report}}, {});
    // On every rank the demo also keeps its points, right-hand sides, cotangent and gathered solution in double,
    // and rank 0 the dense matrix and its factor of the check.
    auto const n = static_cast<double>(options.points);
    double const host = 8 * n * (options.dimension + 3.0 * options.columns);
    double const dense = options.points <= options.reference_limit ? 16 * n * n : 0;
    require_memory_for(comm, options.points, options.dimension, options.columns, *options.solver.precision,
                       host + dense, detail::concatenate("the demo with N = ", options.points, " points"));
  }
  auto const choice = choose_kernel(options.kernel);
  Report report("demo");
  report.set_kernel(choice);
  int const exit_code = run_demo_with(options, choice, report);
  report.finish_phases();
  report.write(options.solver.report);
  return exit_code;
}

int run_solve(SolveOptions const& options) {
  validate(options.solver);
  Communicator const comm(MPI_COMM_WORLD);
  auto const choice = choose_kernel(options.kernel);
  Report report("solve");
  report.set_kernel(choice);
  auto const out = check_output(comm, options.out);
  check_writable(comm, options.solver.report);
  refuse_shared_files(comm, files_of({{"--out", options.out}}),
                      files_of({{"--points", options.points}, {"--rhs", options.right_hand_sides}}));
  refuse_shared_files(
      comm, {NamedFile{"--report", options.solver.report}},
      files_of({{"--points", options.points}, {"--rhs", options.right_hand_sides}, {"--out", options.out}}));
  InputArray points, right_hand_sides;
  RowBlock partition;
  {
    Report::Phase phase(report, "read", kernelsolve::Phase::io);
    points = inspect_input(comm, options.points);
    right_hand_sides = inspect_input(comm, options.right_hand_sides);
    if (right_hand_sides.shape.rows != points.shape.rows) {
      refuse(detail::concatenate(right_hand_sides.name, ": ", right_hand_sides.shape.rows,
                                 " rows of right-hand sides, but ", points.name, " has ", points.shape.rows,
                                 " points (one row per point)"));
    }
    require_enough_points(comm, points);
    require_memory_for(comm, points.shape.rows, points.shape.columns, right_hand_sides.shape.columns,
                       resolve_precision(options.solver.precision, points.shape.element_type), 0,
                       detail::concatenate("the solve of ", points.name));
    partition = balanced_block(comm, points.shape.rows);
    read_rows_of(comm, points, partition);
    read_rows_of(comm, right_hand_sides, partition);
  }
  auto const solver =
      with_precision(options.solver, resolve_precision(options.solver.precision, points.shape.element_type));
  report["problem"] = {{"points", options.points},
                       {"right_hand_sides", options.right_hand_sides},
                       {"out", options.out},
                       {"N", points.shape.rows},
                       {"D", points.shape.columns},
                       {"Dv", right_hand_sides.shape.columns},
                       {"alpha", solver.alpha},
                       {"precision", std::string(to_string(*solver.precision))},
                       {"rtol", solver.criteria.relative_tolerance}};
  print("kernelsolve %s solve: N = %lld points of dimension %lld, Dv = %lld, alpha = %g, %s, %d rank%s\n",
        version_string, static_cast<long long>(points.shape.rows), static_cast<long long>(points.shape.columns),
        static_cast<long long>(right_hand_sides.shape.columns), solver.alpha,
        std::string(to_string(*solver.precision)).c_str(), comm.size(), comm.size() > 1 ? "s" : "");
  print_kernel(choice);

  std::vector<double> coefficients;
  auto const result = solve_rows(choice, points, right_hand_sides, solver, report, coefficients);
  report.set_solve("solve", result);
  print("Solve: %s, %s\n", iteration_summary(result).c_str(), result.converged() ? "converged" : "NOT converged");
  print_solve_result(result);
  if (!result.converged()) {
    report.finish_phases();
    report.write(solver.report);
    print_error(not_converged_message(result, solver, "the solve did not converge") + ": " + options.out +
                " not written");
    return not_converged_exit_code(result);
  }
  return write_result(comm, report, out, options.out, partition, right_hand_sides, *solver.precision, solver.report,
                      coefficients);
}

int run_predict(PredictOptions const& options) {
  Communicator const comm(MPI_COMM_WORLD);
  auto const choice = choose_kernel(options.kernel);
  Report report("predict");
  report.set_kernel(choice);
  auto const out = check_output(comm, options.out);
  check_writable(comm, options.solver.report);
  auto const inputs =
      files_of({{"--points", options.points}, {"--coefficients", options.coefficients}, {"--at", options.new_points}});
  refuse_shared_files(comm, files_of({{"--out", options.out}}), inputs);
  auto inputs_and_out = inputs;
  inputs_and_out.push_back(NamedFile{"--out", out.path});
  refuse_shared_files(comm, {NamedFile{"--report", options.solver.report}}, inputs_and_out);
  InputArray points, coefficients, new_points;
  RowBlock partition, new_partition;
  {
    Report::Phase phase(report, "read", kernelsolve::Phase::io);
    points = inspect_input(comm, options.points);
    coefficients = inspect_input(comm, options.coefficients);
    new_points = inspect_input(comm, options.new_points);
    if (coefficients.shape.rows != points.shape.rows) {
      refuse(detail::concatenate(coefficients.name, ": ", coefficients.shape.rows, " rows of coefficients, but ",
                                 points.name, " has ", points.shape.rows, " points (one row per point)"));
    }
    if (new_points.shape.columns != points.shape.columns) {
      refuse(detail::concatenate(new_points.name, ": new points of dimension ", new_points.shape.columns, ", but ",
                                 points.name, " has points of dimension ", points.shape.columns));
    }
    require_enough_points(comm, points);
    require_memory_for(comm, points.shape.rows, points.shape.columns, coefficients.shape.columns,
                       resolve_precision(options.solver.precision, points.shape.element_type),
                       8.0 * 3 * static_cast<double>(new_points.shape.rows) / comm.size() *
                           static_cast<double>(new_points.shape.columns + coefficients.shape.columns),
                       detail::concatenate("the prediction from ", points.name));
    partition = balanced_block(comm, points.shape.rows);
    new_partition = balanced_block(comm, new_points.shape.rows);
    read_rows_of(comm, points, partition);
    read_rows_of(comm, coefficients, partition);
    read_rows_of(comm, new_points, new_partition);
  }
  auto const solver =
      with_precision(options.solver, resolve_precision(options.solver.precision, points.shape.element_type));
  report["problem"] = {{"points", options.points},
                       {"coefficients", options.coefficients},
                       {"new_points", options.new_points},
                       {"out", options.out},
                       {"N", points.shape.rows},
                       {"M", new_points.shape.rows},
                       {"D", points.shape.columns},
                       {"Dv", coefficients.shape.columns},
                       {"precision", std::string(to_string(*solver.precision))}};
  print("kernelsolve %s predict: M = %lld new points from N = %lld points of dimension %lld, Dv = %lld, %s\n",
        version_string, static_cast<long long>(new_points.shape.rows), static_cast<long long>(points.shape.rows),
        static_cast<long long>(points.shape.columns), static_cast<long long>(coefficients.shape.columns),
        std::string(to_string(*solver.precision)).c_str());
  print_kernel(choice);
  auto const values = predict_rows(choice, points, coefficients, new_points, solver, report);
  return write_result(comm, report, out, options.out, new_partition, coefficients, *solver.precision, solver.report,
                      values);
}

}  // namespace kernelsolve::app
