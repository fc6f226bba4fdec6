// The distributed operator (K + alpha I) against a dense product, on uneven row blocks, and its collective errors.
#include "harness/distributed_problem.hpp"
#include "harness/expect_error.hpp"
#include "harness/scalar_types.hpp"

#include <kernelsolve/operator/cutoff_operator.hpp>

#include <gtest/gtest.h>

#include <limits>

namespace {

using kernelsolve::InvalidArgument;
using kernelsolve::test::make_problem;
using kernelsolve::test::world_rank;
using kernelsolve::test::world_size;

template <class Scalar>
class DistributedOperator : public ::testing::Test {};
TYPED_TEST_SUITE(DistributedOperator, kernelsolve::test::ScalarTypes);

TYPED_TEST(DistributedOperator, AppliesKPlusAlphaIOnUnevenBlocks) {
  // 101 rows: uneven on 2 and 3 ranks.
  auto problem = make_problem<TypeParam>(MPI_COMM_WORLD, 101, 2, 3, TypeParam(0.3), TypeParam(0.05));
  auto out = problem.new_block(3);
  problem.op.apply(problem.b, out);
  auto const expected = kernelsolve::reference::multiply(problem.dense_operator(), problem.right_hand_sides);
  EXPECT_LT(kernelsolve::test::max_relative_difference(problem.gather(out), expected),
            20 * kernelsolve::test::product_tolerance<TypeParam>());
}

TYPED_TEST(DistributedOperator, PartitionIsBalancedAndLocalPointsAreNotACopy) {
  auto problem = make_problem<TypeParam>(MPI_COMM_WORLD, 11, 3, 1, TypeParam(0.3), TypeParam(0.05));
  auto const& partition = problem.op.partition();
  EXPECT_EQ(partition, kernelsolve::RowPartition::balanced(11, world_size()));
  EXPECT_EQ(problem.op.local_rows(), partition.local_rows(world_rank()));
  EXPECT_EQ(problem.op.local_points().data(), problem.op.points().data() + problem.op.first_row());
  EXPECT_EQ(problem.op.points().extent(0), 11u);
  EXPECT_EQ(problem.op.dimension(), 3);
}

// The overlapped gather (the default on several ranks) against the blocking MPI_Allgatherv, bit for bit: full and
// truncated, Dv = 5 (two passes of columns), N = 300 (the first ranks' rows hold no phase boundary, whose phases
// are empty) and 2100 (phase boundaries inside the blocks of 2 and 3 ranks).
TYPED_TEST(DistributedOperator, OverlappedGatherGivesTheBitsOfTheBlockingOne) {
  for (std::int64_t count : {300, 2100}) {
    auto problem = make_problem<TypeParam>(MPI_COMM_WORLD, count, 2, 5, TypeParam(0.05), TypeParam(0.05));
    kernelsolve::CutoffOperator<decltype(problem.op)> const cutoff(problem.op, 1e-6);
    for (bool truncated : {false, true}) {
      auto const apply = [&](auto const& in, auto const& out) {
        if (truncated) {
          cutoff.apply(in, out);
        } else {
          problem.op.apply(in, out);
        }
      };
      EXPECT_EQ(problem.op.overlaps_gather(), world_size() > 1);
      auto const overlapped = problem.new_block(5);
      apply(problem.b, overlapped);
      problem.op.overlap_gather(false);
      EXPECT_FALSE(problem.op.overlaps_gather());
      auto const blocking = problem.new_block(5);
      apply(problem.b, blocking);
      problem.op.overlap_gather(true);
      auto const a = problem.gather(overlapped);
      auto const b = problem.gather(blocking);
      EXPECT_EQ(a.values, b.values) << "N=" << count << (truncated ? ", truncated" : "");
      if (!truncated) {
        auto const expected = kernelsolve::reference::multiply(problem.dense_operator(), problem.right_hand_sides);
        EXPECT_LT(kernelsolve::test::max_relative_difference(a, expected),
                  20 * kernelsolve::test::product_tolerance<TypeParam>());
      }
    }
  }
}

TEST(DistributedOperatorErrors, NegativeAlphaOnEveryRank) {
  EXPECT_THROW_WITH_MESSAGE(make_problem<double>(MPI_COMM_WORLD, 10, 2, 1, 0.3, -1.0), InvalidArgument,
                            "alpha (the ridge) must be finite and >= 0, got -1");
}

TEST(DistributedOperatorErrors, NonFinitePointOnOneRankIsReportedByAll) {
  std::mt19937_64 generator(1);
  auto points = kernelsolve::reference::uniform_matrix<double>(20, 2, generator);
  auto b = kernelsolve::reference::uniform_matrix<double>(20, 1, generator);
  points(19, 1) = std::numeric_limits<double>::quiet_NaN();  // owned by the last rank
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::test::DistributedProblem<double>(MPI_COMM_WORLD, points, b, 0.3, 0.1),
                            InvalidArgument, "the points contain NaN or Inf values");
  points(19, 1) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(kernelsolve::test::DistributedProblem<double>(MPI_COMM_WORLD, points, b, 0.3, 0.1), InvalidArgument);
}

TEST(DistributedOperatorErrors, FewerPointsThanRanks) {
  // Rank r holds one point when r < N = ranks - 1: one rank holds none.
  int const n = world_size() - 1;
  Kokkos::View<double**, Kokkos::LayoutLeft> local_points("points", world_rank() < n ? 1 : 0, 2);
  EXPECT_THROW_WITH_MESSAGE((kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>(
                                MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(),
                                kernelsolve::Gaussian<double>::from_g(1.0), local_points, 0.1)),
                            InvalidArgument, "must be >= the number of MPI ranks");
}

TEST(DistributedOperatorErrors, DimensionMustBeAtLeastOneAndAgree) {
  using Operator = kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>;
  auto const kernel = kernelsolve::Gaussian<double>::from_g(1.0);
  Kokkos::View<double**, Kokkos::LayoutLeft> no_dimension("points", 4, 0);
  EXPECT_THROW_WITH_MESSAGE(Operator(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernel, no_dimension, 0.1),
                            InvalidArgument, "dimension D >= 1, got 0");
  if (world_size() > 1) {
    Kokkos::View<double**, Kokkos::LayoutLeft> points("points", 4, world_rank() == 0 ? 2 : 3);
    EXPECT_THROW_WITH_MESSAGE(Operator(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernel, points, 0.1),
                              InvalidArgument, "same dimension D on every rank");
  }
}

TEST(DistributedOperatorErrors, ApplyChecksExtents) {
  auto problem = make_problem<double>(MPI_COMM_WORLD, 12, 2, 2, 0.3, 0.1);
  EXPECT_THROW_WITH_MESSAGE(problem.op.apply(problem.b, problem.new_block(3)), kernelsolve::DimensionMismatch,
                            "in.extent(1) (2) and out.extent(1) (3)");
}

}  // namespace
