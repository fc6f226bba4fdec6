// The JSON run report (see report.hpp).
#include "report.hpp"

#include "kernel_choice.hpp"
#include "printing.hpp"

#include <kernelsolve/version.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace kernelsolve::app {

Report::Report(std::string const& command) {
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  json_["command"] = command;
  json_["kernelsolve_version"] = version_string;
  json_["ranks"] = ranks;
  json_["backend"] = {{"execution_space", Kokkos::DefaultExecutionSpace::name()},
                      {"concurrency_per_rank", Kokkos::DefaultExecutionSpace().concurrency()},
                      {"kokkos_version", KOKKOS_VERSION}};
  json_["seconds"] = nlohmann::json::object();
}

void Report::set_kernel(KernelChoice const& kernel) {
  json_["kernel"] = {{"family", std::string(to_string(kernel.spec.family))},
                     {"formula", std::string(formula_of(kernel.spec.family))},
                     {"g", kernel.spec.g},
                     {"sigma", kernel.sigma}};
  if (!kernel.formula.empty()) json_["kernel"]["keops_formula"] = kernel.formula;
}

void Report::set_solve(char const* key, SolveResult const& result) {
  auto& solve = json_[key];
  solve["iterations"] = result.iterations;
  solve["converged"] = result.converged();
  solve["columns"] = nlohmann::json::array();
  for (std::size_t c = 0; c < result.reasons.size(); ++c) {
    solve["columns"].push_back({{"reason", to_string(result.reasons[c])},
                                {"iterations", result.column_iterations[c]},
                                {"relative_residual", result.relative_residuals[c]},
                                {"recursive_residual", result.recursive_residuals[c]}});
  }
  solve["true_residual_checks"] = result.true_residual_checks;
  solve["residual_replacements"] = result.residual_replacements;
  if (!result.refinement_steps.empty()) {
    // Iterative refinement: step 0 is the initial residual; each later one the inner solve and the true residual.
    solve["outer_steps"] = nlohmann::json::array();
    for (auto const& step : result.refinement_steps) {
      solve["outer_steps"].push_back(
          {{"inner_iterations", step.inner_iterations}, {"relative_residuals", step.relative_residuals}});
    }
  }
}

Report::Phase::Phase(Report& report, char const* name, std::optional<kernelsolve::Phase> charged)
    : report_(report), name_(name) {
  if (charged) charged_.emplace(&report.timings_, *charged);
}

Report::Phase::~Phase() {
  charged_.reset();  // this rank's own time, before waiting for the others
  Kokkos::fence();
  MPI_Barrier(MPI_COMM_WORLD);
  report_.json_["seconds"][name_] = timer_.seconds();
}

void Report::finish_phases() {
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  auto& phases = json_["phases"] = nlohmann::json::array();
  std::string line = ranks > 1 ? "Time per phase (s, min-max over " + std::to_string(ranks) + " ranks):"
                               : std::string("Time per phase (s):");
  char const* separator = " ";
  for (auto const& phase : statistics_over_ranks(timings_, MPI_COMM_WORLD)) {
    if (phase.calls == 0) continue;
    phases.push_back({{"phase", std::string(to_string(phase.phase))},
                      {"calls", phase.calls},
                      {"min_seconds", phase.min_seconds},
                      {"mean_seconds", phase.mean_seconds},
                      {"max_seconds", phase.max_seconds}});
    char value[64];
    if (ranks > 1) {
      std::snprintf(value, sizeof value, " %.3g-%.3g", phase.min_seconds, phase.max_seconds);
    } else {
      std::snprintf(value, sizeof value, " %.3g", phase.max_seconds);
    }
    line += separator + std::string(to_string(phase.phase)) + value;
    separator = ", ";
  }
  print("%s\n", line.c_str());
}

void Report::write(std::string const& path) const {
  if (path.empty()) return;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int written = 1;
  if (rank == 0) {
    std::string const temporary = path + ".tmp." + std::to_string(::getpid());
    {
      std::ofstream file(temporary);
      file << json_.dump(2) << '\n';
      file.close();
      written = file.good() ? 1 : 0;
    }
    if (written == 1 && std::rename(temporary.c_str(), path.c_str()) != 0) written = 0;
    if (written == 0) std::remove(temporary.c_str());
  }
  MPI_Bcast(&written, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (written == 0) throw std::runtime_error(path + ": cannot write the report");
}

}  // namespace kernelsolve::app
