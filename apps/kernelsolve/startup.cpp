// The app's start-up checks (see startup.hpp).
#include "startup.hpp"

#include "node_communicator.hpp"

#include <kernelsolve/core/communicator.hpp>

#include <mpi.h>
#include <unistd.h>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace kernelsolve::app {
namespace {

/// The busy and total jiffies of all CPUs (the "cpu" line of /proc/stat); false where it cannot be read.
bool read_cpu_times(double& busy, double& total) {
  std::ifstream stat("/proc/stat");
  std::string label;
  if (!(stat >> label) || label != "cpu") return false;
  double fields[8] = {};
  for (double& field : fields)
    if (!(stat >> field)) return false;
  total = 0;
  for (double field : fields) total += field;
  busy = total - fields[3] - fields[4];  // idle and iowait
  return true;
}

}  // namespace

SplitArguments split_kokkos_arguments(int argc, char** argv) {
  SplitArguments split;
  static char disable_warnings[] = "--kokkos-disable-warnings";
  split.kokkos.push_back(argv[0]);
  split.app.push_back(argv[0]);
  for (int a = 1; a < argc; ++a) {
    bool const for_kokkos = std::strncmp(argv[a], "--kokkos-", 9) == 0;
    (for_kokkos ? split.kokkos : split.app).push_back(argv[a]);
    if (std::strcmp(argv[a], "--kokkos-help") == 0) split.kokkos_help = true;
  }
  // Kokkos' OpenMP warnings are the binding (set_openmp_binding_default) and oversubscription, which
  // warn_if_oversubscribed says once instead of once per rank; KOKKOS_DISABLE_WARNINGS=0 brings them back.
  if (std::getenv("KOKKOS_DISABLE_WARNINGS") == nullptr) split.kokkos.push_back(disable_warnings);
  split.kokkos.push_back(nullptr);  // argv[argc] == nullptr, as C requires
  split.app.push_back(nullptr);
  return split;
}

void set_openmp_binding_default() {
  ::setenv("OMP_PROC_BIND", "false", /*overwrite=*/0);
}

std::optional<double> busy_cores_of_other_processes() {
  NodeCommunicator const node(MPI_COMM_WORLD);
  MPI_Barrier(MPI_COMM_WORLD);
  // Every rank sleeps for 100 ms; the node's first rank samples in the middle 80 ms, when none of ours runs.
  ::usleep(10000);
  double busy0 = 0, total0 = 0, busy1 = 0, total1 = 0;
  bool const readable = node.rank() == 0 && read_cpu_times(busy0, total0);
  ::usleep(80000);
  bool const measured = readable && read_cpu_times(busy1, total1) && total1 > total0;
  ::usleep(10000);
  double cores = static_cast<double>(std::thread::hardware_concurrency());
  double busy = measured ? (busy1 - busy0) / (total1 - total0) * cores : -1;
  MPI_Bcast(&busy, 1, MPI_DOUBLE, 0, node.get());  // the node's first rank tells the others
  if (busy < 0) return std::nullopt;
  return busy;
}

void warn_if_oversubscribed(std::optional<double> busy_cores) {
  NodeCommunicator const node(MPI_COMM_WORLD);
  int const ranks = node.size();
  int const threads = static_cast<int>(Kokkos::DefaultHostExecutionSpace().concurrency());
  int const cores = static_cast<int>(std::thread::hardware_concurrency());
  int const busy = busy_cores ? static_cast<int>(std::lround(*busy_cores)) : 0;
  int const free_cores = cores - busy;
  std::string problem;
  if (node.rank() == 0 && cores > 0 && ranks * threads > free_cores) {
    int const threads_that_fit = std::max(1, free_cores / ranks);
    std::ostringstream text;
    text << ranks << " rank" << (ranks > 1 ? "s" : "") << " x " << threads << " thread" << (threads > 1 ? "s" : "")
         << " on a node with " << cores << " cores";
    if (busy > 0) text << ", about " << busy << " of them busy with other processes,";
    text << " oversubscribe it: ranks and threads spin while they wait, and a run can take several times longer; ";
    if (free_cores >= ranks)
      text << "use OMP_NUM_THREADS=" << threads_that_fit << " (or fewer ranks)";
    else
      text << "use at most " << std::max(1, free_cores) << " rank" << (free_cores > 1 ? "s" : "")
           << " x 1 thread (mpirun -np " << std::max(1, free_cores) << ", OMP_NUM_THREADS=1)";
    if (busy > 0) text << ", or wait for the other processes";
    problem = text.str();
  }
  Communicator const world(MPI_COMM_WORLD);
  auto message = world.message_of_first_failed_rank(!problem.empty(), problem);
  if (!message || world.rank() != 0) return;
  // "(found on rank r)" names the node: said as such, and not at all for rank 0's own node
  auto const found = message->rfind(" (found on rank ");
  if (found != std::string::npos) {
    std::string const rank = message->substr(found + 16, message->size() - found - 17);
    *message = message->substr(0, found) + (rank == "0" ? "" : " (on the node of rank " + rank + ")");
  }
  std::fprintf(stderr, "kernelsolve: warning: %s\n", message->c_str());
}

}  // namespace kernelsolve::app
