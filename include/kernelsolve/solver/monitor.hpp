// The observer interface a solver reports its progress to (Ginkgo loggers, PETSc -ksp_monitor): the library never
// prints; an application installs a monitor that does.
#pragma once

#include <vector>

namespace kernelsolve {

/// \brief Receives the progress of an iterative solve. Called on every rank with the same (allreduced) values.
class SolveMonitor {
 public:
  virtual ~SolveMonitor() = default;
  /// After iteration `iteration` (0 = the initial residual): the recursive relative residual ||r_k|| / ||b_k|| of
  /// every column (0 for a zero right-hand side), stopped columns included with their final value.
  virtual void on_iteration(int iteration, std::vector<double> const& relative_residuals) = 0;
  /// Iterative refinement, after outer step `step` (0 = the initial residual) whose inner solve took
  /// `inner_iterations`: the true relative residual ||b_k - A x_k|| / ||b_k|| of every column in the outer
  /// (high) precision. The inner solve reports its own iterations through on_iteration, relative to its
  /// right-hand side (the outer residual). Does nothing unless overridden.
  virtual void on_refinement_step(int step, int inner_iterations, std::vector<double> const& relative_residuals) {
    (void)step, (void)inner_iterations, (void)relative_residuals;
  }
};

}  // namespace kernelsolve
