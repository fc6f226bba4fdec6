// Cutoff products against brute-force dense products: within the stated bound for every family (D = 1, 2, 3,
// uniform and clustered points), exactly equal for a compactly supported kernel, the same bits for any split of the
// target rows, and clear errors for a bad truncation or a pattern of other shapes. The cutoff gradient sums the
// same way: within their own bounds, bitwise the full sums for the full pattern and for a compact kernel.
#include "harness/expect_error.hpp"
#include "harness/radial_kernel_types.hpp"

#include <kernelsolve/geometry/spatial_order.hpp>
#include <kernelsolve/product/cutoff_pattern.hpp>
#include <kernelsolve/product/kernel_gradient.hpp>
#include <kernelsolve/product/kernel_product.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace {

using kernelsolve::reference::HostMatrix;
using Block = Kokkos::View<double**, Kokkos::LayoutLeft>;
using Memory = Block::memory_space;

/// N points in [0, 1]^D, uniform or in four tight clusters, in their spatial order (tiles of rows are compact).
HostMatrix sorted_points(std::int64_t count, int dimension, bool clustered, std::mt19937_64& generator) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 0.03);
  HostMatrix centres(4, dimension);
  for (auto& value : centres.values) value = uniform(generator);
  HostMatrix points(count, dimension);
  for (std::int64_t i = 0; i < count; ++i)
    for (int d = 0; d < dimension; ++d)
      points(i, d) = clustered ? centres(i % 4, d) + normal(generator) : uniform(generator);
  std::vector<double> column_major(points.values.size());
  for (std::int64_t i = 0; i < count; ++i)
    for (int d = 0; d < dimension; ++d) column_major[static_cast<std::size_t>(d * count + i)] = points(i, d);
  auto const order = kernelsolve::spatial_order(column_major.data(), count, dimension);
  HostMatrix sorted(count, dimension);
  for (std::int64_t k = 0; k < count; ++k)
    for (int d = 0; d < dimension; ++d) sorted(k, d) = points(order[static_cast<std::size_t>(k)], d);
  return sorted;
}

HostMatrix signed_weights(std::int64_t rows, int columns, std::mt19937_64& generator) {
  auto weights = kernelsolve::reference::uniform_matrix<double>(rows, columns, generator);
  for (auto& w : weights.values) w -= 0.5;
  return weights;
}

template <class Kernel>
class CutoffProduct : public ::testing::Test {};
TYPED_TEST_SUITE(CutoffProduct, kernelsolve::test::DoubleRadialKernels);

/// The truncation of the typed tests: 1e-6, or 1e-2 for a compactly supported kernel (see below).
template <class Kernel>
double truncation_for() {
  return kernelsolve::has_support_radius<Kernel>::value ? 1e-2 : 1e-6;
}

// |cutoff - dense|_i <= dropped_row_sum max |w| (+ rounding of the kept sum), and the pattern does drop pairs.
TYPED_TEST(CutoffProduct, StaysWithinTheStatedBoundOfTheDenseProduct) {
  std::mt19937_64 generator(5);
  for (int dimension = 1; dimension <= 3; ++dimension) {
    for (bool clustered : {false, true}) {
      std::int64_t const count = 2000;
      auto const points = sorted_points(count, dimension, clustered, generator);
      auto const weights = signed_weights(count, 2, generator);
      // A width at which every family (also the heavy-tailed Cauchy and inverse multiquadric) falls to the
      // truncation 0.05 away: a few tiles apart. A compactly supported kernel falls to 1e-6 only 2% short of its
      // support, where no tile pair may fall: its bounds are tested where they are not 0, at 1e-2 (3/4 of it).
      double const truncation = truncation_for<TypeParam>();
      auto const reach_at_unit_sigma = kernelsolve::detail::kernel_reach(TypeParam::from_sigma(1.0), truncation);
      auto const kernel = TypeParam::from_sigma(0.05 / reach_at_unit_sigma);
      auto const on_device = kernelsolve::reference::to_block<Block>("points", points, 0, count);
      auto const pattern = kernelsolve::make_cutoff_pattern<Memory>(kernel, on_device, on_device, truncation);
      Block out("out", count, 2);
      kernelsolve::kernel_product(Kokkos::DefaultExecutionSpace(), kernel, on_device, on_device,
                                  kernelsolve::reference::to_block<Block>("weights", weights, 0, count), out, pattern);
      auto const dense = kernelsolve::reference::kernel_matrix([&](double r2) { return kernel(r2); }, points, points);
      auto const expected = kernelsolve::reference::multiply(dense, weights);
      auto const got = kernelsolve::reference::to_host_matrix(out);
      auto const& summary = pattern.summary();
      double max_weight = 0;
      for (double w : weights.values) max_weight = std::max(max_weight, std::abs(w));
      double worst = 0;
      for (std::int64_t i = 0; i < count; ++i) {
        for (int c = 0; c < 2; ++c) {
          double scale = 0;
          for (std::int64_t j = 0; j < count; ++j) scale += std::abs(dense(i, j) * weights(j, c));
          double const allowed = summary.dropped_row_sum * max_weight + 1e-13 * scale;
          worst = std::max(worst, std::abs(got(i, c) - expected(i, c)) / allowed);
        }
      }
      std::string const where = "D=" + std::to_string(dimension) + (clustered ? " clustered" : " uniform");
      EXPECT_LE(worst, 1.0) << where;
      EXPECT_LT(summary.kept_pairs, summary.pairs * 4 / 5) << where << ": the test must drop pairs to test anything";
      EXPECT_GT(summary.dropped_row_sum, 0) << where;
      EXPECT_LE(summary.dropped_row_sum, truncation * kernel(0.0) * static_cast<double>(count)) << where;
      EXPECT_FALSE(summary.exact);
      EXPECT_EQ(summary.pairs, count * count);
    }
  }
}

/// Wendland's psi_{3,1}: (1 - t)_+^4 (4 t + 1), t = r / rho, with its support declared.
struct Wendland31 {
  using value_type = double;
  double rho;
  KOKKOS_INLINE_FUNCTION double operator()(double r2) const {
    double const t = sqrt(r2) / rho;
    if (t >= 1) return 0;
    double const s = 1 - t;
    return s * s * s * s * (4 * t + 1);
  }
  [[nodiscard]] double support_radius() const { return rho; }
  /// d/d(r2) = -10 (1 - t)^3 / rho^2 inside the support, 0 beyond.
  KOKKOS_INLINE_FUNCTION double derivative(double r2) const {
    double const t = sqrt(r2) / rho;
    if (t >= 1) return 0;
    double const s = 1 - t;
    return -10 * s * s * s / (rho * rho);
  }
};
static_assert(kernelsolve::has_support_radius<Wendland31>::value);
static_assert(!kernelsolve::is_decreasing_kernel<Wendland31>::value);
static_assert(kernelsolve::is_decreasing_kernel<kernelsolve::Gaussian<float>>::value);

TEST(CutoffProductExact, EqualsTheFullProductBitwiseForACompactlySupportedKernel) {
  std::mt19937_64 generator(9);
  for (int dimension = 1; dimension <= 3; ++dimension) {
    std::int64_t const count = 2001;  // not a multiple of the tile: a last partial tile
    auto const points = sorted_points(count, dimension, dimension == 2, generator);
    auto const weights = signed_weights(count, 3, generator);
    Wendland31 const kernel{0.05};
    auto const on_device = kernelsolve::reference::to_block<Block>("points", points, 0, count);
    auto const w = kernelsolve::reference::to_block<Block>("weights", weights, 0, count);
    auto const pattern = kernelsolve::make_cutoff_pattern<Memory>(kernel, on_device, on_device, 0.5);
    Block full("full", count, 3), cutoff("cutoff", count, 3);
    kernelsolve::kernel_product(Kokkos::DefaultExecutionSpace(), kernel, on_device, on_device, w, full);
    kernelsolve::kernel_product(Kokkos::DefaultExecutionSpace(), kernel, on_device, on_device, w, cutoff, pattern);
    auto const a = kernelsolve::reference::to_host_matrix(full);
    auto const b = kernelsolve::reference::to_host_matrix(cutoff);
    for (std::size_t k = 0; k < a.values.size(); ++k) ASSERT_EQ(a.values[k], b.values[k]) << "D=" << dimension;
    EXPECT_TRUE(pattern.summary().exact);
    EXPECT_EQ(pattern.summary().dropped_row_sum, 0.0);
    EXPECT_LT(pattern.summary().kept_pairs, pattern.summary().pairs * 4 / 5) << "D=" << dimension;
  }
}

// Rows [first, first + rows) of a pattern over all the targets give the bits of those rows of the whole product:
// what makes an operator's cutoff product the same on every rank count.
TEST(CutoffProductSplit, AnyRangeOfTargetRowsGivesTheSameBits) {
  std::mt19937_64 generator(3);
  std::int64_t const count = 700;
  auto const points = sorted_points(count, 2, false, generator);
  auto const weights = signed_weights(count, 1, generator);
  auto const kernel = kernelsolve::Laplacian<double>::from_sigma(0.03);
  auto const all = kernelsolve::reference::to_block<Block>("points", points, 0, count);
  auto const w = kernelsolve::reference::to_block<Block>("weights", weights, 0, count);
  Block whole("whole", count, 1);
  kernelsolve::kernel_product(Kokkos::DefaultExecutionSpace(), kernel, all, all, w, whole,
                              kernelsolve::make_cutoff_pattern<Memory>(kernel, all, all, 1e-8));
  auto const expected = kernelsolve::reference::to_host_matrix(whole);
  for (auto const& [first, rows] : {std::pair<std::int64_t, std::int64_t>{0, 1}, {37, 200}, {64, 64}, {500, 200}}) {
    auto const targets = Kokkos::subview(all, Kokkos::make_pair(first, first + rows), Kokkos::ALL);
    auto const pattern = kernelsolve::make_cutoff_pattern<Memory>(kernel, all, first, rows, all, 1e-8);
    Block part("part", rows, 1);
    kernelsolve::kernel_product(Kokkos::DefaultExecutionSpace(), kernel, targets, all, w, part, pattern);
    auto const got = kernelsolve::reference::to_host_matrix(part);
    for (std::int64_t i = 0; i < rows; ++i) ASSERT_EQ(got(i, 0), expected(first + i, 0)) << first << "+" << i;
  }
}

template <class Kernel>
class CutoffGradient : public ::testing::Test {};
TYPED_TEST_SUITE(CutoffGradient, kernelsolve::test::DoubleRadialKernels);

// The cutoff gradient and parameter sums against the sums over all pairs evaluated one by one on the host, within
// dropped_gradient_row_sum max_j |u_i . v_j| (resp. the parameter's bound) plus rounding; the bounds are not zero.
TYPED_TEST(CutoffGradient, StaysWithinTheStatedBoundsOfTheSumsOverAllPairs) {
  std::mt19937_64 generator(8);
  for (int dimension = 1; dimension <= 3; ++dimension) {
    std::int64_t const count = 1500;
    auto const points = sorted_points(count, dimension, dimension == 2, generator);
    auto const u = signed_weights(count, 2, generator);
    auto const v = signed_weights(count, 2, generator);
    double const truncation = truncation_for<TypeParam>();
    auto const reach_at_unit_sigma = kernelsolve::detail::kernel_reach(TypeParam::from_sigma(1.0), truncation);
    auto const kernel = TypeParam::from_sigma(0.05 / reach_at_unit_sigma);
    auto const to = [count](HostMatrix const& m) { return kernelsolve::reference::to_block<Block>("m", m, 0, count); };
    auto const x = to(points);
    auto const pattern = kernelsolve::make_cutoff_pattern<Memory>(kernel, x, x, truncation);
    Block gradient("gradient", count, dimension);
    Kokkos::View<double*> parameter("parameter", count);
    kernelsolve::kernel_gradient(Kokkos::DefaultExecutionSpace(), kernel, x, x, to(u), to(v), gradient, parameter,
                                 pattern);
    auto const got = kernelsolve::reference::to_host_matrix(gradient);
    auto const got_parameter = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), parameter);
    auto const& summary = pattern.summary();
    double worst_gradient = 0, worst_parameter = 0;
    for (std::int64_t i = 0; i < count; ++i) {
      std::vector<double> expected(static_cast<std::size_t>(dimension), 0.0), scale(expected.size(), 0.0);
      double expected_parameter = 0, parameter_scale = 0, max_weight = 0;
      for (std::int64_t j = 0; j < count; ++j) {
        double r2 = 0;
        for (int d = 0; d < dimension; ++d) r2 += (points(i, d) - points(j, d)) * (points(i, d) - points(j, d));
        double const weight = u(i, 0) * v(j, 0) + u(i, 1) * v(j, 1);
        max_weight = std::max(max_weight, std::abs(weight));
        for (int d = 0; d < dimension; ++d) {
          double const term = 2 * kernel.derivative(r2) * weight * (points(i, d) - points(j, d));
          expected[static_cast<std::size_t>(d)] += term;
          scale[static_cast<std::size_t>(d)] += std::abs(term);
        }
        expected_parameter += kernel.parameter_derivative(r2) * weight;
        parameter_scale += std::abs(kernel.parameter_derivative(r2) * weight);
      }
      for (int d = 0; d < dimension; ++d) {
        double const allowed =
            summary.dropped_gradient_row_sum * max_weight + 1e-13 * scale[static_cast<std::size_t>(d)] + 1e-300;
        worst_gradient =
            std::max(worst_gradient, std::abs(got(i, d) - expected[static_cast<std::size_t>(d)]) / allowed);
      }
      double const allowed_parameter =
          summary.dropped_parameter_row_sum * max_weight + 1e-13 * parameter_scale + 1e-300;
      worst_parameter = std::max(worst_parameter, std::abs(got_parameter(i) - expected_parameter) / allowed_parameter);
    }
    std::string const where = "D=" + std::to_string(dimension);
    EXPECT_LE(worst_gradient, 1.0) << where;
    EXPECT_LE(worst_parameter, 1.0) << where;
    EXPECT_LT(summary.kept_pairs, summary.pairs * 4 / 5) << where << ": the test must drop pairs to test anything";
    EXPECT_GT(summary.dropped_gradient_row_sum, 0) << where;
    EXPECT_GT(summary.dropped_parameter_row_sum, 0) << where;
  }
}

// The full pattern gives kernel_gradient's bits without a pattern (what solve_gradient runs untruncated), also at
// D = 12, where groups of rows walk the coordinates over each tile's range; and a compact kernel's cutoff gradient is
// bitwise the full one.
TEST(CutoffGradientExact, FullPatternAndCompactKernelGiveTheBitsOfTheSumsOverAllPairs) {
  std::mt19937_64 generator(4);
  std::int64_t const count = 1001;
  auto const to = [count](HostMatrix const& m) { return kernelsolve::reference::to_block<Block>("m", m, 0, count); };
  auto const u = to(signed_weights(count, 3, generator));
  auto const v = to(signed_weights(count, 3, generator));
  for (int dimension : {2, 12}) {
    auto const x = to(sorted_points(count, dimension, true, generator));
    auto const same_bits = [&](auto const& kernel, auto const& pattern, char const* what) {
      Block all("all", count, dimension), cut("cut", count, dimension);
      kernelsolve::kernel_gradient(Kokkos::DefaultExecutionSpace(), kernel, x, x, u, v, all, Kokkos::View<double*>());
      kernelsolve::kernel_gradient(Kokkos::DefaultExecutionSpace(), kernel, x, x, u, v, cut, Kokkos::View<double*>(),
                                   pattern);
      auto const a = kernelsolve::reference::to_host_matrix(all);
      auto const b = kernelsolve::reference::to_host_matrix(cut);
      for (std::size_t k = 0; k < a.values.size(); ++k)
        ASSERT_EQ(a.values[k], b.values[k]) << what << " D=" << dimension << " " << k;
    };
    same_bits(kernelsolve::Matern52<double>::from_sigma(0.02 * dimension),
              kernelsolve::make_full_pattern<Memory>(0, count, count), "full pattern");
    if (dimension > 2) continue;
    Wendland31 const wendland{0.05};
    auto const compact = kernelsolve::make_cutoff_pattern<Memory>(wendland, x, x, 0.5);
    EXPECT_TRUE(compact.summary().exact);
    EXPECT_EQ(compact.summary().dropped_gradient_row_sum, 0.0);
    EXPECT_LT(compact.summary().kept_pairs, compact.summary().pairs * 4 / 5);
    same_bits(wendland, compact, "compact kernel");
  }
}

// sup over the tail of a function with a peak beyond `from`, and of a decreasing one (exact there).
TEST(CutoffTailSupremum, BoundsTheFunctionOverTheWholeTail) {
  auto const bump = [](double r) { return r * r * std::exp(-r); };  // peak 4 / e^2 at r = 2
  kernelsolve::detail::TailSupremum const tail(bump, 0.5);
  EXPECT_NEAR(tail(0.5), 4 * std::exp(-2.0), 1e-4 * 4 * std::exp(-2.0));
  EXPECT_GE(tail(1.0), 4 * std::exp(-2.0) * (1 - 1e-4));
  EXPECT_DOUBLE_EQ(tail(3.0), bump(3.0));  // decreasing from 2 on: the value itself
  EXPECT_DOUBLE_EQ(tail(30.0), bump(30.0));
  for (double r = 0.5; r < 40; r *= 1.013) {
    double sup = 0;
    for (double p = r; p < 60; p += 1e-3) sup = std::max(sup, bump(p));
    ASSERT_GE(tail(r), sup * (1 - 1e-4)) << r;
    ASSERT_LE(tail(r), sup * (1 + 1e-6) + 1e-300) << r;  // the brute force samples every 1e-3 only
  }
}

TEST(CutoffProductErrors, TruncationOutsideZeroOneAndOtherShapesAreRejected) {
  Block const points("points", 10, 2), weights("weights", 10, 1), out("out", 10, 1);
  auto const kernel = kernelsolve::Gaussian<double>::from_g(1.0);
  for (double bad : {0.0, 1.0, -1e-3, 2.0, std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_THROW_WITH_MESSAGE(kernelsolve::make_cutoff_pattern<Memory>(kernel, points, points, bad),
                              kernelsolve::InvalidArgument, "truncation tolerance must be in (0, 1)");
  }
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::make_cutoff_pattern<Memory>(kernel, points, 5, 6, points, 1e-3),
                            kernelsolve::InvalidArgument, "target rows [5, 11) are not within the 10");
  auto const pattern = kernelsolve::make_cutoff_pattern<Memory>(kernel, points, points, 1e-3);
  Block const other("other", 12, 2), other_weights("other_weights", 12, 1);
  EXPECT_THROW_WITH_MESSAGE(
      kernelsolve::kernel_product(Kokkos::DefaultExecutionSpace(), kernel, points, other, other_weights, out, pattern),
      kernelsolve::DimensionMismatch, "sources.extent(0) (12) and pattern.source_rows() (10)");
  Block const gradient("gradient", 10, 2);
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::kernel_gradient(Kokkos::DefaultExecutionSpace(), kernel, points, other, out,
                                                         other_weights, gradient, Kokkos::View<double*>(), pattern),
                            kernelsolve::DimensionMismatch, "sources.extent(0) (12) and pattern.source_rows() (10)");
}

}  // namespace
