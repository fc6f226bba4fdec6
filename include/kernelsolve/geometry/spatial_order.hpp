// The spatial order of a point set (the leaf order of its kd-tree) and the redistribution of rows between a user's
// split over the ranks and the balanced split of that order, in which each rank's rows cover a compact region.
#pragma once

#include <kernelsolve/core/communicator.hpp>
#include <kernelsolve/core/row_partition.hpp>

#include <mpi.h>

#include <cstdint>
#include <vector>

namespace kernelsolve {

/// \brief order[k] = the index of the point at position k of the spatial order of N points in dimension D: the
/// leaves of a kd-tree with median splits across the widest extent (ties broken by the index), a space-filling order
/// that adapts to clustered points (every range of it that a subtree covers is a box, the boxes of a level have
/// about the same number of points). It depends on the points only, not on how they are split over ranks.
/// \param points column-major N x D (points[d * N + i]), finite.
std::vector<std::int64_t> spatial_order(double const* points, std::int64_t count, int dimension);

/// \brief The same spatial order of row-major points (points[i * D + d]; N = points.size() / D).
std::vector<std::int64_t> spatial_order_of_rows(std::vector<double> const& points, int dimension);

/// \brief The rows order[0], order[1], ... of a row-major array `columns` wide (gathered: out[k] = values[order[k]]).
std::vector<double> rows_in_order(std::vector<double> const& values, int columns,
                                  std::vector<std::int64_t> const& order);

/// \brief Rows moved between the caller's split of N points over the ranks (any contiguous blocks, "user rows") and
/// the balanced split of their spatial order ("sorted rows"), so that an operator built on the sorted points gives
/// each rank a compact region: local preconditioner blocks and cutoff tiles stay on one rank. Every member is
/// collective. With sort = false the sorted rows are the user rows (no communication, for comparisons).
class SpatialRedistribution {
 public:
  /// \param local_points this rank's user rows of the N x D points, row-major.
  /// \throws InvalidArgument (on every rank) for D < 1, a size that is not rows x D, N < ranks, or NaN/Inf points.
  SpatialRedistribution(MPI_Comm comm, std::vector<double> const& local_points, int dimension, bool sort = true);

  /// This rank's sorted rows of the points, row-major.
  [[nodiscard]] std::vector<double> const& sorted_points() const { return sorted_points_; }
  [[nodiscard]] RowPartition const& user_partition() const { return user_partition_; }
  [[nodiscard]] RowPartition const& sorted_partition() const { return sorted_partition_; }
  /// order()[k] = the global user row at sorted position k (the identity without sorting).
  [[nodiscard]] std::vector<std::int64_t> const& order() const { return order_; }

  /// This rank's user rows (row-major, `columns` wide) -> this rank's sorted rows of the same array.
  [[nodiscard]] std::vector<double> to_sorted(std::vector<double> const& user_rows, int columns) const;
  /// This rank's sorted rows -> this rank's user rows.
  [[nodiscard]] std::vector<double> to_user(std::vector<double> const& sorted_rows, int columns) const;
  /// All N user rows in user order, on every rank, from each rank's user rows.
  [[nodiscard]] std::vector<double> gather_user_rows(std::vector<double> const& user_rows, int columns) const;

 private:
  /// This rank's user rows (local indices) in ascending sorted position.
  [[nodiscard]] std::vector<std::int64_t> local_rows_by_position() const;

  Communicator comm_;
  bool sorted_ = true;
  RowPartition user_partition_ = RowPartition::balanced(1, 1);
  RowPartition sorted_partition_ = RowPartition::balanced(1, 1);
  std::vector<std::int64_t> order_;     ///< sorted position -> user row
  std::vector<std::int64_t> position_;  ///< user row -> sorted position
  std::vector<double> sorted_points_;
};

}  // namespace kernelsolve
