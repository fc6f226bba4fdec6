// The overlapping Schwarz preconditioner: its cells against brute force (a partition, blocks = the points within the
// overlap, the nearest under the cap), its apply against the dense sum of block inverses (float64 factors, and the
// float32 factors of a float32 operator), its symmetry, Schwarz PCG
// of every family against dense direct solves, the same bits on every rank count, and errors on every rank.
#include "harness/distributed_problem.hpp"
#include "harness/expect_error.hpp"
#include "harness/honest_solve.hpp"
#include "harness/radial_kernel_types.hpp"
#include "harness/rank_counts.hpp"

#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/schwarz_preconditioner.hpp>

#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace {

using kernelsolve::InvalidArgument;
using kernelsolve::OverlappingCells;
using kernelsolve::SchwarzOptions;
using kernelsolve::reference::HostMatrix;
using kernelsolve::test::make_problem;
using kernelsolve::test::with_rtol;

template <class Problem>
using SchwarzOf = kernelsolve::SchwarzPreconditioner<typename Problem::Operator>;

static_assert(kernelsolve::is_preconditioner_for<
              kernelsolve::SchwarzPreconditioner<kernelsolve::DistributedOperator<kernelsolve::Gaussian<float>>>,
              kernelsolve::DistributedOperator<kernelsolve::Gaussian<float>>>::value);

SchwarzOptions cells_of(std::int64_t cell_points, double overlap, std::int64_t max_block_points = 1500) {
  SchwarzOptions options;
  options.cell_points = cell_points;
  options.overlap = overlap;
  options.max_block_points = max_block_points;
  return options;
}

/// Squared distance of point i to the bounding box of the points `core`.
double squared_distance_to_box(HostMatrix const& points, std::vector<std::int64_t> const& core, std::int64_t i) {
  double sum = 0;
  for (std::int64_t d = 0; d < points.columns; ++d) {
    double low = std::numeric_limits<double>::infinity(), high = -low;
    for (auto j : core) low = std::min(low, points(j, d)), high = std::max(high, points(j, d));
    double const gap = std::max({0.0, low - points(i, d), points(i, d) - high});
    sum += gap * gap;
  }
  return sum;
}

/// Clustered points: half in a small blob, half uniform (kd-tree cells of very different sizes).
HostMatrix clustered_points(std::int64_t n, int dimension, std::uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  HostMatrix points(n, dimension);
  for (std::int64_t i = 0; i < n; ++i)
    for (int d = 0; d < dimension; ++d)
      points(i, d) = i % 2 == 0 ? 0.3 + 0.05 * uniform(generator) : uniform(generator);
  return points;
}

TEST(OverlappingCells, CoresPartitionThePointsAndBlocksHoldExactlyThePointsWithinTheOverlap) {
  for (int dimension : {1, 2, 3}) {
    auto const points = clustered_points(700, dimension, 3 + dimension);
    auto const coordinates = kernelsolve::test::column_major(points);
    double const overlap = 0.08;
    auto const cells = kernelsolve::overlapping_cells(coordinates.data(), points.rows, dimension, 50, overlap, 700);
    ASSERT_GE(cells.cells(), 14);
    std::vector<int> owners(700, 0);
    for (std::int64_t c = 0; c < cells.cells(); ++c) {
      std::vector<std::int64_t> const core(cells.core_points.begin() + cells.core_offsets[c],
                                           cells.core_points.begin() + cells.core_offsets[c + 1]);
      std::vector<std::int64_t> const block(cells.block_points.begin() + cells.block_offsets[c],
                                            cells.block_points.begin() + cells.block_offsets[c + 1]);
      EXPECT_GE(core.size(), 25u);
      EXPECT_LE(core.size(), 50u);
      EXPECT_TRUE(std::is_sorted(block.begin(), block.end()));
      for (auto i : core) ++owners[static_cast<std::size_t>(i)];
      // Brute force: every point within the overlap of the core's box, and no other.
      std::vector<std::int64_t> expected;
      for (std::int64_t i = 0; i < 700; ++i)
        if (squared_distance_to_box(points, core, i) <= overlap * overlap) expected.push_back(i);
      EXPECT_EQ(block, expected) << "cell " << c << " in D = " << dimension;
      EXPECT_EQ(cells.points_in_reach[static_cast<std::size_t>(c)], static_cast<std::int64_t>(expected.size()));
    }
    for (int count : owners) EXPECT_EQ(count, 1);
  }
}

TEST(OverlappingCells, CappedBlocksKeepTheCoreAndTheNearestPoints) {
  auto const points = clustered_points(500, 2, 11);
  auto const coordinates = kernelsolve::test::column_major(points);
  auto const cells = kernelsolve::overlapping_cells(coordinates.data(), 500, 2, 40, 0.3, 90);
  int capped = 0;
  for (std::int64_t c = 0; c < cells.cells(); ++c) {
    std::vector<std::int64_t> const core(cells.core_points.begin() + cells.core_offsets[c],
                                         cells.core_points.begin() + cells.core_offsets[c + 1]);
    std::vector<std::int64_t> const block(cells.block_points.begin() + cells.block_offsets[c],
                                          cells.block_points.begin() + cells.block_offsets[c + 1]);
    ASSERT_LE(block.size(), 90u);
    if (cells.points_in_reach[static_cast<std::size_t>(c)] <= 90) continue;
    ++capped;
    EXPECT_EQ(block.size(), 90u);
    for (auto i : core) EXPECT_TRUE(std::binary_search(block.begin(), block.end(), i));
    // Every point left out is at least as far from the box as every point kept outside the core.
    double farthest_kept = 0, nearest_left = std::numeric_limits<double>::infinity();
    for (std::int64_t i = 0; i < 500; ++i) {
      if (std::find(core.begin(), core.end(), i) != core.end()) continue;
      double const distance2 = squared_distance_to_box(points, core, i);
      if (std::binary_search(block.begin(), block.end(), i))
        farthest_kept = std::max(farthest_kept, distance2);
      else
        nearest_left = std::min(nearest_left, distance2);
    }
    EXPECT_LE(farthest_kept, nearest_left) << "cell " << c;
  }
  EXPECT_GT(capped, 0);
}

TEST(OverlappingCells, InvalidParametersThrow) {
  std::vector<double> const coordinates{0.0, 1.0};
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::overlapping_cells(coordinates.data(), 2, 1, 0, 0.1, 10), InvalidArgument,
                            "points per cell must be >= 1, got 0");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::overlapping_cells(coordinates.data(), 2, 1, 4, -1.0, 10), InvalidArgument,
                            "overlap must be >= 0, got -1");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::overlapping_cells(coordinates.data(), 2, 1, 4, 0.1, 3), InvalidArgument,
                            "most points of a block (3) must be >= the points per cell (4)");
}

/// The dense M^{-1} = sum_c R_c^T (K_cc + alpha I)^{-1} R_c applied to the right-hand sides, from the cells.
template <class Problem>
HostMatrix dense_schwarz_apply(Problem const& problem, OverlappingCells const& cells,
                               HostMatrix const& right_hand_sides) {
  auto const dense = problem.dense_operator();
  HostMatrix result(right_hand_sides.rows, right_hand_sides.columns);
  for (std::int64_t c = 0; c < cells.cells(); ++c) {
    std::vector<std::int64_t> const block(cells.block_points.begin() + cells.block_offsets[c],
                                          cells.block_points.begin() + cells.block_offsets[c + 1]);
    auto const b = static_cast<std::int64_t>(block.size());
    HostMatrix local(b, b), local_rhs(b, right_hand_sides.columns);
    for (std::int64_t s = 0; s < b; ++s) {
      for (std::int64_t t = 0; t < b; ++t) local(s, t) = dense(block[s], block[t]);
      for (std::int64_t k = 0; k < right_hand_sides.columns; ++k) local_rhs(s, k) = right_hand_sides(block[s], k);
    }
    auto const solution = kernelsolve::reference::solve_symmetric_positive_definite(local, local_rhs);
    for (std::int64_t s = 0; s < b; ++s)
      for (std::int64_t k = 0; k < right_hand_sides.columns; ++k) result(block[s], k) += solution(s, k);
  }
  return result;
}

TEST(SchwarzPreconditioner, ApplyIsTheSumOfTheBlockInverses) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 300, 2, 2, 0.05, 1e-3);
  SchwarzOf<decltype(problem)> const preconditioner(problem.op, cells_of(32, 0.1));
  ASSERT_GE(preconditioner.summary().cells, 10);
  EXPECT_GT(preconditioner.summary().mean_block_points, 40);
  EXPECT_DOUBLE_EQ(preconditioner.summary().shift, 1e-3);
  EXPECT_EQ(preconditioner.summary().factor_entry_bytes, 8);
  auto z = problem.new_block(2);
  preconditioner.apply(problem.b, z);
  auto const expected = dense_schwarz_apply(problem, preconditioner.cells(), problem.right_hand_sides);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(z), expected), 1e-12);
}

TEST(SchwarzPreconditioner, FewerPointsThanACellIsTheExactInverse) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 50, 2, 1, 0.1, 1e-2);
  SchwarzOf<decltype(problem)> const preconditioner(problem.op);  // 512 points per cell by default
  EXPECT_EQ(preconditioner.summary().cells, 1);
  EXPECT_EQ(preconditioner.summary().max_block_points, 50);
  auto z = problem.new_block(1);
  preconditioner.apply(problem.b, z);
  auto const expected =
      kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), problem.right_hand_sides);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(z), expected), 1e-12);
}

TEST(SchwarzPreconditioner, ApplyIsSymmetric) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 257, 3, 2, 0.1, 1e-2);
  SchwarzOf<decltype(problem)> const preconditioner(problem.op, cells_of(20, 0.15));
  // x^T M^{-1} y = y^T M^{-1} x for the two columns x, y of b
  auto z = problem.new_block(2);
  preconditioner.apply(problem.b, z);
  auto const applied = problem.gather(z);
  auto const& b = problem.right_hand_sides;
  double x_m_y = 0, y_m_x = 0, scale = 0;
  for (std::int64_t i = 0; i < b.rows; ++i) {
    x_m_y += b(i, 0) * applied(i, 1);
    y_m_x += b(i, 1) * applied(i, 0);
    scale += std::abs(b(i, 0) * applied(i, 1));
  }
  EXPECT_NEAR(x_m_y, y_m_x, 1e-13 * scale);
  EXPECT_GT(std::abs(x_m_y), 1e-3 * scale);
}

template <class Kernel>
class FamilySchwarzSolve : public ::testing::Test {};
TYPED_TEST_SUITE(FamilySchwarzSolve, kernelsolve::test::DoubleRadialKernels);

TYPED_TEST(FamilySchwarzSolve, MatchesDenseDirectSolveInFewerIterations) {
  // A narrow kernel (sigma = 0.04 on 600 points of the unit square): plain CG is slow, local blocks capture it.
  auto problem =
      kernelsolve::test::make_problem_with_kernel(MPI_COMM_WORLD, TypeParam::from_sigma(0.04), 600, 2, 2, 1e-4);
  auto plain = problem.new_block(2);
  auto const plain_result = kernelsolve::test::conjugate_gradient(problem.op, problem.b, plain, with_rtol(1e-10));
  SchwarzOf<decltype(problem)> const preconditioner(problem.op, cells_of(64, 0.12));
  auto x = problem.new_block(2);
  auto const result =
      kernelsolve::test::preconditioned_conjugate_gradient(problem.op, preconditioner, problem.b, x, with_rtol(1e-10));
  ASSERT_TRUE(result.converged()) << to_string(result.reasons[0]);
  auto const expected =
      kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), problem.right_hand_sides);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(x), expected), 1e-7);
  EXPECT_LT(3 * result.iterations, plain_result.iterations)
      << "schwarz " << result.iterations << ", plain " << plain_result.iterations;
}

TEST(SchwarzPreconditioner, FloatOperatorAndAutomaticOverlap) {
  auto problem = make_problem<float>(MPI_COMM_WORLD, 500, 2, 1, 0.03f, 1e-3f);
  SchwarzOptions options;
  options.cell_points = 64;
  SchwarzOf<decltype(problem)> const preconditioner(problem.op, options);
  // Gaussian exp(-r^2 / (2 sigma^2)) falls to exp(-3) at r = sqrt(6) sigma
  EXPECT_NEAR(preconditioner.summary().overlap, std::sqrt(6.0) * 0.03, 1e-6);
  EXPECT_EQ(preconditioner.summary().overlap_reason.rfind("k(overlap) =", 0), 0u);
  auto x = problem.new_block(1);
  auto const result =
      kernelsolve::test::preconditioned_conjugate_gradient(problem.op, preconditioner, problem.b, x, with_rtol(1e-4));
  ASSERT_TRUE(result.converged());
  EXPECT_LE(result.iterations, 30);
}

TEST(SchwarzPreconditioner, FloatOperatorKeepsFloat32FactorsAndAppliesTheBlockInverses) {
  // alpha = 0.1 keeps the blocks' condition below about 100, so that rounding the factors and the kernel values to
  // float32 moves the apply by at most about cond * 1e-7 from the double reference.
  auto problem = make_problem<float>(MPI_COMM_WORLD, 300, 2, 2, 0.05f, 0.1f);
  SchwarzOf<decltype(problem)> const preconditioner(problem.op, cells_of(32, 0.1));
  ASSERT_GE(preconditioner.summary().cells, 10);
  EXPECT_EQ(preconditioner.summary().factor_entry_bytes, 4);
  // b^2 float32 entries per block factored here, the most over the ranks
  long long bytes = 0;
  for (auto c : preconditioner.local_cells()) {
    auto const b = preconditioner.cells().block_size(c);
    bytes += static_cast<long long>(b * b) * static_cast<long long>(sizeof(float));
  }
  MPI_Allreduce(MPI_IN_PLACE, &bytes, 1, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  EXPECT_EQ(preconditioner.summary().factor_bytes, static_cast<double>(bytes));
  auto z = problem.new_block(2);
  preconditioner.apply(problem.b, z);
  auto const expected = dense_schwarz_apply(problem, preconditioner.cells(), problem.right_hand_sides);
  double const error = kernelsolve::reference::relative_error(problem.gather(z), expected);
  EXPECT_LE(error, 2e-6);
}

TEST(SchwarzPreconditioner, ZeroRidgeGetsAShiftThatKeepsTheBlocksDefinite) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 400, 2, 1, 0.1, 0.0);
  SchwarzOf<decltype(problem)> const preconditioner(problem.op, cells_of(50, 0.2));
  EXPECT_GT(preconditioner.summary().shift, 0.0);
  EXPECT_LT(preconditioner.summary().shift, 1e-6);
  auto z = problem.new_block(1);
  preconditioner.apply(problem.b, z);
  auto const applied = problem.gather(z);
  for (double value : applied.values) EXPECT_TRUE(std::isfinite(value));
}

TEST(SchwarzPreconditioner, SameCellsIterationsAndBitsOnEveryRankCount) {
  auto const results = kernelsolve::test::on_each_rank_count([](MPI_Comm comm) {
    auto problem = make_problem<double>(comm, 331, 2, 2, 0.04, 1e-3);
    SchwarzOf<decltype(problem)> const preconditioner(problem.op, cells_of(30, 0.1));
    auto x = problem.new_block(2);
    auto const result = kernelsolve::test::preconditioned_conjugate_gradient(problem.op, preconditioner, problem.b, x,
                                                                             with_rtol(1e-10));
    std::vector<double> packed{double(result.column_iterations[0]), double(result.column_iterations[1]),
                               double(preconditioner.summary().cells), preconditioner.summary().mean_block_points};
    auto z = problem.new_block(2);
    preconditioner.apply(problem.b, z);
    auto const applied = problem.gather(z);
    packed.insert(packed.end(), applied.values.begin(), applied.values.end());
    auto const solution = problem.gather(x);
    packed.insert(packed.end(), solution.values.begin(), solution.values.end());
    return packed;
  });
  EXPECT_GT(results[0][2], 5);
  for (std::size_t k = 1; k < results.size(); ++k) EXPECT_EQ(results[k], results[0]) << k + 1 << " ranks";
}

TEST(SchwarzPreconditioner, EachRankFactorsOnlyTheBlocksThatMeetItsRows) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 240, 1, 1, 0.01, 1e-3);
  SchwarzOf<decltype(problem)> const preconditioner(problem.op, cells_of(20, 0.02));
  auto const& cells = preconditioner.cells();
  std::vector<std::int64_t> expected;
  for (std::int64_t c = 0; c < cells.cells(); ++c)
    for (auto k = cells.block_offsets[c]; k < cells.block_offsets[c + 1]; ++k) {
      auto const row = cells.block_points[static_cast<std::size_t>(k)];
      if (row >= problem.op.first_row() && row < problem.op.first_row() + problem.op.local_rows()) {
        expected.push_back(c);
        break;
      }
    }
  EXPECT_EQ(preconditioner.local_cells(), expected);
  EXPECT_EQ(preconditioner.summary().local_cells, static_cast<std::int64_t>(expected.size()));
}

TEST(SchwarzPreconditionerErrors, BadOptionsAndBudgetsOnEveryRank) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 60, 2, 1, 0.2, 1e-2);
  using Preconditioner = SchwarzOf<decltype(problem)>;
  EXPECT_THROW_WITH_MESSAGE(Preconditioner(problem.op, cells_of(0, 0.1)), InvalidArgument,
                            "the points per cell must be >= 1, got 0");
  EXPECT_THROW_WITH_MESSAGE(Preconditioner(problem.op, cells_of(30, 0.1, 20)), InvalidArgument,
                            "the most points of a block (20) must be >= the points per cell (30)");
  EXPECT_THROW_WITH_MESSAGE(Preconditioner(problem.op, cells_of(30, std::nan(""))), InvalidArgument,
                            "the overlap must be >= 0, got nan");
  SchwarzOptions tight = cells_of(30, 0.1);
  tight.memory_budget_bytes = 1000;
  EXPECT_THROW_WITH_MESSAGE(Preconditioner(problem.op, tight), InvalidArgument, "MiB per rank");
  SchwarzOptions bad_fraction;
  bad_fraction.overlap_kernel_fraction = 1.5;
  EXPECT_THROW_WITH_MESSAGE(Preconditioner(problem.op, bad_fraction), InvalidArgument,
                            "overlap_kernel_fraction must be in (0, 1), got 1.5");
}

}  // namespace
