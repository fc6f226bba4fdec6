// The demo's --plot: the first 40 coefficients of each column next to the dense solution, as the KeOps example
// shows them, drawn by plot_demo.py with Debian's matplotlib (skipped with a note where it is missing).
#pragma once

#include <kernelsolve/reference/dense.hpp>

#include <string>

namespace kernelsolve::app {

/// What came of a plot: written, skipped (a note, not an error), or failed (an error message).
struct PlotOutcome {
  enum class Kind { written, skipped, failed } kind = Kind::skipped;
  std::string message;
};

/// \brief Writes `png` (atomically) from the first 40 rows of `ours` and `dense` (N x Dv each). Host only, one
/// process: the caller runs it on rank 0 and shares the outcome.
PlotOutcome plot_demo(std::string const& png, reference::HostMatrix const& ours, reference::HostMatrix const& dense);

}  // namespace kernelsolve::app
