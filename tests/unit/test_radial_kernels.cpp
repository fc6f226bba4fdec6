// The six radial kernels: values against the textbook formulas in r and sigma, derivatives against central finite
// differences, products and gradients against brute-force double sums, and parameter checks.
#include "harness/expect_error.hpp"
#include "harness/radial_kernel_types.hpp"

#include <kernelsolve/kernels/kernel_traits.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/kernels/visit_kernel.hpp>
#include <kernelsolve/product/kernel_gradient.hpp>
#include <kernelsolve/product/kernel_product.hpp>
#include <kernelsolve/reference/dense.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>

namespace {

using kernelsolve::KernelFamily;
using kernelsolve::reference::HostMatrix;

/// k(r) with length scale sigma, written as the literature writes each kernel (not through g): the independent
/// reference for both the functors and the g <-> sigma conventions. A family added later has its own textbook test
/// (tests/families/); here it is checked against its profile's plain libm formula (evaluate_profile).
std::optional<double> textbook_kernel(KernelFamily family, double r, double sigma) {
  double const t = r / sigma;
  switch (family) {
    case KernelFamily::gaussian:
      return std::exp(-r * r / (2 * sigma * sigma));
    case KernelFamily::laplacian:
      return std::exp(-t);
    case KernelFamily::matern32:
      return (1 + std::sqrt(3.0) * t) * std::exp(-std::sqrt(3.0) * t);
    case KernelFamily::matern52:
      return (1 + std::sqrt(5.0) * t + 5 * t * t / 3) * std::exp(-std::sqrt(5.0) * t);
    case KernelFamily::cauchy:
      return 1 / (1 + t * t);
    case KernelFamily::inverse_multiquadric:
      return 1 / std::sqrt(1 + t * t);
    default:
      return std::nullopt;
  }
}

/// The textbook formula where there is one, else phi of the family's profile.
double expected_kernel(KernelFamily family, double r, double sigma) {
  return textbook_kernel(family, r, sigma)
      .value_or(kernelsolve::evaluate_profile(family, kernelsolve::g_from_sigma(family, sigma) * r * r));
}

template <class Kernel>
class RadialKernel : public ::testing::Test {};
TYPED_TEST_SUITE(RadialKernel, kernelsolve::test::DoubleRadialKernels);

TYPED_TEST(RadialKernel, SatisfiesTheKernelConcept) {
  static_assert(kernelsolve::is_kernel<TypeParam>::value);
  static_assert(kernelsolve::is_differentiable_kernel<TypeParam>::value);
  static_assert(kernelsolve::has_parameter_derivative<TypeParam>::value);
}

TYPED_TEST(RadialKernel, ValuesMatchTheTextbookFormulaInSigma) {
  for (double const sigma : {0.1, 0.7, 3.0}) {
    auto const kernel = TypeParam::from_sigma(sigma);
    EXPECT_NEAR(kernelsolve::sigma_from_g(TypeParam::family, kernel.g), sigma, 1e-14 * sigma);
    for (double const r : {0.0, 1e-4, 0.05, 0.3, 1.0, 2.5, 10.0}) {
      double const expected = expected_kernel(TypeParam::family, r, sigma);
      EXPECT_NEAR(kernel(r * r), expected, 2e-15 + 4e-15 * expected) << "sigma " << sigma << " r " << r;
      EXPECT_NEAR(kernelsolve::evaluate_profile(TypeParam::family, kernel.g * r * r), expected,
                  1e-15 + 1e-14 * expected);
    }
    EXPECT_EQ(kernel(0.0), 1.0);
  }
}

TYPED_TEST(RadialKernel, DerivativesMatchFiniteDifferences) {
  auto const kernel = TypeParam::from_g(2.5);
  for (double const r2 : {1e-3, 0.01, 0.2, 1.0, 4.0}) {
    double const h = 1e-5 * r2;
    double const d_r2 = (kernel(r2 + h) - kernel(r2 - h)) / (2 * h);
    EXPECT_NEAR(kernel.derivative(r2), d_r2, 1e-6 * std::abs(d_r2)) << "r2 " << r2;
    double const hg = 1e-5 * kernel.g;
    double const d_g = (TypeParam{kernel.g + hg}(r2)-TypeParam{kernel.g - hg}(r2)) / (2 * hg);
    EXPECT_NEAR(kernel.parameter_derivative(r2), d_g, 1e-6 * std::abs(d_g)) << "r2 " << r2;
    // every family decreases with the distance (strictly where k > 0: a compact support's is 0 beyond it)
    EXPECT_LE(kernel.derivative(r2), 0.0);
    if (kernel(r2) > 0) {
      EXPECT_LT(kernel.derivative(r2), 0.0);
    }
  }
  EXPECT_EQ(kernel.parameter_derivative(0.0), 0.0);
}

TYPED_TEST(RadialKernel, ProductMatchesBruteForceSum) {
  std::mt19937_64 generator(11);
  using Block = Kokkos::View<double**, Kokkos::LayoutLeft>;
  for (int const dimension : {1, 3, 6, 17}) {  // 6 and 17: a run-time dimension
    auto const targets = kernelsolve::reference::uniform_matrix<double>(37, dimension, generator);
    auto const sources = kernelsolve::reference::uniform_matrix<double>(101, dimension, generator);
    auto const weights = kernelsolve::reference::uniform_matrix<double>(101, 5, generator);
    // Distances grow like sqrt(D): a compact support of 0.4 would hold no pair at D = 17.
    double const sigma = dimension == 17 ? 1.2 : 0.4;
    auto const kernel = TypeParam::from_sigma(sigma);
    Block out("out", 37, 5);
    kernelsolve::kernel_product(Kokkos::DefaultExecutionSpace(), kernel,
                                kernelsolve::reference::to_block<Block>("t", targets, 0, 37),
                                kernelsolve::reference::to_block<Block>("s", sources, 0, 101),
                                kernelsolve::reference::to_block<Block>("w", weights, 0, 101), out);
    auto const expected = kernelsolve::reference::multiply(
        kernelsolve::reference::kernel_matrix(
            [sigma](double r2) { return expected_kernel(TypeParam::family, std::sqrt(r2), sigma); }, targets, sources),
        weights);
    EXPECT_LE(kernelsolve::reference::relative_error(kernelsolve::reference::to_host_matrix(out), expected), 1e-14)
        << "D = " << dimension;
  }
}

TYPED_TEST(RadialKernel, FloatProductWithinFloatRounding) {
  std::mt19937_64 generator(12);
  using Block = Kokkos::View<float**, Kokkos::LayoutLeft>;
  auto const points = kernelsolve::reference::uniform_matrix<float>(300, 2, generator);
  auto const weights = kernelsolve::reference::uniform_matrix<float>(300, 2, generator);
  using FloatKernel = kernelsolve::RadialKernel<typename TypeParam::profile_type, float>;
  auto const kernel = FloatKernel::from_sigma(0.1f);
  Block out("out", 300, 2);
  auto const on_device = kernelsolve::reference::to_block<Block>("x", points, 0, 300);
  kernelsolve::kernel_product(Kokkos::DefaultExecutionSpace(), kernel, on_device, on_device,
                              kernelsolve::reference::to_block<Block>("w", weights, 0, 300), out);
  double const g = kernel.g;
  auto const expected = kernelsolve::reference::multiply(
      kernelsolve::reference::kernel_matrix(
          [g](double r2) { return kernelsolve::evaluate_profile(FloatKernel::family, g * r2); }, points, points),
      weights);
  EXPECT_LE(kernelsolve::reference::relative_error(kernelsolve::reference::to_host_matrix(out), expected), 2e-6);
}

/// B = sum_ij k(|t_i - s_j|^2) (u_i . v_j) in double.
double bilinear_form(KernelFamily family, double g, HostMatrix const& t, HostMatrix const& s, HostMatrix const& u,
                     HostMatrix const& v) {
  auto const k = kernelsolve::reference::kernel_matrix(
      [family, g](double r2) { return kernelsolve::evaluate_profile(family, g * r2); }, t, s);
  double sum = 0;
  for (std::int64_t i = 0; i < t.rows; ++i)
    for (std::int64_t j = 0; j < s.rows; ++j)
      for (std::int64_t c = 0; c < u.columns; ++c) sum += k(i, j) * u(i, c) * v(j, c);
  return sum;
}

TYPED_TEST(RadialKernel, GradientMatchesFiniteDifferences) {
  std::mt19937_64 generator(5);
  using Block = Kokkos::View<double**, Kokkos::LayoutLeft>;
  auto t = kernelsolve::reference::uniform_matrix<double>(11, 3, generator);
  auto const s = kernelsolve::reference::uniform_matrix<double>(17, 3, generator);
  auto const u = kernelsolve::reference::uniform_matrix<double>(11, 2, generator);
  auto const v = kernelsolve::reference::uniform_matrix<double>(17, 2, generator);
  double const g = 3.0;
  auto const to = [](HostMatrix const& m) { return kernelsolve::reference::to_block<Block>("m", m, 0, m.rows); };
  Block gradient("dB/dt", 11, 3);
  Kokkos::View<double*> parameter_rows("dB/dg rows", 11);
  kernelsolve::kernel_gradient(Kokkos::DefaultExecutionSpace(), TypeParam::from_g(g), to(t), to(s), to(u), to(v),
                               gradient, parameter_rows);
  auto const dt = kernelsolve::reference::to_host_matrix(gradient);
  double const h = 1e-6;
  for (std::int64_t i = 0; i < t.rows; ++i) {
    for (std::int64_t d = 0; d < t.columns; ++d) {
      double const saved = t(i, d);
      t(i, d) = saved + h;
      double const plus = bilinear_form(TypeParam::family, g, t, s, u, v);
      t(i, d) = saved - h;
      double const minus = bilinear_form(TypeParam::family, g, t, s, u, v);
      t(i, d) = saved;
      EXPECT_NEAR(dt(i, d), (plus - minus) / (2 * h), 1e-7);
    }
  }
  auto const rows_host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), parameter_rows);
  double dg = 0;
  for (std::size_t i = 0; i < rows_host.extent(0); ++i) dg += rows_host(i);
  double const expected =
      (bilinear_form(TypeParam::family, g + h, t, s, u, v) - bilinear_form(TypeParam::family, g - h, t, s, u, v)) /
      (2 * h);
  EXPECT_NEAR(dg, expected, 1e-7 * std::max(1.0, std::abs(expected)));
}

TYPED_TEST(RadialKernel, RefusesParametersThatAreNotPositiveDefinite) {
  for (double const g :
       {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    EXPECT_THROW_WITH_MESSAGE(TypeParam::from_g(g), kernelsolve::InvalidArgument,
                              "positive definite only for g > 0: g must be finite and > 0");
  }
  EXPECT_THROW_WITH_MESSAGE(TypeParam::from_sigma(-0.5), kernelsolve::InvalidArgument,
                            "sigma must be finite and > 0, got -0.5");
}

TEST(KernelFamily, NamesRoundTripAndAliases) {
  for (auto const family : kernelsolve::all_kernel_families) {
    EXPECT_EQ(kernelsolve::kernel_family_from_name(kernelsolve::to_string(family)), family);
  }
  EXPECT_EQ(kernelsolve::kernel_family_from_name("RBF"), KernelFamily::gaussian);
  EXPECT_EQ(kernelsolve::kernel_family_from_name("exponential"), KernelFamily::laplacian);
  EXPECT_EQ(kernelsolve::kernel_family_from_name("Matern5/2"), KernelFamily::matern52);
  EXPECT_EQ(kernelsolve::kernel_family_from_name("imq"), KernelFamily::inverse_multiquadric);
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::kernel_family_from_name("polynomial"), kernelsolve::InvalidArgument,
                            "unknown kernel 'polynomial' (known: gaussian, laplacian");
}

TEST(KernelFamily, TheListOfNamesIsEveryNameTheParserTakes) {
  // kernel_family_names() is the app's --kernel help and the parser's message: each name in it must parse.
  std::string const names = kernelsolve::kernel_family_names();
  std::string listed = names;
  for (char& c : listed) {
    if (c == ',' || c == '(' || c == ')') c = ' ';
  }
  std::istringstream words(listed);
  int parsed = 0;
  for (std::string word; words >> word;) {
    if (word == "aliases") continue;
    EXPECT_NO_THROW(kernelsolve::kernel_family_from_name(word)) << word << " in: " << names;
    ++parsed;
  }
  EXPECT_GE(parsed, static_cast<int>(kernelsolve::all_kernel_families.size()) + 5) << names;
  for (auto const family : kernelsolve::all_kernel_families) {
    EXPECT_NE(names.find(kernelsolve::to_string(family)), std::string::npos) << names;
  }
}

TEST(KernelFamily, VisitKernelPicksTheFamilyAndChecksG) {
  for (auto const family : kernelsolve::all_kernel_families) {
    auto const visited = kernelsolve::visit_kernel<float>(kernelsolve::KernelSpec{family, 0.75}, [](auto kernel) {
      return std::make_pair(decltype(kernel)::family, static_cast<double>(kernel.g));
    });
    EXPECT_EQ(visited.first, family);
    EXPECT_EQ(visited.second, 0.75);
  }
  EXPECT_THROW_WITH_MESSAGE(
      kernelsolve::visit_kernel<double>(kernelsolve::KernelSpec{KernelFamily::cauchy, -2.0}, [](auto) { return 0; }),
      kernelsolve::InvalidArgument, "the cauchy kernel is positive definite only for g > 0");
}

TEST(KernelFamily, GDerivativeOfSigmaMatchesFiniteDifferences) {
  for (auto const family : kernelsolve::all_kernel_families) {
    double const sigma = 0.3, h = 1e-7;
    double const expected =
        (kernelsolve::g_from_sigma(family, sigma + h) - kernelsolve::g_from_sigma(family, sigma - h)) / (2 * h);
    EXPECT_NEAR(kernelsolve::g_derivative_of_sigma(family, sigma), expected, 1e-6 * std::abs(expected));
  }
}

}  // namespace
