// The memory a problem needs per rank against what the node has free, checked before anything is allocated, so that
// a too large problem ends with the numbers instead of std::bad_alloc (or the kernel's OOM killer) halfway through.
#pragma once

#include <kernelsolve/core/communicator.hpp>

#include <optional>
#include <string>

namespace kernelsolve::app {

/// Bytes available to each rank of this node: MemAvailable of /proc/meminfo over the ranks sharing the node
/// (collective); nothing where the kernel does not say (not Linux).
std::optional<double> available_bytes_per_rank(Communicator const& comm);

/// \brief Refuses, on every rank, a problem that needs more than the available memory per rank (collective).
/// \param needed_bytes the estimate for the rank that needs the most.
/// \param what what the memory is for, e.g. "N = 2000000000 points (every rank holds all points ...)".
/// \throws InvalidArgument with both sizes in GiB.
void require_memory(Communicator const& comm, double needed_bytes, std::string const& what);

}  // namespace kernelsolve::app
