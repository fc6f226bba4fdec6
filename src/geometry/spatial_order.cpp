// The spatial order and the redistribution of rows between the user's split and the sorted one
// (geometry/spatial_order.hpp).
#include <kernelsolve/error.hpp>
#include <kernelsolve/geometry/spatial_order.hpp>

#include "kd_tree.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>

namespace kernelsolve {
namespace {

/// The part of a partition that holds global row `row`.
int owner_of(RowPartition const& partition, std::int64_t row) {
  int low = 0, high = partition.parts() - 1;  // the last part whose begin is <= row (empty parts skipped)
  while (low < high) {
    int const middle = (low + high + 1) / 2;
    if (partition.begin(middle) <= row)
      low = middle;
    else
      high = middle - 1;
  }
  while (partition.local_rows(low) == 0) --low;
  return low;
}

/// Sends rows[k] of `values` to rank destinations[k] (nondecreasing in k, so that each rank's rows go in the order
/// given) and returns what this rank receives, concatenated in rank order (collective).
std::vector<double> exchange_rows(Communicator const& comm, std::vector<double> const& values, int columns,
                                  std::vector<std::int64_t> const& rows, std::vector<int> const& destinations) {
  std::vector<int> send_counts(static_cast<std::size_t>(comm.size()), 0);
  for (auto const destination : destinations) send_counts[static_cast<std::size_t>(destination)] += columns;
  return comm.exchange_with_all(rows_in_order(values, columns, rows), send_counts);
}

/// Collective: DimensionMismatch on every rank when any rank's array has the wrong size.
void throw_dimension_mismatch_if_any(Communicator const& comm, bool wrong_here, std::string const& message_here) {
  if (auto message = comm.message_of_first_failed_rank(wrong_here, message_here)) throw DimensionMismatch(*message);
}

}  // namespace

std::vector<std::int64_t> spatial_order(double const* points, std::int64_t count, int dimension) {
  KS_USER_REQUIRE(count >= 1, "need at least one point, got ", count);
  KS_USER_REQUIRE(dimension >= 1, "the dimension must be >= 1, got ", dimension);
  detail::KdTree tree(points, count, dimension, 8);
  return tree.order();
}

std::vector<std::int64_t> spatial_order_of_rows(std::vector<double> const& points, int dimension) {
  KS_USER_REQUIRE(dimension >= 1, "the dimension must be >= 1, got ", dimension);
  auto const count = static_cast<std::int64_t>(points.size()) / dimension;
  std::vector<double> columns_first(points.size());
  for (std::int64_t i = 0; i < count; ++i)
    for (int d = 0; d < dimension; ++d)
      columns_first[static_cast<std::size_t>(d * count + i)] = points[static_cast<std::size_t>(i * dimension + d)];
  return spatial_order(columns_first.data(), count, dimension);
}

std::vector<double> rows_in_order(std::vector<double> const& values, int columns,
                                  std::vector<std::int64_t> const& order) {
  std::vector<double> ordered;
  ordered.reserve(order.size() * static_cast<std::size_t>(columns));
  for (auto row : order)
    ordered.insert(ordered.end(), values.begin() + row * columns, values.begin() + (row + 1) * columns);
  return ordered;
}

SpatialRedistribution::SpatialRedistribution(MPI_Comm comm, std::vector<double> const& local_points, int dimension,
                                             bool sort)
    : comm_(comm), sorted_(sort) {
  bool const shaped = dimension >= 1 && local_points.size() % static_cast<std::size_t>(dimension) == 0;
  comm_.throw_if_any_rank_failed(
      !shaped, detail::concatenate("kernelsolve::SpatialRedistribution: the points (", local_points.size(),
                                   " values) must be whole rows of D = ", dimension, " >= 1 coordinates"));
  comm_.throw_if_any_rank_failed(comm_.min_over_ranks(dimension) != comm_.max_over_ranks(dimension),
                                 "kernelsolve::SpatialRedistribution: the points must have the same dimension D on "
                                 "every rank");
  auto const rows = static_cast<std::int64_t>(local_points.size()) / dimension;
  user_partition_ = RowPartition::from_sizes(comm_.gather_from_all(rows));
  comm_.throw_if_any_rank_failed(
      !std::all_of(local_points.begin(), local_points.end(), [](double x) { return std::isfinite(x); }),
      "kernelsolve::SpatialRedistribution: the points contain NaN or Inf values");
  std::int64_t const points = user_partition_.global_rows();
  if (!sort) {
    sorted_partition_ = user_partition_;
    order_.resize(static_cast<std::size_t>(points));
    std::iota(order_.begin(), order_.end(), std::int64_t(0));
    position_ = order_;
    sorted_points_ = local_points;
    return;
  }
  auto const all = gather_user_rows(local_points, dimension);
  order_ = spatial_order_of_rows(all, dimension);
  position_.resize(order_.size());
  for (std::int64_t k = 0; k < points; ++k)
    position_[static_cast<std::size_t>(order_[static_cast<std::size_t>(k)])] = k;
  sorted_partition_ = RowPartition::balanced(points, comm_.size());
  std::vector<std::int64_t> mine;
  for (auto k = sorted_partition_.begin(comm_.rank()); k < sorted_partition_.end(comm_.rank()); ++k)
    mine.push_back(order_[static_cast<std::size_t>(k)]);
  sorted_points_ = rows_in_order(all, dimension, mine);
}

std::vector<double> SpatialRedistribution::to_sorted(std::vector<double> const& user_rows, int columns) const {
  int const rank = comm_.rank();
  auto const first = user_partition_.begin(rank);
  auto const count = user_partition_.local_rows(rank);
  throw_dimension_mismatch_if_any(
      comm_, !(columns >= 1 && user_rows.size() == static_cast<std::size_t>(count) * static_cast<std::size_t>(columns)),
      detail::concatenate("kernelsolve::SpatialRedistribution::to_sorted: this rank's rows must be ", count, " x ",
                          columns, ", got ", user_rows.size(), " values"));
  if (!sorted_) return user_rows;
  // Send: this rank's rows by sorted position (which groups them by the sorted owner, in rank order).
  auto const local = local_rows_by_position();
  std::vector<int> destinations(local.size());
  for (std::size_t k = 0; k < local.size(); ++k)
    destinations[k] = owner_of(sorted_partition_, position_[static_cast<std::size_t>(first + local[k])]);
  auto const received = exchange_rows(comm_, user_rows, columns, local, destinations);
  // Receive: from each user owner, its rows in ascending sorted position.
  auto const begin = sorted_partition_.begin(rank);
  auto const mine = sorted_partition_.local_rows(rank);
  std::vector<int> source(static_cast<std::size_t>(mine));
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(comm_.size()) + 1, 0);
  for (int k = 0; k < mine; ++k) {
    source[static_cast<std::size_t>(k)] = owner_of(user_partition_, order_[static_cast<std::size_t>(begin + k)]);
    ++offsets[static_cast<std::size_t>(source[static_cast<std::size_t>(k)]) + 1];
  }
  std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
  std::vector<double> sorted(static_cast<std::size_t>(mine) * static_cast<std::size_t>(columns));
  for (int k = 0; k < mine; ++k) {
    auto const from = offsets[static_cast<std::size_t>(source[static_cast<std::size_t>(k)])]++;
    std::copy_n(received.begin() + from * columns, columns, sorted.begin() + static_cast<std::int64_t>(k) * columns);
  }
  return sorted;
}

std::vector<double> SpatialRedistribution::to_user(std::vector<double> const& sorted_rows, int columns) const {
  int const rank = comm_.rank();
  auto const begin = sorted_partition_.begin(rank);
  auto const mine = sorted_partition_.local_rows(rank);
  throw_dimension_mismatch_if_any(
      comm_,
      !(columns >= 1 && sorted_rows.size() == static_cast<std::size_t>(mine) * static_cast<std::size_t>(columns)),
      detail::concatenate("kernelsolve::SpatialRedistribution::to_user: this rank's sorted rows must be ", mine, " x ",
                          columns, ", got ", sorted_rows.size(), " values"));
  if (!sorted_) return sorted_rows;
  // Send: this rank's sorted rows grouped by their user owner, ascending sorted position within a group.
  std::vector<std::int64_t> local(static_cast<std::size_t>(mine));
  std::iota(local.begin(), local.end(), std::int64_t(0));
  std::vector<int> owner(local.size());
  for (std::size_t k = 0; k < local.size(); ++k)
    owner[k] = owner_of(user_partition_, order_[static_cast<std::size_t>(begin) + k]);
  std::stable_sort(local.begin(), local.end(), [&](std::int64_t a, std::int64_t b) {
    return owner[static_cast<std::size_t>(a)] < owner[static_cast<std::size_t>(b)];
  });
  std::vector<int> destinations(local.size());
  for (std::size_t k = 0; k < local.size(); ++k) destinations[k] = owner[static_cast<std::size_t>(local[k])];
  auto const received = exchange_rows(comm_, sorted_rows, columns, local, destinations);
  // Receive: rows in ascending sorted position (which groups them by the sorted owner, in rank order).
  auto const count = user_partition_.local_rows(rank);
  auto const rows = local_rows_by_position();
  std::vector<double> user(static_cast<std::size_t>(count) * static_cast<std::size_t>(columns));
  for (std::size_t k = 0; k < rows.size(); ++k)
    std::copy_n(received.begin() + static_cast<std::int64_t>(k) * columns, columns, user.begin() + rows[k] * columns);
  return user;
}

std::vector<std::int64_t> SpatialRedistribution::local_rows_by_position() const {
  auto const first = user_partition_.begin(comm_.rank());
  std::vector<std::int64_t> rows(static_cast<std::size_t>(user_partition_.local_rows(comm_.rank())));
  std::iota(rows.begin(), rows.end(), std::int64_t(0));
  std::sort(rows.begin(), rows.end(), [&](std::int64_t a, std::int64_t b) {
    return position_[static_cast<std::size_t>(first + a)] < position_[static_cast<std::size_t>(first + b)];
  });
  return rows;
}

std::vector<double> SpatialRedistribution::gather_user_rows(std::vector<double> const& user_rows, int columns) const {
  int const rank = comm_.rank();
  throw_dimension_mismatch_if_any(
      comm_,
      !(columns >= 1 && user_rows.size() == static_cast<std::size_t>(user_partition_.local_rows(rank)) *
                                                static_cast<std::size_t>(columns)),
      detail::concatenate("kernelsolve::SpatialRedistribution::gather_user_rows: this rank's rows must be ",
                          user_partition_.local_rows(rank), " x ", columns, ", got ", user_rows.size(), " values"));
  std::vector<int> counts(static_cast<std::size_t>(comm_.size())), displacements(counts.size());
  for (int r = 0; r < comm_.size(); ++r) {
    counts[static_cast<std::size_t>(r)] = user_partition_.local_rows(r) * columns;
    displacements[static_cast<std::size_t>(r)] = static_cast<int>(user_partition_.begin(r) * columns);
  }
  std::vector<double> all(static_cast<std::size_t>(user_partition_.global_rows()) * static_cast<std::size_t>(columns));
  MPI_Allgatherv(user_rows.data(), counts[static_cast<std::size_t>(rank)], MPI_DOUBLE, all.data(), counts.data(),
                 displacements.data(), MPI_DOUBLE, comm_.get());
  return all;
}

}  // namespace kernelsolve
