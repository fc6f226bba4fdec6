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
};

}  // namespace kernelsolve
