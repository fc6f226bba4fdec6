// Phase names, sums of phase records, and their statistics over the ranks.
#include <kernelsolve/core/phase_timings.hpp>

#include <numeric>

namespace kernelsolve {

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::kernel_product:
      return "kernel_product";
    case Phase::gather:
      return "gather";
    case Phase::reductions:
      return "reductions";
    case Phase::preconditioner_setup:
      return "preconditioner_setup";
    case Phase::preconditioner_apply:
      return "preconditioner_apply";
    case Phase::vector_updates:
      return "vector_updates";
    case Phase::io:
      return "io";
  }
  return "unknown";
}

double PhaseTimings::total_seconds() const {
  return std::accumulate(seconds_.begin(), seconds_.end(), 0.0);
}

void PhaseTimings::reset() {
  seconds_.fill(0);
  calls_.fill(0);
}

PhaseTimings& PhaseTimings::operator+=(PhaseTimings const& other) {
  for (std::size_t p = 0; p < seconds_.size(); ++p) {
    seconds_[p] += other.seconds_[p];
    calls_[p] += other.calls_[p];
  }
  return *this;
}

std::vector<PhaseStatistics> statistics_over_ranks(PhaseTimings const& timings, MPI_Comm comm) {
  int ranks = 1;
  MPI_Comm_size(comm, &ranks);
  // most: seconds then calls (as doubles: exact below 2^53); least and sum: seconds.
  std::array<double, 2 * phase_count> most{};
  std::array<double, phase_count> least{};
  std::array<double, phase_count> sum{};
  for (Phase phase : all_phases) {
    auto const p = static_cast<std::size_t>(phase);
    most[p] = least[p] = sum[p] = timings.seconds(phase);
    most[phase_count + p] = static_cast<double>(timings.calls(phase));
  }
  MPI_Allreduce(MPI_IN_PLACE, most.data(), 2 * phase_count, MPI_DOUBLE, MPI_MAX, comm);
  MPI_Allreduce(MPI_IN_PLACE, least.data(), phase_count, MPI_DOUBLE, MPI_MIN, comm);
  MPI_Allreduce(MPI_IN_PLACE, sum.data(), phase_count, MPI_DOUBLE, MPI_SUM, comm);
  std::vector<PhaseStatistics> statistics;
  for (Phase phase : all_phases) {
    auto const p = static_cast<std::size_t>(phase);
    statistics.push_back({phase, static_cast<std::int64_t>(most[phase_count + p]), least[p],
                          sum[p] / static_cast<double>(ranks), most[p]});
  }
  return statistics;
}

}  // namespace kernelsolve
