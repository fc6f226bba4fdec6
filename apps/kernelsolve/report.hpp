// The JSON run report (--report file.json): sizes, kernel, ranks and backend, convergence per column, time per
// phase. Collected on every rank, written by rank 0, completely or not at all.
#pragma once

#include <kernelsolve/core/phase_timings.hpp>
#include <kernelsolve/solver/solve_result.hpp>

#include <nlohmann/json.hpp>

#include <Kokkos_Timer.hpp>

#include <optional>
#include <string>

namespace kernelsolve::app {

struct KernelChoice;

class Report {
 public:
  /// Starts a report of `command` ("demo", "solve", "predict"): version, ranks, Kokkos backend and threads.
  explicit Report(std::string const& command);

  /// The JSON object under `key` (created on first use), for the command's own fields.
  nlohmann::json& operator[](char const* key) { return json_[key]; }

  void set_kernel(KernelChoice const& kernel);
  void set_solve(char const* key, SolveResult const& result);

  /// Times one phase ("read", "setup", "solve", "gradient", "write"): seconds from construction to destruction,
  /// after a barrier so that the slowest rank counts. With `charged`, this rank's time before the barrier also
  /// counts in that library phase (Phase::io for "read" and "write").
  class Phase {
   public:
    Phase(Report& report, char const* name, std::optional<kernelsolve::Phase> charged = std::nullopt);
    ~Phase();
    Phase(Phase const&) = delete;
    Phase& operator=(Phase const&) = delete;

   private:
    Report& report_;
    char const* name_;
    Kokkos::Timer timer_;
    std::optional<ScopedPhase> charged_;
  };

  /// Adds a solver's record of where its time went on this rank (KernelSolver::phase_timings).
  void add_timings(PhaseTimings const& timings) { timings_ += timings; }

  /// \brief Collective: the time per phase (kernel product, gathers, reductions, preconditioner, vector updates,
  /// I/O) with its minimum, mean and maximum over the ranks, into the report ("phases") and printed as one line.
  void finish_phases();

  /// Writes the report to `path` on rank 0 (temporary file, then rename); nothing for an empty path. Collective.
  /// \throws std::runtime_error naming the path when it cannot be written.
  void write(std::string const& path) const;

 private:
  nlohmann::json json_;
  PhaseTimings timings_;  ///< this rank's: the app's I/O and the solvers' phases
};

}  // namespace kernelsolve::app
