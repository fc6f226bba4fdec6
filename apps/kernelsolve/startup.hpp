// What the app does before its command runs: Kokkos gets only its own --kokkos-* arguments (so that --help is
// ours), OpenMP gets a binding default (so that Kokkos does not warn on every normal run), and the node's cores are
// checked against the ranks x threads asked for, counting the cores that other processes keep busy.
#pragma once

#include <optional>
#include <vector>

namespace kernelsolve::app {

/// argv split between Kokkos (argv[0] and every --kokkos-* argument) and the app (the rest), each ending in a null
/// pointer (not counted in argc = size() - 1).
struct SplitArguments {
  std::vector<char*> kokkos;
  std::vector<char*> app;
  bool kokkos_help = false;  ///< --kokkos-help was given: Kokkos prints its options, the app nothing else
};
SplitArguments split_kokkos_arguments(int argc, char** argv);

/// OMP_PROC_BIND=false where it is unset: what OpenMP does then anyway (the runtime read the environment before
/// main), said explicitly so that Kokkos does not print its 4-line warning. Binding threads is the user's choice:
/// with several ranks per node, spread binding without rank binding would put every rank on the same cores.
void set_openmp_binding_default();

/// \brief The cores of this node that other processes keep busy, sampled from /proc/stat over 100 ms while every
/// rank sleeps (collective over MPI_COMM_WORLD; call before Kokkos starts its threads); nothing where unknown.
std::optional<double> busy_cores_of_other_processes();

/// \brief Warns once (stderr of world rank 0, one line with the fix) when the ranks x threads of a node exceed its
/// cores, or the cores left free by other processes: ranks and threads then spin while they wait for each other and
/// a run can take several times longer. Collective; after Kokkos is initialized.
void warn_if_oversubscribed(std::optional<double> busy_cores);

}  // namespace kernelsolve::app
