// The process-wide state of the Python module (see runtime.hpp).
#include "runtime.hpp"

#include <Python.h>
#include <Kokkos_Core.hpp>

#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

namespace kernelsolve::python {
namespace {

struct State {
  bool initialized = false;
  bool finalized = false;
  bool owns_mpi = false;
  std::thread::id owner;
  std::set<Resource*> resources;
};

State& state() {
  static State s;
  return s;
}

// Runs at interpreter exit (Py_AtExit: after the interpreter's teardown, without the GIL's objects): must not touch
// Python. Registered at the first initialization, not at import, so that it runs before mpi4py's hook whichever was
// imported first (CPython runs the hooks last-registered-first).
void finalize_at_exit() {
  finalize();
}

void start_kokkos(StartOptions const& options) {
#if KOKKOS_VERSION >= 30700
  Kokkos::InitializationSettings settings;
  if (options.num_threads) settings.set_num_threads(*options.num_threads);
  settings.set_disable_warnings(options.disable_warnings);
  Kokkos::initialize(settings);
#else
  Kokkos::InitArguments arguments;
  if (options.num_threads) arguments.num_threads = *options.num_threads;
  arguments.disable_warnings = options.disable_warnings;
  Kokkos::initialize(arguments);
#endif
}

}  // namespace

Resource::Resource() {
  state().resources.insert(this);
}

Resource::~Resource() {
  state().resources.erase(this);
}

void initialize(StartOptions const& options) {
  auto& s = state();
  if (s.finalized) {
    throw std::runtime_error(
        "kernelsolve was finalized in this process; Kokkos and MPI cannot be initialized twice (start a new "
        "process)");
  }
  if (s.initialized) return;
  int mpi_running = 0;
  MPI_Initialized(&mpi_running);
  if (!mpi_running) {
    int provided = 0;
    // SERIALIZED: the calls come from one thread at a time (require_owner_thread), possibly not the main one.
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
    s.owns_mpi = true;
  }
  // As the app does: Kokkos' OpenMP binding warning otherwise, and bound threads of several ranks on one core.
  ::setenv("OMP_PROC_BIND", "false", /*overwrite=*/0);
  if (!Kokkos::is_initialized()) start_kokkos(options);
  s.owner = std::this_thread::get_id();
  s.initialized = true;
  Py_AtExit(finalize_at_exit);
}

bool is_initialized() {
  return state().initialized && !state().finalized;
}

bool is_finalized() {
  return state().finalized;
}

bool owns_mpi() {
  return state().owns_mpi;
}

void finalize() {
  auto& s = state();
  if (!s.initialized || s.finalized) return;
  // Release first: Views must go before Kokkos::finalize, communicators before MPI_Finalize.
  auto const resources = s.resources;
  for (Resource* resource : resources) resource->release();
  if (Kokkos::is_initialized()) Kokkos::finalize();
  int mpi_finalized = 0;
  MPI_Finalized(&mpi_finalized);
  if (s.owns_mpi && !mpi_finalized) MPI_Finalize();
  s.finalized = true;
}

void require_owner_thread() {
  auto const& s = state();
  if (s.initialized && std::this_thread::get_id() != s.owner) {
    throw std::runtime_error(
        "kernelsolve: called from a thread other than the one that initialized it; Kokkos' OpenMP backend runs only "
        "on the thread that initialized it (call kernelsolve from that thread, usually the main one)");
  }
}

MPI_Comm communicator_of(long long handle) {
  if (handle == -1) return MPI_COMM_WORLD;
  if (handle == -2) return MPI_COMM_SELF;
  MPI_Comm comm = MPI_Comm_f2c(static_cast<MPI_Fint>(handle));
  if (comm == MPI_COMM_NULL) throw std::invalid_argument("kernelsolve: the communicator is MPI_COMM_NULL");
  return comm;
}

std::string mpi_library_version() {
  char version[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(version, &length);
  return std::string(version, static_cast<std::size_t>(length));
}

}  // namespace kernelsolve::python
