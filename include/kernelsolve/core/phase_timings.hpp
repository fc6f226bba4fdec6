// Where a solve's time goes: seconds per phase (kernel product, gathers, reductions, preconditioner setup and
// apply, vector updates, I/O) accumulated on each rank, and their minimum, mean and maximum over the ranks (the
// load imbalance). Each second is charged to exactly one phase, the innermost one running: the phases add up to the
// time spent inside them, and the communication phases hold the waiting for the slowest rank.
#pragma once

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kernelsolve {

/// \brief The phases of the work on a communicator.
enum class Phase : int {
  kernel_product,        ///< kernel sums on this rank's rows: products K p, predict, the gradient's pair sums
  gather,                ///< gathers of vectors over the ranks (MPI_Allgatherv of the direction, of coefficients)
  reductions,            ///< the solvers' other collectives: sums of dot products and Gram matrices over the ranks
  preconditioner_setup,  ///< building a preconditioner (its own compute; its products and Gram sums count above)
  preconditioner_apply,  ///< z = M^{-1} r (its own compute)
  vector_updates,        ///< the solvers' own work: vector updates, local dot products, residuals, the ridge term
  io,                    ///< reading inputs and writing outputs (the app)
};

/// How many phases there are.
inline constexpr int phase_count = 7;

/// Every phase, in the order of the enumeration (the order reports list them in).
inline constexpr std::array<Phase, phase_count> all_phases = {
    Phase::kernel_product,       Phase::gather,         Phase::reductions, Phase::preconditioner_setup,
    Phase::preconditioner_apply, Phase::vector_updates, Phase::io};

/// "kernel_product", "gather", "reductions", "preconditioner_setup", "preconditioner_apply", "vector_updates", "io".
std::string_view to_string(Phase phase);

/// \brief Seconds and entries per phase on this rank.
///
/// Filled by ScopedPhase objects; the library times its work into the PhaseTimings attached to an operator
/// (DistributedOperator::record_timings) and the solvers and preconditioners working on it. A phase switch
/// costs two clock reads and a Kokkos::fence() (so that device work is charged to the phase that launched it; the
/// host backends' kernels have finished anyway): a few hundred nanoseconds, next to milliseconds of work per
/// iteration. Not thread-safe: one thread of a rank drives the solver.
class PhaseTimings {
 public:
  /// Seconds charged to `phase` (exclusive: not those of phases running inside it).
  [[nodiscard]] double seconds(Phase phase) const { return seconds_[index(phase)]; }
  /// How many times `phase` was entered (a phase resumed within one operation, ScopedPhase::resumed, counts once).
  [[nodiscard]] std::int64_t calls(Phase phase) const { return calls_[index(phase)]; }
  /// The sum over all phases.
  [[nodiscard]] double total_seconds() const;
  /// Back to zero (not while a phase is running).
  void reset();
  /// Adds another rank-local record (e.g. the app's I/O to the solver's phases).
  PhaseTimings& operator+=(PhaseTimings const& other);

 private:
  friend class ScopedPhase;
  using clock = std::chrono::steady_clock;
  static constexpr std::size_t index(Phase phase) { return static_cast<std::size_t>(phase); }
  /// Charges the time since the last switch to the running phase (if any), makes `next` the running one, and
  /// returns the one it replaces.
  std::optional<Phase> switch_to(std::optional<Phase> next);

  std::array<double, phase_count> seconds_{};
  std::array<std::int64_t, phase_count> calls_{};
  std::optional<Phase> running_;
  clock::time_point since_{};
};

/// \brief Charges the time from construction to destruction to `phase` (minus the phases opened inside it), then
/// resumes the phase that was running. Does nothing for timings == nullptr (no timings attached).
class ScopedPhase {
 public:
  /// Whether this scope is a new entry of its phase or resumes one already counted in the same operation (the
  /// gather and product slices of an overlapped product: one entry each per product, as for the blocking one).
  enum class Entry : bool { counted, resumed };

  ScopedPhase(PhaseTimings* timings, Phase phase, Entry entry = Entry::counted) : timings_(timings) {
    if (timings_ != nullptr) {
      if (entry == Entry::counted) ++timings_->calls_[PhaseTimings::index(phase)];
      outer_ = timings_->switch_to(phase);
    }
  }
  ~ScopedPhase() {
    if (timings_ != nullptr) timings_->switch_to(outer_);
  }
  ScopedPhase(ScopedPhase const&) = delete;
  ScopedPhase& operator=(ScopedPhase const&) = delete;

 private:
  PhaseTimings* timings_;
  std::optional<Phase> outer_;
};

/// \brief One phase over the ranks of a communicator.
struct PhaseStatistics {
  Phase phase = Phase::kernel_product;
  std::int64_t calls = 0;   ///< the most entries of any rank
  double min_seconds = 0;   ///< the least loaded rank
  double mean_seconds = 0;  ///< the mean over the ranks
  double max_seconds = 0;   ///< the most loaded rank (max / mean - 1 is the load imbalance)
};

/// \brief Every phase's statistics over the ranks of `comm` (collective: two MPI_Allreduce), in all_phases order.
std::vector<PhaseStatistics> statistics_over_ranks(PhaseTimings const& timings, MPI_Comm comm);

inline std::optional<Phase> PhaseTimings::switch_to(std::optional<Phase> next) {
  Kokkos::fence();
  auto const now = clock::now();
  if (running_) seconds_[index(*running_)] += std::chrono::duration<double>(now - since_).count();
  since_ = now;
  auto const previous = running_;
  running_ = next;
  return previous;
}

}  // namespace kernelsolve
