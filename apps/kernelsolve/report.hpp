// The JSON run report (--report file.json): sizes, kernel, ranks and backend, convergence per column, time per
// phase. Collected on every rank, written by rank 0, completely or not at all.
#pragma once

#include <kernelsolve/solver/solve_result.hpp>

#include <nlohmann/json.hpp>

#include <Kokkos_Timer.hpp>

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
  /// after a barrier so that the slowest rank counts.
  class Phase {
   public:
    Phase(Report& report, char const* name);
    ~Phase();
    Phase(Phase const&) = delete;
    Phase& operator=(Phase const&) = delete;

   private:
    Report& report_;
    char const* name_;
    Kokkos::Timer timer_;
  };

  /// Writes the report to `path` on rank 0 (temporary file, then rename); nothing for an empty path. Collective.
  /// \throws std::runtime_error naming the path when it cannot be written.
  void write(std::string const& path) const;

 private:
  nlohmann::json json_;
};

}  // namespace kernelsolve::app
