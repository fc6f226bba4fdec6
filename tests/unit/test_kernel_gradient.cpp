// The gradient of the kernel bilinear form B = sum_ij k(|t_i - s_j|^2) (u_i . v_j), against central finite
// differences of a dense double evaluation of B, in the rectangular case (targets != sources).
#include "harness/expect_error.hpp"

#include <kernelsolve/kernels/gaussian.hpp>
#include <kernelsolve/product/kernel_gradient.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <gtest/gtest.h>

#include <cmath>

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
