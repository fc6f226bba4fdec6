// The demo's plot (see demo_plot.hpp): a CSV of the values beside the picture, then plot_demo.py.
#include "demo_plot.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

extern char** environ;

namespace kernelsolve::app {
namespace {

constexpr std::int64_t plotted_coefficients = 40;
constexpr char const* python = "/usr/bin/python3";

/// The installed script, else the one in the source tree (a build that was not installed).
std::string plot_script() {
  std::error_code error;
  if (std::filesystem::exists(KERNELSOLVE_PLOT_SCRIPT_INSTALLED, error)) return KERNELSOLVE_PLOT_SCRIPT_INSTALLED;
  return KERNELSOLVE_PLOT_SCRIPT_SOURCE;
}

/// Runs argv[0] with the arguments and returns its exit status (-1 when it could not run or was killed).
int run(std::vector<std::string> const& arguments) {
  std::vector<char*> argv;
  for (auto const& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  pid_t child = 0;
  if (::posix_spawn(&child, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

}  // namespace

PlotOutcome plot_demo(std::string const& png, reference::HostMatrix const& ours, reference::HostMatrix const& dense) {
  if (::access(python, X_OK) != 0)
    return {PlotOutcome::Kind::skipped, std::string("Plot skipped: ") + python + " is not installed"};
  auto const values = png + ".values." + std::to_string(::getpid()) + ".csv";
  {
    std::ofstream file(values);
    file.precision(17);
    file << "column,index,kernelsolve,dense\n";
    for (std::int64_t column = 0; column < ours.columns; ++column)
      for (std::int64_t i = 0; i < std::min(plotted_coefficients, ours.rows); ++i)
        file << column << ',' << i << ',' << ours(i, column) << ',' << dense(i, column) << '\n';
    if (!file) {
      std::remove(values.c_str());
      return {PlotOutcome::Kind::failed, png + ": cannot write the plot's values beside it"};
    }
  }
  int const status = run({python, plot_script(), values, png});
  std::remove(values.c_str());
  if (status == 0) return {PlotOutcome::Kind::written, "Wrote " + png};
  if (status == 2)
    return {PlotOutcome::Kind::skipped,
            "Plot skipped: matplotlib is not installed (Debian: apt-get install python3-matplotlib)"};
  return {PlotOutcome::Kind::failed, png + ": plot_demo.py failed (exit status " + std::to_string(status) + ")"};
}

}  // namespace kernelsolve::app
