// Every kernel family, and a kernel written by the user: distributed solves against dense direct solves, and the
// gradients of the solution against central finite differences of dense solves.
#include "harness/distributed_problem.hpp"
#include "harness/expect_error.hpp"
#include "harness/finite_differences.hpp"
#include "harness/honest_solve.hpp"
#include "harness/radial_kernel_types.hpp"

#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/gradient/solve_gradient.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/solver/cg.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace {

using kernelsolve::test::with_rtol;

using kernelsolve::reference::HostMatrix;

template <class Kernel>
class FamilySolve : public ::testing::Test {};
TYPED_TEST_SUITE(FamilySolve, kernelsolve::test::DoubleRadialKernels);

TYPED_TEST(FamilySolve, MatchesDenseDirectSolve) {
  auto problem =
      kernelsolve::test::make_problem_with_kernel(MPI_COMM_WORLD, TypeParam::from_sigma(0.3), 131, 2, 2, 0.05);
  auto x = problem.new_block(2);
  auto const result = kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, with_rtol(1e-12));
  ASSERT_TRUE(result.converged());
  auto const expected =
      kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), problem.right_hand_sides);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(x), expected), 1e-9);
}

TYPED_TEST(FamilySolve, FloatSolveMatchesDenseDirectSolve) {
  using FloatKernel = kernelsolve::RadialKernel<typename TypeParam::profile_type, float>;
  auto problem =
      kernelsolve::test::make_problem_with_kernel(MPI_COMM_WORLD, FloatKernel::from_sigma(0.2f), 200, 3, 1, 0.05f);
  auto x = problem.new_block(1);
  // 1e-4: what float32 kernel values let the true residual reach (1e-6 ends diverged_stagnation).
  auto const result = kernelsolve::test::conjugate_gradient(problem.op, problem.b, x, with_rtol(1e-4));
  ASSERT_TRUE(result.converged());
  auto const expected =
      kernelsolve::reference::solve_symmetric_positive_definite(problem.dense_operator(), problem.right_hand_sides);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(x), expected), 1e-3);
}

/// L = <e, (K + alpha I)^{-1} b> by a dense double solve of the family's kernel with parameter g.
double dense_objective(kernelsolve::KernelFamily family, HostMatrix const& points, HostMatrix const& b,
                       HostMatrix const& e, double g, double alpha) {
  return kernelsolve::test::dense_objective(
      [family, g](double r2) { return kernelsolve::evaluate_profile(family, g * r2); }, points, b, e, alpha);
}

TYPED_TEST(FamilySolve, GradientsMatchFiniteDifferencesOfDenseSolves) {
  int const n = 23;
  auto problem = kernelsolve::test::make_problem_with_kernel(MPI_COMM_WORLD, TypeParam::from_sigma(0.4), n, 2, 2, 0.1);
  auto const e = kernelsolve::test::normal_matrix(n, 2, 8);
  auto c = problem.new_block(2);
  kernelsolve::test::conjugate_gradient(problem.op, problem.b, c, with_rtol(1e-13));
  using Block = typename decltype(problem)::Block;
  auto const local_e = kernelsolve::reference::to_block<Block>("e", e, problem.op.first_row(), problem.op.local_rows());
  auto const gradient = kernelsolve::solve_gradient(problem.op, c, local_e, with_rtol(1e-13));
  ASSERT_TRUE(gradient.adjoint.converged());
  auto const family = TypeParam::family;
  double const g = problem.op.kernel().g, alpha = problem.op.ridge(), h = 1e-6;
  auto const& x = problem.points;
  auto const& b = problem.right_hand_sides;

  double const d_alpha =
      (dense_objective(family, x, b, e, g, alpha + h) - dense_objective(family, x, b, e, g, alpha - h)) / (2 * h);
  EXPECT_NEAR(gradient.ridge, d_alpha, 1e-6 * std::abs(d_alpha));
  double const d_g =
      (dense_objective(family, x, b, e, g + h, alpha) - dense_objective(family, x, b, e, g - h, alpha)) / (2 * h);
  EXPECT_NEAR(gradient.kernel_parameter, d_g, 1e-6 * std::abs(d_g));

  auto const finite_differences = kernelsolve::test::finite_difference_gradient(
      x, [&](HostMatrix const& moved) { return dense_objective(family, moved, b, e, g, alpha); }, h);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(gradient.points), finite_differences), 1e-6);
}

/// A kernel the library does not know: Wendland's compactly supported psi_{3,1}(t) = (1 - t)_+^4 (4 t + 1),
/// t = r / rho, positive definite in D <= 3. Written as a user would: value and derivative in r2, device-callable.
struct Wendland {
  using value_type = double;
  double rho;
  KOKKOS_INLINE_FUNCTION double operator()(double r2) const {
    double const t = kernelsolve::detail::kmath::sqrt(r2) / rho;
    if (t >= 1) return 0;
    double const s = 1 - t;
    return s * s * s * s * (4 * t + 1);
  }
  // d/d(r2) = (d/dt) / (2 r rho) = -20 t (1 - t)^3 / (2 r rho) = -10 (1 - t)^3 / rho^2
  KOKKOS_INLINE_FUNCTION double derivative(double r2) const {
    double const t = kernelsolve::detail::kmath::sqrt(r2) / rho;
    if (t >= 1) return 0;
    double const s = 1 - t;
    return -10 * s * s * s / (rho * rho);
  }
};

double wendland_in_double(double r2, double rho) {
  double const t = std::sqrt(r2) / rho;
  return t < 1 ? std::pow(1 - t, 4) * (4 * t + 1) : 0.0;
}

TEST(UserKernel, SolveAndGradientWithAKernelTheLibraryDoesNotKnow) {
  static_assert(kernelsolve::is_differentiable_kernel<Wendland>::value);
  static_assert(!kernelsolve::has_parameter_derivative<Wendland>::value);
  double const rho = 0.5;
  std::mt19937_64 generator(21);
  int const n = 97;
  auto points = kernelsolve::reference::uniform_matrix<double>(n, 3, generator);
  auto rhs = kernelsolve::reference::uniform_matrix<double>(n, 2, generator);
  auto const reference = [rho](double r2) { return wendland_in_double(r2, rho); };
  kernelsolve::test::DistributedProblem<double, Wendland> problem(MPI_COMM_WORLD, points, rhs, Wendland{rho}, reference,
                                                                  0.01);
  auto c = problem.new_block(2);
  ASSERT_TRUE(kernelsolve::test::conjugate_gradient(problem.op, problem.b, c, with_rtol(1e-12)).converged());
  auto const dense_operator = problem.dense_operator();
  auto const expected = kernelsolve::reference::solve_symmetric_positive_definite(dense_operator, rhs);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(c), expected), 1e-9);

  auto const e = kernelsolve::test::normal_matrix(n, 2, 3);
  using Block = decltype(problem)::Block;
  auto const gradient = kernelsolve::solve_gradient(
      problem.op, c, kernelsolve::reference::to_block<Block>("e", e, problem.op.first_row(), problem.op.local_rows()),
      with_rtol(1e-12));
  EXPECT_TRUE(std::isnan(gradient.kernel_parameter));  // the user gave no parameter derivative
  auto const a = kernelsolve::reference::solve_symmetric_positive_definite(dense_operator, e);
  auto const dense = kernelsolve::reference::solve_gradient_wrt_points(
      [rho](double r2) {
        double const t = std::sqrt(r2) / rho;
        return t < 1 ? -10 * std::pow(1 - t, 3) / (rho * rho) : 0.0;
      },
      points, a, expected);
  EXPECT_LE(kernelsolve::reference::relative_error(problem.gather(gradient.points), dense), 1e-8);
}

}  // namespace
