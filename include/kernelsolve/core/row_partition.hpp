// How the N rows (points) of a distributed problem are split into contiguous blocks, one per rank.
// Global row indices are int64; a rank's local row count and offsets within its block are int.
#pragma once

#include <kernelsolve/error.hpp>

#include <cstdint>
#include <vector>

namespace kernelsolve {

/// \brief A split of global rows [0, N) into contiguous blocks [begin(r), end(r)), one per rank, in rank order.
///
/// Worked example, the balanced split of N = 10 rows over 3 ranks (the first N mod P ranks get one extra row):
///   rank 0: rows [0, 4)   rank 1: rows [4, 7)   rank 2: rows [7, 10)
/// `from_sizes` accepts any block sizes (including empty blocks), as long as N >= the number of ranks.
class RowPartition {
 public:
  /// \brief The balanced split: every rank gets floor(N/P) or floor(N/P)+1 rows.
  /// \throws InvalidArgument when parts < 1 or global_rows < parts.
  static RowPartition balanced(std::int64_t global_rows, int parts) {
    KS_USER_REQUIRE(parts >= 1, "the number of ranks must be >= 1, got ", parts);
    KS_USER_REQUIRE(global_rows >= parts, "the number of points N (", global_rows,
                    ") must be >= the number of MPI ranks (", parts, ")");
    std::vector<std::int64_t> sizes(static_cast<std::size_t>(parts), global_rows / parts);
    for (std::int64_t r = 0; r < global_rows % parts; ++r) ++sizes[static_cast<std::size_t>(r)];
    return from_sizes(sizes);
  }

  /// \brief The split with the given block sizes, in rank order.
  /// \throws InvalidArgument when a size is negative, a block exceeds int, or the total is below the rank count.
  static RowPartition from_sizes(std::vector<std::int64_t> const& sizes) {
    KS_USER_REQUIRE(!sizes.empty(), "a row partition needs at least one block");
    RowPartition partition;
    partition.offsets_.assign(1, 0);
    for (std::size_t r = 0; r < sizes.size(); ++r) {
      KS_USER_REQUIRE(sizes[r] >= 0 && sizes[r] <= INT32_MAX, "rank ", r, " holds ", sizes[r],
                      " rows: a block must hold between 0 and 2^31-1 rows");
      partition.offsets_.push_back(partition.offsets_.back() + sizes[r]);
    }
    KS_USER_REQUIRE(partition.global_rows() >= partition.parts(), "the number of points N (", partition.global_rows(),
                    ") must be >= the number of MPI ranks (", partition.parts(), ")");
    return partition;
  }

  [[nodiscard]] int parts() const { return static_cast<int>(offsets_.size()) - 1; }
  [[nodiscard]] std::int64_t global_rows() const { return offsets_.back(); }
  [[nodiscard]] std::int64_t begin(int part) const { return offsets_.at(static_cast<std::size_t>(part)); }
  [[nodiscard]] std::int64_t end(int part) const { return offsets_.at(static_cast<std::size_t>(part) + 1); }
  [[nodiscard]] int local_rows(int part) const { return static_cast<int>(end(part) - begin(part)); }

  friend bool operator==(RowPartition const& a, RowPartition const& b) { return a.offsets_ == b.offsets_; }

 private:
  RowPartition() = default;
  std::vector<std::int64_t> offsets_;  // offsets_[r] = begin(r); offsets_.back() = N
};

}  // namespace kernelsolve
