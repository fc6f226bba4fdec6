// The gradient of the kernel bilinear form B = sum_ij k(|t_i - s_j|^2) (u_i . v_j), against central finite
// differences of a dense double evaluation of B, in the rectangular case (targets != sources).
#include "harness/expect_error.hpp"

#include <kernelsolve/kernels/gaussian.hpp>
#include <kernelsolve/product/kernel_gradient.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

using kernelsolve::reference::HostMatrix;
using Block = Kokkos::View<double**, Kokkos::LayoutLeft>;

double bilinear_form(double g, HostMatrix const& t, HostMatrix const& s, HostMatrix const& u, HostMatrix const& v) {
  auto const k = kernelsolve::reference::kernel_matrix([g](double r2) { return std::exp(-g * r2); }, t, s);
  double sum = 0;
  for (std::int64_t i = 0; i < t.rows; ++i)
    for (std::int64_t j = 0; j < s.rows; ++j)
      for (std::int64_t c = 0; c < u.columns; ++c) sum += k(i, j) * u(i, c) * v(j, c);
  return sum;
}

struct GradientCase {
  int targets, sources, dimension, columns;
};

TEST(KernelGradient, MatchesFiniteDifferencesForTargetsSourcesAndParameter) {
  for (auto const& test_case : {GradientCase{13, 21, 2, 2}, GradientCase{7, 37, 3, 1}, GradientCase{9, 18, 5, 3},
                                GradientCase{11, 45, 12, 2}, GradientCase{6, 30, 8, 1}, GradientCase{5, 23, 17, 2}}) {
    std::mt19937_64 generator(3);
    auto t = kernelsolve::reference::uniform_matrix<double>(test_case.targets, test_case.dimension, generator);
    auto s = kernelsolve::reference::uniform_matrix<double>(test_case.sources, test_case.dimension, generator);
    auto const u = kernelsolve::reference::uniform_matrix<double>(test_case.targets, test_case.columns, generator);
    auto const v = kernelsolve::reference::uniform_matrix<double>(test_case.sources, test_case.columns, generator);
    double const g = 3.0;
    auto const kernel = kernelsolve::Gaussian<double>::from_g(g);
    auto const to = [](HostMatrix const& m) { return kernelsolve::reference::to_block<Block>("m", m, 0, m.rows); };

    Block target_gradient("dB/dt", test_case.targets, test_case.dimension);
    Block source_gradient("dB/ds", test_case.sources, test_case.dimension);
    Kokkos::View<double*> parameter_rows("dB/dg rows", test_case.targets);
    kernelsolve::kernel_gradient(Kokkos::DefaultExecutionSpace(), kernel, to(t), to(s), to(u), to(v), target_gradient,
                                 parameter_rows);
    kernelsolve::kernel_gradient(Kokkos::DefaultExecutionSpace(), kernel, to(s), to(t), to(v), to(u), source_gradient,
                                 Kokkos::View<double*>());
    auto const dt = kernelsolve::reference::to_host_matrix(target_gradient);
    auto const ds = kernelsolve::reference::to_host_matrix(source_gradient);

    double const h = 1e-6;
    auto const central_difference = [&](double& coordinate) {
      double const saved = coordinate;
      coordinate = saved + h;
      double const plus = bilinear_form(g, t, s, u, v);
      coordinate = saved - h;
      double const minus = bilinear_form(g, t, s, u, v);
      coordinate = saved;
      return (plus - minus) / (2 * h);
    };
    for (std::int64_t i = 0; i < t.rows; ++i)
      for (std::int64_t d = 0; d < t.columns; ++d) EXPECT_NEAR(dt(i, d), central_difference(t(i, d)), 1e-7);
    for (std::int64_t j = 0; j < s.rows; ++j)
      for (std::int64_t d = 0; d < s.columns; ++d) EXPECT_NEAR(ds(j, d), central_difference(s(j, d)), 1e-7);

    auto const rows_host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), parameter_rows);
    double dg = 0;
    for (std::size_t i = 0; i < rows_host.extent(0); ++i) dg += rows_host(i);
    double const expected_dg = (bilinear_form(g + h, t, s, u, v) - bilinear_form(g - h, t, s, u, v)) / (2 * h);
    EXPECT_NEAR(dg, expected_dg, 1e-7 * std::max(1.0, std::abs(expected_dg)));
  }
}

// A run-time dimension on CPUs sums groups of 16 rows (8 in float) together, walking up to 32 coordinates per pass
// over pieces of sources: the sums against a brute-force long double sum, for row counts that leave rows outside the
// groups, D across pass boundaries and sources across pieces and chunks; and each row's bits whatever rows come with
// it (the rows from the fourth on, alone, give the same bits: groups and lone rows sum alike).
TEST(KernelGradient, RowGroupsAndCoordinatePassesMatchABruteForceSumWithTheBitsOfEachRow) {
  for (auto const& test_case : {GradientCase{45, 300, 5, 2}, GradientCase{37, 517, 33, 1}, GradientCase{40, 260, 70, 3},
                                GradientCase{19, 129, 100, 5}}) {
    std::mt19937_64 generator(11);
    auto const t = kernelsolve::reference::uniform_matrix<double>(test_case.targets, test_case.dimension, generator);
    auto const s = kernelsolve::reference::uniform_matrix<double>(test_case.sources, test_case.dimension, generator);
    auto const u = kernelsolve::reference::uniform_matrix<double>(test_case.targets, test_case.columns, generator);
    auto const v = kernelsolve::reference::uniform_matrix<double>(test_case.sources, test_case.columns, generator);
    auto const kernel = kernelsolve::Gaussian<double>::from_sigma(std::sqrt(test_case.dimension / 6.0));
    auto const to = [](HostMatrix const& m, std::int64_t first) {
      return kernelsolve::reference::to_block<Block>("m", m, first, m.rows - first);
    };
    auto const gradient_of = [&](std::int64_t first, Block const& gradient, Kokkos::View<double*> const& rows) {
      kernelsolve::kernel_gradient(Kokkos::DefaultExecutionSpace(), kernel, to(t, first), to(s, 0), to(u, first),
                                   to(v, 0), gradient, rows);
      Kokkos::fence();
    };
    Block all("all", test_case.targets, test_case.dimension);
    Kokkos::View<double*> all_rows("all rows", test_case.targets);
    gradient_of(0, all, all_rows);
    auto const got = kernelsolve::reference::to_host_matrix(all);
    auto const got_rows = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), all_rows);
    std::string const where = "D=" + std::to_string(test_case.dimension);
    for (std::int64_t i = 0; i < t.rows; ++i) {
      std::vector<long double> expected(static_cast<std::size_t>(t.columns), 0), scale(expected.size(), 0);
      long double expected_parameter = 0, parameter_scale = 0;
      for (std::int64_t j = 0; j < s.rows; ++j) {
        double r2 = 0, weight = 0;
        for (std::int64_t d = 0; d < t.columns; ++d) r2 += (t(i, d) - s(j, d)) * (t(i, d) - s(j, d));
        for (std::int64_t c = 0; c < u.columns; ++c) weight += u(i, c) * v(j, c);
        for (std::int64_t d = 0; d < t.columns; ++d) {
          long double const term = 2.0L * kernel.derivative(r2) * weight * (t(i, d) - s(j, d));
          expected[static_cast<std::size_t>(d)] += term;
          scale[static_cast<std::size_t>(d)] += std::abs(term);
        }
        expected_parameter += static_cast<long double>(kernel.parameter_derivative(r2)) * weight;
        parameter_scale += std::abs(static_cast<long double>(kernel.parameter_derivative(r2)) * weight);
      }
      for (std::int64_t d = 0; d < t.columns; ++d)
        ASSERT_NEAR(got(i, d), static_cast<double>(expected[static_cast<std::size_t>(d)]),
                    1e-14 * static_cast<double>(scale[static_cast<std::size_t>(d)]))
            << where << " row " << i << " coordinate " << d;
      ASSERT_NEAR(got_rows(i), static_cast<double>(expected_parameter), 1e-14 * static_cast<double>(parameter_scale))
          << where << " row " << i;
    }
    std::int64_t const first = 3;
    Block later("later", test_case.targets - first, test_case.dimension);
    Kokkos::View<double*> later_rows("later rows", test_case.targets - first);
    gradient_of(first, later, later_rows);
    auto const shifted = kernelsolve::reference::to_host_matrix(later);
    auto const shifted_rows = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), later_rows);
    for (std::int64_t i = first; i < t.rows; ++i) {
      for (std::int64_t d = 0; d < t.columns; ++d) ASSERT_EQ(got(i, d), shifted(i - first, d)) << where << " row " << i;
      ASSERT_EQ(got_rows(i), shifted_rows(i - first)) << where << " row " << i;
    }
  }
}

TEST(KernelGradient, ExtentsAreChecked) {
  auto const kernel = kernelsolve::Gaussian<double>::from_g(1.0);
  Block const t("t", 4, 2), s("s", 6, 2), u("u", 4, 3), v("v", 6, 3), gradient("gradient", 4, 2);
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::kernel_gradient(Kokkos::DefaultExecutionSpace(), kernel, t, s, u,
                                                         Block("v", 6, 2), gradient, Kokkos::View<double*>()),
                            kernelsolve::DimensionMismatch,
                            "target_weights.extent(1) (3) and source_weights.extent(1) (2)");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::kernel_gradient(Kokkos::DefaultExecutionSpace(), kernel, t, s, u, v,
                                                         Block("gradient", 4, 3), Kokkos::View<double*>()),
                            kernelsolve::DimensionMismatch, "gradient.extent(1) (3) and targets.extent(1) (2)");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::kernel_gradient(Kokkos::DefaultExecutionSpace(), kernel, t, s, u, v, gradient,
                                                         Kokkos::View<double*>("rows", 5)),
                            kernelsolve::DimensionMismatch, "parameter_rows.extent(0) (5) and targets.extent(0) (4)");
}

}  // namespace
