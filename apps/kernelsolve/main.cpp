// The kernelsolve command-line app: MPI and Kokkos set-up, the three commands (demo, solve, predict) and their
// options, and one error path (one line on stderr, exit code 1; 3 for a solve that did not converge).
#include "commands.hpp"
#include "options.hpp"
#include "printing.hpp"
#include "startup.hpp"
#include "stop_signals.hpp"

#include <kernelsolve/version.hpp>

#include <mpi.h>
#include <CLI/CLI.hpp>
#include <Kokkos_Core.hpp>

#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace kernelsolve::app;

/// MPI_Init / MPI_Finalize for the lifetime of main (the library itself never initializes MPI).
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv) { MPI_Init(&argc, &argv); }
  ~MpiSession() { MPI_Finalize(); }
  MpiSession(MpiSession const&) = delete;
  MpiSession& operator=(MpiSession const&) = delete;
};

/// The names of the values of a library enumeration, as CLI11's IsMember takes them.
template <class Values>
std::vector<std::string> names_of(Values const& values) {
  std::vector<std::string> names;
  for (auto const& value : values) names.emplace_back(kernelsolve::to_string(value));
  return names;
}

void add_kernel_options(CLI::App& command, KernelOptions& options) {
  auto* kernel = command
                     .add_option("--kernel", options.name,
                                 "kernel family: gaussian, laplacian, matern32, matern52, cauchy, "
                                 "inverse_multiquadric (aliases rbf, exponential, imq)")
                     ->capture_default_str();
  auto* formula = command.add_option("--formula", options.formula,
                                     "the kernel as a KeOps formula, e.g. \"Exp(-g*SqDist(x,y))*b\" or "
                                     "\"Inv(1+g*SqDist(x,y))*b\"");
  kernel->excludes(formula);
  auto* sigma = command
                    .add_option("--sigma", options.sigma,
                                "length scale sigma > 0: g = 1/(2 sigma^2) for the Gaussian, 1/sigma^2 otherwise")
                    ->capture_default_str();
  command.add_option("--gamma", options.g, "the kernel parameter g > 0 itself, instead of --sigma")->excludes(sigma);
  command.add_option("--param", options.parameters,
                     "value of a parameter of --formula, name=value (repeatable); g defaults to --gamma, else "
                     "1/(2 sigma^2) as in the KeOps example");
}

void add_solver_options(CLI::App& command, SolverOptions& options, bool solves) {
  if (solves) {
    command.add_option("--alpha", options.alpha, "ridge alpha >= 0 in (K + alpha I)")->capture_default_str();
    command.add_option_function<double>(
        "--rtol", [&options](double rtol) { options.rtol = rtol; },
        "relative tolerance of the true residual (default 1e-3 in float32, 1e-10 in float64 and mixed)");
    command.add_option("--atol", options.criteria.absolute_tolerance, "absolute residual tolerance")
        ->capture_default_str();
    command.add_option("--max-it", options.criteria.max_iterations, "maximum number of CG iterations")
        ->capture_default_str();
    command.add_flag("--monitor", options.monitor, "print the largest relative residual at every iteration");
    command
        .add_option_function<std::string>(
            "--preconditioner",
            [&options](std::string const& name) {
              options.preconditioner = kernelsolve::preconditioner_kind_from_name(name);
            },
            "none (plain CG), nystrom (randomly pivoted Cholesky, rank --rank: wide kernels), schwarz "
            "(overlapping local blocks, --cell-points and --overlap: narrow kernels), or auto: schwarz when "
            "a cell's overlap holds at most a fifth of the points, else nystrom")
        ->check(CLI::IsMember(names_of(kernelsolve::all_preconditioner_kinds)))
        ->default_str("auto");
    command
        .add_option("--cell-points", options.cell_points,
                    "schwarz: most points of a cell before the overlap (blocks cost b^2 doubles, b^3 / 3 flops)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        .add_option("--overlap", options.overlap,
                    "schwarz: the distance the cells grow by, or auto: where the kernel falls to exp(-3) k(0) "
                    "(1.7 length scales of the Gaussian exp(-r^2 / l^2))")
        ->capture_default_str();
    command
        .add_option("--rank", options.rank,
                    "rank K of the nystrom preconditioner, or auto: grow it until tr(K - F F^T) <= 200 alpha or "
                    "until a round of pivots costs more than the products it saves")
        ->capture_default_str();
    command
        .add_option("--inner-rtol", options.inner_rtol,
                    "mixed precision: each float32 inner solve reduces the outer residual by this factor")
        ->capture_default_str();
  }
  command
      .add_option("--truncation", options.truncation,
                  "cutoff products (in the inner solves, and in predict): tiles of 64 sorted points skip the tiles "
                  "the kernel reaches only below TOL k(0), TOL in (0, 1); residuals and verdicts still come from the "
                  "full product to float64 rounding (iterative refinement; its residual products drop only what is "
                  "below 2^-53 k(0) per row). off: full products")
      ->capture_default_str();
  std::vector<std::string> precisions{"auto"};
  for (auto const& name : kernelsolve::precision_names) precisions.emplace_back(name);
  command
      .add_option_function<std::string>(
          "--precision",
          [&options](std::string const& name) {
            options.precision = name == "auto"
                                    ? std::nullopt
                                    : std::optional<kernelsolve::Precision>(kernelsolve::precision_from_name(name));
          },
          "arithmetic: float32 (or float), float64 (or double), mixed (float32 kernel in the inner solves, float64 "
          "refinement: float64 accuracy at about float32 cost), or auto (the demo: mixed; files: the points' own "
          "type)")
      ->check(CLI::IsMember(precisions))
      ->default_str("auto");
  command.add_option("--report", options.report, "write a JSON report (sizes, kernel, ranks, convergence, timings)");
}

void add_demo_options(CLI::App& command, DemoOptions& options) {
  command.add_option("-n,--points", options.points, "number of points N")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_option("-d,--dimension", options.dimension, "dimension D of the points")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_option("--dv,--columns", options.columns, "number Dv of right-hand sides")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_option("--seed", options.seed, "random seed of the points and right-hand sides")->capture_default_str();
  command
      .add_option("--reference-limit", options.reference_limit,
                  "largest N checked against a dense double direct solve (O(N^2) memory on rank 0)")
      ->capture_default_str();
  command.add_option("--plot", options.plot,
                     "F.png: the first 40 coefficients of each column next to the dense solution, as the KeOps "
                     "example plots them (needs python3-matplotlib; skipped with a note without it)");
  command.add_flag("--grad", options.gradient,
                   "also differentiate L = <e, c> for a random e (the seed's autograd check): dL/dx, dL/db, "
                   "dL/dalpha, dL/dsigma through one adjoint solve");
  add_kernel_options(command, options.kernel);
  add_solver_options(command, options.solver, true);
}

void add_solve_options(CLI::App& command, SolveOptions& options) {
  command.add_option("--points,-x", options.points, "N x D points: file.npy, file.csv or file.h5:/dataset")->required();
  command.add_option("--rhs,-b", options.right_hand_sides, "N x Dv (or length-N) right-hand sides")->required();
  command.add_option("--out,-o", options.out, "where to write the N x Dv coefficients c")->required();
  add_kernel_options(command, options.kernel);
  add_solver_options(command, options.solver, true);
}

void add_predict_options(CLI::App& command, PredictOptions& options) {
  command.add_option("--points,-x", options.points, "the N x D points of the solve")->required();
  command.add_option("--coefficients,-c", options.coefficients, "its N x Dv coefficients (solve --out)")->required();
  command.add_option("--at,--new-points", options.new_points, "M x D new points")->required();
  command.add_option("--out,-o", options.out, "where to write the M x Dv values K(new points, points) c")->required();
  add_kernel_options(command, options.kernel);
  add_solver_options(command, options.solver, false);
}

/// `kernelsolve [options]` runs the demo: inserts "demo" when the first argument names no command.
std::vector<char*> with_default_command(int argc, char** argv) {
  static char demo[] = "demo";
  std::vector<char*> arguments(argv, argv + argc);
  bool const names_command =
      argc > 1 && (std::strcmp(argv[1], "demo") == 0 || std::strcmp(argv[1], "solve") == 0 ||
                   std::strcmp(argv[1], "predict") == 0 || std::strcmp(argv[1], "-h") == 0 ||
                   std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "--version") == 0);
  if (!names_command) arguments.insert(arguments.begin() + 1, demo);
  return arguments;
}

}  // namespace

int main(int argc, char** argv) {
  MpiSession mpi(argc, argv);
  set_openmp_binding_default();
  auto split = split_kokkos_arguments(argc, argv);
  auto const busy_cores = busy_cores_of_other_processes();
  int kokkos_argc = static_cast<int>(split.kokkos.size()) - 1;
  Kokkos::ScopeGuard kokkos(kokkos_argc, split.kokkos.data());
  if (split.kokkos_help) return 0;  // Kokkos printed its options
  bool const is_rank_zero = world_rank() == 0;

  CLI::App app{
      "kernelsolve: matrix-free distributed solves of (K + alpha I) c = b for kernel matrices K(x_i, x_j).\n"
      "Without a command it runs the demo, the KeOps KernelSolve example: N = 5000 points in [0,1]^2,\n"
      "Gaussian kernel with sigma = 0.1, alpha = 0.01, float32 data solved in mixed precision to 1e-10,\n"
      "checked against a dense direct solve.",
      "kernelsolve"};
  app.set_version_flag("--version", kernelsolve::version_string);
  char const* const footer =
      "Kokkos' own options (--kokkos-threads=N, --kokkos-device-id=N, ...): kernelsolve --kokkos-help.\n"
      "Threads per rank: OMP_NUM_THREADS (OMP_PROC_BIND=spread OMP_PLACES=threads pins them).";
  app.footer(footer);
  app.require_subcommand(1, 1);
  DemoOptions demo_options;
  SolveOptions solve_options;
  PredictOptions predict_options;
  auto* demo = app.add_subcommand("demo", "the KeOps KernelSolve example on random points (the default command)");
  add_demo_options(*demo, demo_options);
  auto* solve = app.add_subcommand("solve", "points + right-hand sides -> coefficients c of (K + alpha I) c = b");
  add_solve_options(*solve, solve_options);
  auto* predict = app.add_subcommand("predict", "points + coefficients + new points -> values K(new, points) c");
  add_predict_options(*predict, predict_options);
  for (auto* command : {demo, solve, predict}) command->footer(footer);

  auto arguments = with_default_command(static_cast<int>(split.app.size()) - 1, split.app.data());
  try {
    app.parse(static_cast<int>(arguments.size()), arguments.data());
  } catch (CLI::ParseError const& error) {
    return is_rank_zero ? app.exit(error) : error.get_exit_code();
  }
  warn_if_oversubscribed(busy_cores);

  // Solves stop cleanly on SIGTERM, SIGINT and SIGUSR1 (predict has no iterations: it keeps the default actions).
  if (solve->parsed() || !predict->parsed()) {
    solve_options.solver.criteria.stop_token = &stop_on_signals();
    demo_options.solver.criteria.stop_token = &stop_on_signals();
  }
  try {
    if (solve->parsed()) return run_solve(solve_options);
    if (predict->parsed()) return run_predict(predict_options);
    return run_demo(demo_options);
  } catch (std::bad_alloc const&) {
    print_error(
        "out of memory (std::bad_alloc): this rank could not allocate what the problem needs; use fewer points, or "
        "fewer ranks per node");
    return 1;
  } catch (std::exception const& error) {
    print_error(error.what());
    return 1;
  }
}
