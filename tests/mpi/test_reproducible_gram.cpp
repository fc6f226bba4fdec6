// The Gram matrix F^T F of the Nystrom setup (detail/reproducible_gram.hpp): its chunk plan covers every row once at
// fixed global positions on any partition (ranks smaller than a chunk, empty ranks, a chunk spread over three
// ranks), and the distributed result matches a long-double reference and has the same bits on 1, 2 and 3 ranks,
// balanced, skewed or with the last chunk split, for float and double data. The cross products F^T r of the Nystrom
// apply (detail/reproducible_dot.hpp) likewise, by its vectorized float and double paths and its generic path; the
// apply's last step, the Woodbury rows (r - F y) / shift (solver/detail/rpcholesky_kernels.hpp), gives every row the
// same bits in any block of rows (full tiles, the shifted last tile, blocks shorter than a tile) and matches a
// long-double loop.
#include "harness/rank_counts.hpp"

#include <kernelsolve/core/row_partition.hpp>
#include <kernelsolve/detail/reproducible_dot.hpp>
#include <kernelsolve/detail/reproducible_gram.hpp>
#include <kernelsolve/reference/host_blocks.hpp>
#include <kernelsolve/solver/detail/rpcholesky_kernels.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using kernelsolve::detail::gram_chunk_plan;
using kernelsolve::detail::gram_chunk_rows;

std::vector<std::int64_t> offsets_of(std::vector<std::int64_t> const& sizes) {
  std::vector<std::int64_t> offsets{0};
  for (auto size : sizes) offsets.push_back(offsets.back() + size);
  return offsets;
}

/// Which rank sums each global row, from the plans: every row exactly once, in chunks that start at multiples of
/// gram_chunk_rows and are summed whole by the rank holding their first row (own rows plus what others send).
void expect_plan_covers_every_row_once(std::vector<std::int64_t> const& sizes) {
  auto const offsets = offsets_of(sizes);
  std::int64_t const total = offsets.back();
  std::vector<int> summed(static_cast<std::size_t>(total), 0);
  std::vector<int> sent(static_cast<std::size_t>(total), 0);
  for (int rank = 0; rank + 1 < static_cast<int>(offsets.size()); ++rank) {
    auto const plan = gram_chunk_plan(offsets, rank);
    std::int64_t const begin = offsets[static_cast<std::size_t>(rank)];
    for (int chunk = 0; chunk < plan.local_chunks; ++chunk) {
      std::int64_t const first = begin + plan.owned_begin + std::int64_t(chunk) * gram_chunk_rows;
      EXPECT_EQ(first % gram_chunk_rows, 0) << "rank " << rank;
      int const rows = chunk + 1 == plan.local_chunks ? plan.last_local_rows : gram_chunk_rows;
      for (int i = 0; i < rows; ++i) ++summed[static_cast<std::size_t>(first + i)];
    }
    if (plan.straddle_rows > 0) {
      std::int64_t const first = begin + plan.straddle_begin;
      EXPECT_EQ(first % gram_chunk_rows, 0) << "rank " << rank;
      EXPECT_GT(first + plan.straddle_rows, offsets[static_cast<std::size_t>(rank) + 1]) << "rank " << rank;
      for (int i = 0; i < plan.straddle_rows; ++i) ++summed[static_cast<std::size_t>(first + i)];
    }
    for (std::size_t s = 0; 2 * s < plan.sends.size(); ++s)
      for (int i = plan.sends[2 * s]; i < plan.sends[2 * s + 1]; ++i) {
        EXPECT_LT(static_cast<int>(s), rank);
        ++sent[static_cast<std::size_t>(begin + i)];
      }
  }
  for (std::int64_t i = 0; i < total; ++i) {
    EXPECT_EQ(summed[static_cast<std::size_t>(i)], 1) << "row " << i;
    // a row is sent exactly when the rank that sums it is not its own
    auto const owner = std::upper_bound(offsets.begin(), offsets.end(), i) - offsets.begin() - 1;
    std::int64_t const chunk_start = i / gram_chunk_rows * gram_chunk_rows;
    auto const summer = std::upper_bound(offsets.begin(), offsets.end(), chunk_start) - offsets.begin() - 1;
    EXPECT_EQ(sent[static_cast<std::size_t>(i)], owner != summer ? 1 : 0) << "row " << i;
  }
}

TEST(ReproducibleGramPlan, CoversEveryRowOnceOnAnyPartition) {
  expect_plan_covers_every_row_once({700});
  expect_plan_covers_every_row_once({350, 350});
  expect_plan_covers_every_row_once({250, 5, 445});      // rank 0's first chunk ends on rank 2
  expect_plan_covers_every_row_once({3, 1, 0, 2, 694});  // ranks smaller than a chunk, an empty one
  expect_plan_covers_every_row_once({256, 256, 188});    // boundaries on chunk starts
  expect_plan_covers_every_row_once({100, 100, 100});    // one chunk, N below a chunk
  expect_plan_covers_every_row_once({513, 1, 1});
}

/// F^T F of the rows in [begin, begin + rows) of `values` on each rank of `comm`, gathered to a vector.
template <class Scalar>
std::vector<double> distributed_gram(MPI_Comm comm, kernelsolve::reference::HostMatrix const& values,
                                     std::vector<std::int64_t> const& sizes) {
  using Block = Kokkos::View<Scalar**, Kokkos::LayoutLeft>;
  kernelsolve::Communicator const communicator(comm);
  auto const partition = kernelsolve::RowPartition::from_sizes(sizes);
  int const rank = communicator.rank();
  auto const block =
      kernelsolve::reference::to_block<Block>("F", values, partition.begin(rank), partition.local_rows(rank));
  return kernelsolve::detail::reproducible_gram(Kokkos::DefaultExecutionSpace(), communicator, block);
}

/// Skewed partitions of N rows for P ranks: tiny leading ranks, so that chunks straddle several ranks.
std::vector<std::int64_t> skewed_sizes(std::int64_t rows, int ranks) {
  std::vector<std::int64_t> sizes;
  std::int64_t used = 0;
  for (int r = 0; r + 1 < ranks; ++r) {
    sizes.push_back(r == 0 ? 250 : 5);
    used += sizes.back();
  }
  sizes.push_back(rows - used);
  return sizes;
}

/// The last rank holds only the last 42 rows: the short last chunk is summed by the rank before it.
std::vector<std::int64_t> split_tail_sizes(std::int64_t rows, int ranks) {
  if (ranks == 1) return {rows};
  std::vector<std::int64_t> sizes(static_cast<std::size_t>(ranks - 2), 5);
  sizes.insert(sizes.begin(), rows - 42 - 5 * (ranks - 2));
  sizes.push_back(42);
  return sizes;
}

/// left^T right in long double (p x q, column-major), and the sums of the terms' magnitudes (for tolerances).
std::pair<std::vector<long double>, std::vector<long double>> long_double_cross_products(
    kernelsolve::reference::HostMatrix const& left, kernelsolve::reference::HostMatrix const& right) {
  auto const p = left.columns, q = right.columns;
  std::vector<long double> sums(static_cast<std::size_t>(p * q), 0.0L);
  std::vector<long double> magnitudes(sums.size(), 0.0L);
  for (std::int64_t i = 0; i < left.rows; ++i)
    for (std::int64_t b = 0; b < q; ++b)
      for (std::int64_t a = 0; a < p; ++a) {
        long double const term = static_cast<long double>(left(i, a)) * right(i, b);
        sums[static_cast<std::size_t>(a + p * b)] += term;
        magnitudes[static_cast<std::size_t>(a + p * b)] += std::fabs(term);
      }
  return {sums, magnitudes};
}

template <class Scalar>
class ReproducibleGram : public ::testing::Test {};
using ScalarTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ReproducibleGram, ScalarTypes);

TYPED_TEST(ReproducibleGram, MatchesLongDoubleReferenceWithTheSameBitsOnEveryPartition) {
  std::int64_t const rows = 1102;  // four full chunks and a short last one, not a whole number of SIMD registers
  int const columns = 37;          // edge tiles on both sides
  std::mt19937_64 generator(11);
  auto values = kernelsolve::reference::uniform_matrix<TypeParam>(rows, columns, generator);
  for (auto& value : values.values) value = static_cast<double>(static_cast<TypeParam>(value - 0.4));  // cancellation

  auto const [reference, magnitude] = long_double_cross_products(values, values);

  auto const results = kernelsolve::test::on_each_rank_count([&](MPI_Comm comm) {
    int size = 1;
    MPI_Comm_size(comm, &size);
    auto const balanced = kernelsolve::RowPartition::balanced(rows, size);
    std::vector<std::int64_t> balanced_sizes;
    for (int r = 0; r < size; ++r) balanced_sizes.push_back(balanced.local_rows(r));
    auto result = distributed_gram<TypeParam>(comm, values, balanced_sizes);
    auto const skewed = distributed_gram<TypeParam>(comm, values, skewed_sizes(rows, size));
    result.insert(result.end(), skewed.begin(), skewed.end());
    auto const split_tail = distributed_gram<TypeParam>(comm, values, split_tail_sizes(rows, size));
    result.insert(result.end(), split_tail.begin(), split_tail.end());
    return result;
  });
  auto const& gram = results[0];
  ASSERT_EQ(gram.size(), 3 * reference.size());
  for (int b = 0; b < columns; ++b)
    for (int a = 0; a < columns; ++a) {
      auto const at = static_cast<std::size_t>(a + columns * b);
      EXPECT_NEAR(gram[at], static_cast<double>(reference[at]), 2e-14 * static_cast<double>(magnitude[at]))
          << "(" << a << ", " << b << ")";
      EXPECT_EQ(gram[at], gram[static_cast<std::size_t>(b + columns * a)]) << "symmetric (" << a << ", " << b << ")";
    }
  for (std::size_t k = 0; k < results.size(); ++k) {
    EXPECT_EQ(results[k], results[0]) << k + 1 << " ranks";
    // balanced and skewed partitions of the same rank count
    auto const half = static_cast<std::ptrdiff_t>(reference.size());
    EXPECT_TRUE(std::equal(results[k].begin(), results[k].begin() + half, results[k].begin() + half))
        << k + 1 << " ranks, skewed";
    EXPECT_TRUE(std::equal(results[k].begin(), results[k].begin() + half, results[k].begin() + 2 * half))
        << k + 1 << " ranks, the last chunk split";
  }
}

/// left^T right over the rows of `sizes`, right in layout RightLayout (LayoutRight: the generic path).
template <class Scalar, class RightLayout>
std::vector<double> distributed_cross_products(MPI_Comm comm, kernelsolve::reference::HostMatrix const& left,
                                               kernelsolve::reference::HostMatrix const& right,
                                               std::vector<std::int64_t> const& sizes) {
  kernelsolve::Communicator const communicator(comm);
  auto const partition = kernelsolve::RowPartition::from_sizes(sizes);
  int const rank = communicator.rank();
  auto const left_block = kernelsolve::reference::to_block<Kokkos::View<Scalar**, Kokkos::LayoutLeft>>(
      "F", left, partition.begin(rank), partition.local_rows(rank));
  auto const right_block = kernelsolve::reference::to_block<Kokkos::View<Scalar**, RightLayout>>(
      "r", right, partition.begin(rank), partition.local_rows(rank));
  return kernelsolve::detail::reproducible_cross_products(Kokkos::DefaultExecutionSpace(), communicator, left_block,
                                                          right_block);
}

TYPED_TEST(ReproducibleGram, CrossProductsMatchLongDoubleWithTheSameBitsOnEveryPartitionAndPath) {
  std::int64_t const rows = 1103;  // not a whole number of SIMD blocks on any rank
  int const p = 37, q = 3;
  std::mt19937_64 generator(5);
  auto left = kernelsolve::reference::uniform_matrix<TypeParam>(rows, p, generator);
  auto right = kernelsolve::reference::uniform_matrix<TypeParam>(rows, q, generator);
  for (auto& value : left.values) value = static_cast<double>(static_cast<TypeParam>(value - 0.5));  // cancellation
  auto const [reference, magnitude] = long_double_cross_products(left, right);
  auto const results = kernelsolve::test::on_each_rank_count([&](MPI_Comm comm) {
    int size = 1;
    MPI_Comm_size(comm, &size);
    auto const balanced = kernelsolve::RowPartition::balanced(rows, size);
    std::vector<std::int64_t> balanced_sizes;
    for (int r = 0; r < size; ++r) balanced_sizes.push_back(balanced.local_rows(r));
    auto result = distributed_cross_products<TypeParam, Kokkos::LayoutLeft>(comm, left, right, balanced_sizes);
    for (auto const& more :
         {distributed_cross_products<TypeParam, Kokkos::LayoutLeft>(comm, left, right, skewed_sizes(rows, size)),
          distributed_cross_products<TypeParam, Kokkos::LayoutRight>(comm, left, right, balanced_sizes)})
      result.insert(result.end(), more.begin(), more.end());
    return result;
  });
  auto const count = reference.size();
  ASSERT_EQ(results[0].size(), 3 * count);
  for (std::size_t at = 0; at < count; ++at) {
    // the exact sum rounded once: within an ulp of the long-double reference (plus its own rounding)
    double const tolerance =
        1.2e-16 * std::fabs(static_cast<double>(reference[at])) + 2e-17 * static_cast<double>(magnitude[at]);
    EXPECT_NEAR(results[0][at], static_cast<double>(reference[at]), tolerance) << "pair " << at;
  }
  for (std::size_t k = 0; k < results.size(); ++k) {
    EXPECT_EQ(results[k], results[0]) << k + 1 << " ranks";
    auto const n = static_cast<std::ptrdiff_t>(count);
    EXPECT_TRUE(std::equal(results[k].begin(), results[k].begin() + n, results[k].begin() + n))
        << k + 1 << " ranks, skewed";
    EXPECT_TRUE(std::equal(results[k].begin(), results[k].begin() + n, results[k].begin() + 2 * n))
        << k + 1 << " ranks, the generic path (a row-major right-hand side)";
  }
}

/// (r - F y) / shift for the rows [first, first + rows) of `factor` and `residual`, as the Nystrom apply computes it.
template <class Scalar>
kernelsolve::reference::HostMatrix woodbury_rows(kernelsolve::reference::HostMatrix const& factor,
                                                 kernelsolve::reference::HostMatrix const& coefficients,
                                                 kernelsolve::reference::HostMatrix const& residual, double shift,
                                                 std::int64_t first, std::int64_t rows) {
  using Block = Kokkos::View<Scalar**, Kokkos::LayoutLeft>;
  auto const factor_block = kernelsolve::reference::to_block<Block>("F", factor, first, rows);
  auto const residual_block = kernelsolve::reference::to_block<Block>("r", residual, first, rows);
  auto const y = kernelsolve::reference::to_block<Kokkos::View<double**, Kokkos::LayoutLeft>>("y", coefficients, 0,
                                                                                              coefficients.rows);
  Block out("out", rows, residual.columns);
  kernelsolve::detail::nystrom_woodbury_rows(Kokkos::DefaultExecutionSpace(), factor_block, y, shift, residual_block,
                                             out);
  return kernelsolve::reference::to_host_matrix(out);
}

TYPED_TEST(ReproducibleGram, WoodburyRowsHaveTheSameBitsInEveryBlockOfRows) {
  constexpr int tile = kernelsolve::detail::woodbury_tile_rows_v<Kokkos::DefaultExecutionSpace>;
  std::int64_t const rows = 5 * tile + 3;
  int const rank = 41, columns = 2;
  double const shift = 0.03;
  std::mt19937_64 generator(11);
  auto const factor = kernelsolve::reference::uniform_matrix<TypeParam>(rows, rank, generator);
  auto const coefficients = kernelsolve::reference::uniform_matrix<double>(rank, columns, generator);
  auto residual = kernelsolve::reference::uniform_matrix<TypeParam>(rows, columns, generator);
  for (auto& value : residual.values) value = static_cast<double>(static_cast<TypeParam>(value * 10));
  auto const whole = woodbury_rows<TypeParam>(factor, coefficients, residual, shift, 0, rows);
  for (std::int64_t i = 0; i < rows; ++i) {
    for (int c = 0; c < columns; ++c) {
      long double explained = 0, magnitude = 0;
      for (int j = 0; j < rank; ++j) {
        explained += static_cast<long double>(factor(i, j)) * coefficients(j, c);
        magnitude += std::fabs(static_cast<long double>(factor(i, j)) * coefficients(j, c));
      }
      double const expected = static_cast<double>((residual(i, c) - explained) / shift);
      double const rounding = std::is_same_v<TypeParam, float> ? 1.2e-7 : 2.3e-16;
      EXPECT_NEAR(whole(i, c), expected,
                  rounding * std::fabs(expected) + 1e-15 * static_cast<double>(magnitude) * rank / shift)
          << "row " << i << ", column " << c;
    }
  }
  // Blocks of rows as other partitions give them: shorter than a tile, a tile, a tile and a bit (the last tile
  // moved back), not starting at a multiple of the tile.
  for (auto [first, count] : std::vector<std::pair<std::int64_t, std::int64_t>>{
           {0, 1}, {3, tile - 1}, {5, tile}, {7, tile + 1}, {tile + 2, 3 * tile + 1}, {1, rows - 1}}) {
    auto const block = woodbury_rows<TypeParam>(factor, coefficients, residual, shift, first, count);
    for (std::int64_t i = 0; i < count; ++i) {
      for (int c = 0; c < columns; ++c)
        EXPECT_EQ(block(i, c), whole(first + i, c)) << "row " << first + i << " in the block at " << first;
    }
  }
}

TEST(ReproducibleGram, NoColumnsAndEmptyRanks) {
  kernelsolve::Communicator const communicator(MPI_COMM_WORLD);
  Kokkos::View<double**, Kokkos::LayoutLeft> none("none", communicator.rank() == 0 ? 10 : 0, 0);
  EXPECT_TRUE(kernelsolve::detail::reproducible_gram(Kokkos::DefaultExecutionSpace(), communicator, none).empty());
  // every row on the last rank: the others own no chunk and send nothing
  Kokkos::View<double**, Kokkos::LayoutLeft> ones("ones", communicator.rank() + 1 == communicator.size() ? 300 : 0, 2);
  Kokkos::deep_copy(ones, 1.0);
  auto const gram = kernelsolve::detail::reproducible_gram(Kokkos::DefaultExecutionSpace(), communicator, ones);
  EXPECT_EQ(gram, std::vector<double>(4, 300.0));
}

}  // namespace
