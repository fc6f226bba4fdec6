// A request to end a solve early (a scheduler's signal, an embedder's cancel button), set from anywhere and seen by
// every rank of the solve at the same iteration.
#pragma once

#include <atomic>

namespace kernelsolve {

/// \brief Set by request_stop() from any thread or a signal handler; a solve given it (StoppingCriteria::stop_token)
/// ends at its next iteration with ConvergenceReason::interrupted on every column still iterating.
///
/// Each rank has its own token and may set it at any time (Slurm signals every rank, a user thread one of them):
/// the solver combines the ranks' tokens once per iteration (one MPI_Allreduce of an int, only when a token is
/// given), so that all ranks stop after the same iteration and return the same result. The solution is the iterate
/// reached, with its true residual in SolveResult::relative_residuals: a later solve can start from it
/// (InitialGuess::given). The token stays set until reset().
class StopToken {
 public:
  /// Async-signal-safe: a lock-free atomic store.
  void request_stop() noexcept { requested_.store(true, std::memory_order_relaxed); }
  [[nodiscard]] bool stop_requested() const noexcept { return requested_.load(std::memory_order_relaxed); }
  void reset() noexcept { requested_.store(false, std::memory_order_relaxed); }

 private:
  static_assert(std::atomic<bool>::is_always_lock_free, "a signal handler may only set a lock-free atomic");
  std::atomic<bool> requested_{false};
};

}  // namespace kernelsolve
