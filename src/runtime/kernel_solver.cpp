// KernelSolver: the run-time choice of family and precision, made once, forwarded to the compiled models.
#include "kernel_solver_model.hpp"

#include <kernelsolve/error.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/kernels/visit_kernel.hpp>

#include <utility>

namespace kernelsolve {

Precision precision_from_name(std::string_view name) {
  if (name == "float" || name == "float32") return Precision::float32;
  if (name == "double" || name == "float64") return Precision::float64;
  if (name == "mixed") return Precision::mixed;
  detail::throw_error<InvalidArgument>("precision_from_name", "unknown precision '", name,
                                       "' (known: float32, float64, mixed, float, double)");
}

std::string_view to_string(Precision precision) {
  switch (precision) {
    case Precision::float32:
      return "float32";
    case Precision::float64:
      return "float64";
    case Precision::mixed:
      return "mixed";
  }
  return "unknown";
}

KernelSolver::KernelSolver(MPI_Comm comm, KernelSolverOptions const& options, std::vector<double> const& local_points,
                           int dimension)
    : options_(options) {
  auto const make = [&](auto const& kernel) {
    return detail::make_kernel_solver_model(comm, kernel, local_points, dimension, options);
  };
  auto const make_mixed = [&](auto const& kernel) {
    return detail::make_mixed_kernel_solver_model(comm, kernel, local_points, dimension, options);
  };
  switch (options.precision) {
    case Precision::float32:
      model_ = visit_kernel<float>(options.kernel, make);
      break;
    case Precision::float64:
      model_ = visit_kernel<double>(options.kernel, make);
      break;
    case Precision::mixed:
      model_ = visit_kernel<double>(options.kernel, make_mixed);
      break;
  }
  KS_USER_REQUIRE(model_ != nullptr, "unknown precision ", static_cast<int>(options.precision));
}

KernelSolver::~KernelSolver() = default;
KernelSolver::KernelSolver(KernelSolver&&) noexcept = default;
KernelSolver& KernelSolver::operator=(KernelSolver&&) noexcept = default;

void KernelSolver::setup_preconditioner() {
  model_->setup_preconditioner(options_);
}

std::optional<PreconditionerChoice> KernelSolver::preconditioner_choice() const {
  return model_->preconditioner_choice();
}

std::optional<NystromSummary> KernelSolver::preconditioner_summary() const {
  return model_->preconditioner_summary();
}

std::optional<CutoffSummary> KernelSolver::cutoff_summary() const {
  return model_->cutoff_summary();
}

std::optional<SchwarzSummary> KernelSolver::schwarz_summary() const {
  return model_->schwarz_summary();
}

std::optional<TwoLevelSummary> KernelSolver::two_level_summary() const {
  return model_->two_level_summary();
}

SolveResult KernelSolver::solve(std::vector<double> const& right_hand_sides, int columns,
                                std::vector<double>& coefficients, StoppingCriteria const& criteria,
                                SolveMonitor* monitor) {
  return model_->solve(options_, right_hand_sides, columns, coefficients, criteria, monitor);
}

KernelSolverGradient KernelSolver::gradient(std::vector<double> const& coefficients,
                                            std::vector<double> const& cotangent, int columns,
                                            StoppingCriteria const& criteria, SolveMonitor* monitor) {
  return model_->gradient(options_, coefficients, cotangent, columns, criteria, monitor);
}

std::vector<double> KernelSolver::predict(std::vector<double> const& coefficients, int columns,
                                          std::vector<double> const& new_points) {
  return model_->predict(coefficients, columns, new_points);
}

std::vector<double> KernelSolver::gather_rows(std::vector<double> const& local, int columns) const {
  return model_->gather_rows(local, columns);
}

std::int64_t KernelSolver::global_rows() const {
  return model_->global_rows();
}
std::int64_t KernelSolver::local_rows() const {
  return model_->local_rows();
}
std::int64_t KernelSolver::first_row() const {
  return model_->first_row();
}

PhaseTimings const& KernelSolver::phase_timings() const {
  return model_->phase_timings();
}

PhaseTimings& KernelSolver::phase_timings() {
  return model_->phase_timings();
}

}  // namespace kernelsolve
