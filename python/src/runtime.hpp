// The process-wide state of the Python module: MPI and Kokkos started on first use and finalized at interpreter exit
// in the right order, the solvers still alive released before that, and the thread Kokkos runs on.
#pragma once

#include <mpi.h>

#include <optional>
#include <string>

namespace kernelsolve::python {

/// The options of the first initialization (later calls are no-ops; a different value there is reported, not used).
struct StartOptions {
  std::optional<int> num_threads;  ///< Kokkos threads per rank; nothing: OMP_NUM_THREADS or Kokkos' default
  bool disable_warnings = true;
};

/// Starts MPI (unless it is running: mpi4py's, an embedding application's) and Kokkos, and registers the exit hook.
/// \throws std::runtime_error after finalize(): Kokkos cannot be initialized twice in a process.
void initialize(StartOptions const& options);
[[nodiscard]] bool is_initialized();
[[nodiscard]] bool is_finalized();
/// Releases every registered resource, then Kokkos, then MPI when this module started it (idempotent).
void finalize();
/// Whether this module called MPI_Init_thread (and so finalizes MPI).
[[nodiscard]] bool owns_mpi();

/// \throws std::runtime_error unless called from the thread that initialized Kokkos (Kokkos 3.4's OpenMP backend runs
/// serially, or throws from a reduction, on any other thread).
void require_owner_thread();

/// Something holding Kokkos Views or MPI communicators that must go before Kokkos::finalize / MPI_Finalize.
class Resource {
 public:
  Resource();
  virtual ~Resource();
  Resource(Resource const&) = delete;
  Resource& operator=(Resource const&) = delete;
  /// Frees what the resource holds (idempotent); called by finalize() for the resources still alive.
  virtual void release() noexcept = 0;
};

/// The communicator of a Fortran handle (mpi4py: comm.py2f()), "world" = -1, "self" = -2.
[[nodiscard]] MPI_Comm communicator_of(long long handle);

/// MPI's library version string (compared with mpi4py's: both must use the same MPI).
[[nodiscard]] std::string mpi_library_version();

}  // namespace kernelsolve::python
