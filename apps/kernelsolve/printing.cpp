// Rank-0 output of the command-line app.
#include "printing.hpp"

#include <algorithm>
#include <cstdio>

namespace kernelsolve::app {

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

void print(char const* format, ...) {
  if (world_rank() != 0) return;
  va_list arguments;
  va_start(arguments, format);
  std::vfprintf(stdout, format, arguments);
  va_end(arguments);
  std::fflush(stdout);
}

void print_error(std::string const& message) {
  if (world_rank() == 0) std::fprintf(stderr, "kernelsolve: error: %s\n", message.c_str());
}

void print_solve_result(SolveResult const& result) {
  for (std::size_t c = 0; c < result.reasons.size(); ++c) {
    print("  column %zu: %s after %d iterations, relative residual %.3e\n", c, to_string(result.reasons[c]).c_str(),
          result.column_iterations[c], result.relative_residuals[c]);
  }
}

std::string iteration_summary(SolveResult const& result) {
  if (result.refinement_steps.empty()) return std::to_string(result.iterations) + " iterations";
  return std::to_string(result.iterations) + " inner iterations in " +
         std::to_string(result.refinement_steps.size() - 1) + " outer steps";
}

void PrintingMonitor::on_refinement_step(int step, int inner_iterations,
                                         std::vector<double> const& relative_residuals) {
  double const largest = *std::max_element(relative_residuals.begin(), relative_residuals.end());
  print("  outer step %3d  (%d inner iterations)  max true relative residual %.6e\n", step, inner_iterations, largest);
}

void PrintingMonitor::on_iteration(int iteration, std::vector<double> const& relative_residuals) {
  double const largest = *std::max_element(relative_residuals.begin(), relative_residuals.end());
  print("  iteration %5d  max relative residual %.6e\n", iteration, largest);
}

void ProgressMonitor::on_iteration(int iteration, std::vector<double> const& relative_residuals) {
  double const now = since_start_.seconds();
  if (now - last_print_ < interval_seconds_) return;
  last_print_ = now;
  double const largest = *std::max_element(relative_residuals.begin(), relative_residuals.end());
  print("  ... iteration %d, max relative residual %.3e, %.1f s\n", iteration, largest, now);
}

}  // namespace kernelsolve::app
