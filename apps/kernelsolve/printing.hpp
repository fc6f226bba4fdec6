// Output of the command-line app: only rank 0 writes, so that `mpirun -np P` prints each line once.
#pragma once

#include <kernelsolve/solver/monitor.hpp>
#include <kernelsolve/solver/solve_result.hpp>

#include <mpi.h>
#include <Kokkos_Timer.hpp>

#include <cstdarg>
#include <string>
#include <vector>

namespace kernelsolve::app {

/// Rank of this process in MPI_COMM_WORLD.
int world_rank();

/// printf to stdout on rank 0 of MPI_COMM_WORLD only.
void print(char const* format, ...) __attribute__((format(printf, 1, 2)));

/// One line to stderr on rank 0: "kernelsolve: error: <message>".
void print_error(std::string const& message);

/// Per-column lines of a solve result: reason, iterations, true relative residual.
void print_solve_result(SolveResult const& result);

/// "12 iterations", or for iterative refinement "23 inner iterations in 4 outer steps".
std::string iteration_summary(SolveResult const& result);

/// PETSc -ksp_monitor style: one line per iteration with the largest relative residual over the columns, and one
/// per outer step of iterative refinement with its true residual.
class PrintingMonitor : public SolveMonitor {
 public:
  void on_iteration(int iteration, std::vector<double> const& relative_residuals) override;
  void on_refinement_step(int step, int inner_iterations, std::vector<double> const& relative_residuals) override;
};

/// Without --monitor: a short progress line at most every `interval_seconds`, so that a long solve shows life.
class ProgressMonitor : public SolveMonitor {
 public:
  explicit ProgressMonitor(double interval_seconds = 5.0) : interval_seconds_(interval_seconds) {}
  void on_iteration(int iteration, std::vector<double> const& relative_residuals) override;

 private:
  double interval_seconds_;
  Kokkos::Timer since_start_;
  double last_print_ = 0.0;
};

}  // namespace kernelsolve::app
