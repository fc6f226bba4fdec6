// The memory check (see memory_check.hpp).
#include "memory_check.hpp"

#include "node_communicator.hpp"

#include <kernelsolve/error.hpp>

#include <mpi.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace kernelsolve::app {
namespace {

/// MemAvailable in bytes, or a negative value when /proc/meminfo does not give it.
double mem_available_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream fields(line);
    std::string key;
    double kibibytes = 0;
    if (fields >> key >> kibibytes && key == "MemAvailable:") return kibibytes * 1024.0;
  }
  return -1;
}

}  // namespace

std::optional<double> available_bytes_per_rank(Communicator const& comm) {
  NodeCommunicator const node(comm.get());
  double const available = mem_available_bytes();
  if (available < 0) return std::nullopt;
  return available / node.size();
}

void require_memory(Communicator const& comm, double needed_bytes, std::string const& what) {
  auto const available = available_bytes_per_rank(comm);
  std::string problem;
  double const gibibyte = 1024.0 * 1024.0 * 1024.0;
  if (available && needed_bytes > *available) {
    char sizes[128];
    std::snprintf(sizes, sizeof sizes, " needs about %.1f GiB per rank, but %.1f GiB are available",
                  needed_bytes / gibibyte, *available / gibibyte);
    problem = what + sizes + " per rank on this node: use fewer points, or more nodes with fewer ranks each";
  }
  comm.throw_if_any_rank_failed(!problem.empty(), problem);
}

}  // namespace kernelsolve::app
