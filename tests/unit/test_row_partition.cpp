// The contiguous row partition: balanced to within one row, the documented worked example, and its errors.
#include <kernelsolve/core/row_partition.hpp>

#include <gtest/gtest.h>

namespace {

using kernelsolve::RowPartition;

TEST(RowPartition, WorkedExampleOfTenRowsOnThreeRanks) {
  auto const partition = RowPartition::balanced(10, 3);
  EXPECT_EQ(partition.parts(), 3);
  EXPECT_EQ(partition.begin(0), 0);
  EXPECT_EQ(partition.end(0), 4);
  EXPECT_EQ(partition.begin(1), 4);
  EXPECT_EQ(partition.end(1), 7);
  EXPECT_EQ(partition.begin(2), 7);
  EXPECT_EQ(partition.end(2), 10);
}

TEST(RowPartition, BalancedToWithinOneRowAndContiguous) {
  for (std::int64_t rows : {1, 2, 3, 7, 100, 101, 1000003}) {
    for (int parts = 1; parts <= 7 && parts <= rows; ++parts) {
      auto const partition = RowPartition::balanced(rows, parts);
      int smallest = partition.local_rows(0);
      int largest = smallest;
      for (int r = 0; r < parts; ++r) {
        EXPECT_EQ(partition.begin(r), r == 0 ? 0 : partition.end(r - 1));
        smallest = std::min(smallest, partition.local_rows(r));
        largest = std::max(largest, partition.local_rows(r));
      }
      EXPECT_EQ(partition.global_rows(), rows);
      EXPECT_LE(largest - smallest, 1) << rows << " rows on " << parts << " parts";
      EXPECT_GE(smallest, 1);
    }
  }
}

TEST(RowPartition, AnySizesIncludingEmptyBlocks) {
  auto const partition = RowPartition::from_sizes({3, 0, 5});
  EXPECT_EQ(partition.global_rows(), 8);
  EXPECT_EQ(partition.local_rows(1), 0);
  EXPECT_EQ(partition.begin(2), 3);
}

TEST(RowPartition, FewerRowsThanRanksIsAnError) {
  try {
    (void)RowPartition::balanced(2, 3);
    FAIL() << "expected an exception";
  } catch (kernelsolve::InvalidArgument const& error) {
    EXPECT_NE(std::string(error.what()).find("number of points N (2) must be >= the number of MPI ranks (3)"),
              std::string::npos)
        << error.what();
  }
  EXPECT_THROW((void)RowPartition::from_sizes({1, 0, 0}), kernelsolve::InvalidArgument);
  EXPECT_THROW((void)RowPartition::from_sizes({4, -1}), kernelsolve::InvalidArgument);
  EXPECT_THROW((void)RowPartition::balanced(5, 0), kernelsolve::InvalidArgument);
}

}  // namespace
