// The spatial order and the redistribution of rows: a permutation that does not depend on the rank count, compact
// rank regions, rows that round-trip between the caller's split and the sorted one, and errors on every rank.
#include "harness/distributed_problem.hpp"
#include "harness/expect_error.hpp"

#include <kernelsolve/geometry/spatial_order.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace {

using kernelsolve::SpatialRedistribution;
using kernelsolve::reference::HostMatrix;

/// Rows [N r^2 / P^2, N (r+1)^2 / P^2) of `all` for this rank of the world: an uneven split.
std::vector<double> uneven_rows(HostMatrix const& all, std::int64_t* first = nullptr) {
  int const rank = kernelsolve::test::world_rank(), size = kernelsolve::test::world_size();
  auto const start = [&](int r) { return all.rows * r * r / (size * size); };
  if (first) *first = start(rank);
  return std::vector<double>(all.values.begin() + start(rank) * all.columns,
                             all.values.begin() + start(rank + 1) * all.columns);
}

TEST(SpatialOrder, IsAPermutationWhoseLeavesAreCompact) {
  std::mt19937_64 generator(3);
  auto const points = kernelsolve::reference::uniform_matrix<double>(1024, 2, generator);
  auto const coordinates = kernelsolve::test::column_major(points);
  auto const order = kernelsolve::spatial_order(coordinates.data(), 1024, 2);
  auto sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> identity(1024);
  std::iota(identity.begin(), identity.end(), std::int64_t(0));
  EXPECT_EQ(sorted, identity);
  // Each run of 64 consecutive points (a subtree of the median splits) covers about 1/16 of the square.
  double largest_area = 0;
  for (std::int64_t start = 0; start < 1024; start += 64) {
    double low[2] = {1, 1}, high[2] = {0, 0};
    for (auto k = start; k < start + 64; ++k)
      for (int d = 0; d < 2; ++d)
        low[d] = std::min(low[d], points(order[k], d)), high[d] = std::max(high[d], points(order[k], d));
    largest_area = std::max(largest_area, (high[0] - low[0]) * (high[1] - low[1]));
  }
  EXPECT_LE(largest_area, 2.0 / 16);
}

TEST(SpatialRedistribution, RowsRoundTripBetweenTheCallersSplitAndTheSortedOne) {
  std::mt19937_64 generator(7);
  auto const points = kernelsolve::reference::uniform_matrix<double>(257, 3, generator);
  std::int64_t first = 0;
  auto const local_points = uneven_rows(points, &first);
  SpatialRedistribution const rows(MPI_COMM_WORLD, local_points, 3);
  int const rank = kernelsolve::test::world_rank();
  EXPECT_EQ(rows.user_partition().begin(rank), first);
  EXPECT_EQ(rows.sorted_partition().local_rows(rank),
            kernelsolve::RowPartition::balanced(257, kernelsolve::test::world_size()).local_rows(rank));
  // The order is the spatial order of all points, on every rank and rank count.
  auto const coordinates = kernelsolve::test::column_major(points);
  EXPECT_EQ(rows.order(), kernelsolve::spatial_order(coordinates.data(), 257, 3));
  // Sorted points are the points at the sorted positions.
  auto const begin = rows.sorted_partition().begin(rank);
  for (int k = 0; k < rows.sorted_partition().local_rows(rank); ++k)
    for (int d = 0; d < 3; ++d)
      EXPECT_EQ(rows.sorted_points()[static_cast<std::size_t>(k * 3 + d)], points(rows.order()[begin + k], d));
  // An array whose row i holds (i, 10 i): sorted row k holds order[k]; back to the caller's rows unchanged.
  std::vector<double> user;
  for (auto i = first; i < first + static_cast<std::int64_t>(local_points.size() / 3); ++i)
    user.insert(user.end(), {static_cast<double>(i), 10.0 * static_cast<double>(i)});
  auto const sorted = rows.to_sorted(user, 2);
  for (int k = 0; k < rows.sorted_partition().local_rows(rank); ++k)
    EXPECT_EQ(sorted[static_cast<std::size_t>(2 * k)], static_cast<double>(rows.order()[begin + k]));
  EXPECT_EQ(rows.to_user(sorted, 2), user);
  auto const all = rows.gather_user_rows(user, 2);
  for (std::int64_t i = 0; i < 257; ++i) EXPECT_EQ(all[static_cast<std::size_t>(2 * i + 1)], 10.0 * i);
}

TEST(SpatialRedistribution, WithoutSortingTheSortedRowsAreTheCallersRows) {
  std::mt19937_64 generator(9);
  auto const points = kernelsolve::reference::uniform_matrix<double>(50, 2, generator);
  auto const local_points = uneven_rows(points);
  SpatialRedistribution const rows(MPI_COMM_WORLD, local_points, 2, /*sort=*/false);
  EXPECT_EQ(rows.sorted_points(), local_points);
  EXPECT_EQ(rows.to_sorted(local_points, 2), local_points);
  EXPECT_EQ(rows.sorted_partition(), rows.user_partition());
}

TEST(SpatialRedistributionErrors, BadPointsAndRowsOnEveryRank) {
  bool const wrong_here = kernelsolve::test::world_rank() == kernelsolve::test::world_size() - 1;
  std::vector<double> points(20, 0.5);
  for (std::size_t i = 0; i < points.size(); ++i) points[i] = 0.01 * static_cast<double>(i);
  auto odd = points;
  if (wrong_here) odd.push_back(1.0);
  EXPECT_THROW_WITH_MESSAGE(SpatialRedistribution(MPI_COMM_WORLD, odd, 2), kernelsolve::InvalidArgument,
                            "must be whole rows of D = 2");
  auto non_finite = points;
  if (wrong_here) non_finite[3] = std::nan("");
  EXPECT_THROW_WITH_MESSAGE(SpatialRedistribution(MPI_COMM_WORLD, non_finite, 2), kernelsolve::InvalidArgument,
                            "NaN or Inf");
  SpatialRedistribution const rows(MPI_COMM_WORLD, points, 2);
  EXPECT_THROW_WITH_MESSAGE((void)rows.to_sorted(std::vector<double>(wrong_here ? 9 : 10, 1.0), 1),
                            kernelsolve::DimensionMismatch, "this rank's rows must be 10 x 1");
}

}  // namespace
