// The precision- and family-specific work behind KernelSolver: the abstract model, and the factory of its
// implementation for one kernel functor type (kernel_solver_model_impl.hpp, compiled once per family and precision
// in the generated kernel_solver_<family>.cpp).
#pragma once

#include <kernelsolve/runtime/kernel_solver.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace kernelsolve {

class KernelSolver::Model {
 public:
  virtual ~Model() = default;
  virtual void setup_preconditioner(KernelSolverOptions const& options) = 0;
  [[nodiscard]] virtual std::optional<PreconditionerChoice> preconditioner_choice() const = 0;
  [[nodiscard]] virtual std::optional<NystromSummary> preconditioner_summary() const = 0;
  [[nodiscard]] virtual std::optional<SchwarzSummary> schwarz_summary() const = 0;
  [[nodiscard]] virtual std::optional<TwoLevelSummary> two_level_summary() const = 0;
  [[nodiscard]] virtual std::optional<CutoffSummary> cutoff_summary() const = 0;
  virtual SolveResult solve(KernelSolverOptions const& options, std::vector<double> const& right_hand_sides,
                            int columns, std::vector<double>& coefficients, StoppingCriteria const& criteria,
                            SolveMonitor* monitor) = 0;
  virtual KernelSolverGradient gradient(KernelSolverOptions const& options, std::vector<double> const& coefficients,
                                        std::vector<double> const& cotangent, int columns,
                                        StoppingCriteria const& criteria, SolveMonitor* monitor) = 0;
  virtual std::vector<double> predict(std::vector<double> const& coefficients, int columns,
                                      std::vector<double> const& new_points) = 0;
  [[nodiscard]] virtual std::vector<double> gather_rows(std::vector<double> const& local, int columns) const = 0;
  [[nodiscard]] virtual std::int64_t global_rows() const = 0;
  [[nodiscard]] virtual std::int64_t local_rows() const = 0;
  [[nodiscard]] virtual std::int64_t first_row() const = 0;
  [[nodiscard]] virtual PhaseTimings& phase_timings() = 0;
};

namespace detail {

/// The model for one kernel functor type (defined in kernel_solver_model_impl.hpp) with the options' alpha, spatial
/// order (geometry/spatial_order.hpp) and truncation: with a truncation, iterative refinement in the kernel's
/// precision around inner solves with the cutoff product (the true residual from the full one).
template <class Kernel>
std::unique_ptr<KernelSolver::Model> make_kernel_solver_model(MPI_Comm comm, Kernel const& kernel,
                                                              std::vector<double> const& local_points, int dimension,
                                                              KernelSolverOptions const& options);

/// The mixed-precision model for a float64 kernel functor type: refinement in double around float32 inner solves
/// (with the cutoff product when the options truncate).
template <class Kernel>
std::unique_ptr<KernelSolver::Model> make_mixed_kernel_solver_model(MPI_Comm comm, Kernel const& kernel,
                                                                    std::vector<double> const& local_points,
                                                                    int dimension, KernelSolverOptions const& options);

}  // namespace detail
}  // namespace kernelsolve
