// The run-time facade: KernelSolver with the family, precision and preconditioner as values gives the same bits as
// the templates it wraps, for solves, gradients and predictions; its errors are agreed on by all ranks.
#include "harness/distributed_problem.hpp"
#include "harness/expect_error.hpp"

#include <kernelsolve/gradient/solve_gradient.hpp>
#include <kernelsolve/operator/predict.hpp>
#include <kernelsolve/runtime/kernel_solver.hpp>
#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/iterative_refinement.hpp>
#include <kernelsolve/solver/nystrom_preconditioner.hpp>

#include <gtest/gtest.h>

#include <random>

namespace {

using kernelsolve::KernelSolver;
using kernelsolve::KernelSolverOptions;
using kernelsolve::reference::HostMatrix;
using kernelsolve::test::with_rtol;

/// This rank's rows of a host matrix, row-major.
template <class Problem>
std::vector<double> local_rows(Problem const& problem, HostMatrix const& all) {
  auto const begin = all.values.begin() + problem.op.first_row() * all.columns;
  return std::vector<double>(begin, begin + problem.op.local_rows() * all.columns);
}

template <class Scalar>
class KernelSolverFacade : public ::testing::Test {};
using Scalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(KernelSolverFacade, Scalars);

TYPED_TEST(KernelSolverFacade, SameBitsAsTheTemplatesForEveryPreconditioner) {
  using Scalar = TypeParam;
  auto const kernel = kernelsolve::Matern52<Scalar>::from_sigma(Scalar(0.3));
  auto problem = kernelsolve::test::make_problem_with_kernel(MPI_COMM_WORLD, kernel, 150, 2, 2, Scalar(1e-3));
  for (auto kind : {kernelsolve::PreconditionerKind::none, kernelsolve::PreconditionerKind::nystrom}) {
    KernelSolverOptions options;
    options.kernel = {kernelsolve::KernelFamily::matern52, static_cast<double>(kernel.g)};
    options.precision = sizeof(Scalar) == 4 ? kernelsolve::Precision::float32 : kernelsolve::Precision::float64;
    options.alpha = 1e-3;
    options.preconditioner = kind;
    options.nystrom.rank = 40;
    KernelSolver solver(MPI_COMM_WORLD, options, local_rows(problem, problem.points), 2);
    EXPECT_EQ(solver.global_rows(), 150);
    std::vector<double> coefficients;
    auto const criteria = with_rtol(sizeof(Scalar) == 4 ? 1e-3 : 1e-10);  // what float32 reaches honestly
    auto const result = solver.solve(local_rows(problem, problem.right_hand_sides), 2, coefficients, criteria);
    EXPECT_TRUE(result.converged());
    EXPECT_EQ(solver.preconditioner_summary().has_value(), kind == kernelsolve::PreconditionerKind::nystrom);

    // The same through the templates.
    auto x = problem.new_block(2);
    kernelsolve::ConjugateGradient<typename decltype(problem)::Operator> templates(problem.op);
    std::optional<kernelsolve::NystromPreconditioner<typename decltype(problem)::Operator>> nystrom;
    if (kind == kernelsolve::PreconditionerKind::nystrom) nystrom.emplace(problem.op, options.nystrom);
    auto const expected =
        nystrom ? templates.solve(problem.b, x, criteria, *nystrom) : templates.solve(problem.b, x, criteria);
    EXPECT_EQ(result.iterations, expected.iterations);
    auto const x_host = kernelsolve::reference::to_host_matrix(x);
    EXPECT_EQ(coefficients, x_host.values);

    // Gradient and prediction.
    std::vector<double> ones(coefficients.size(), 1.0);
    auto const gradient = solver.gradient(coefficients, ones, 2, criteria);
    auto e = problem.new_block(2);
    Kokkos::deep_copy(e, Scalar(1));
    auto const expected_gradient =
        nystrom ? kernelsolve::solve_gradient(templates, *nystrom, x, e, criteria)
                : kernelsolve::solve_gradient(templates, kernelsolve::IdentityPreconditioner{}, x, e, criteria);
    EXPECT_EQ(gradient.ridge, expected_gradient.ridge);
    EXPECT_EQ(gradient.points, kernelsolve::reference::to_host_matrix(expected_gradient.points).values);
    std::vector<double> const new_points{0.25, 0.5, 0.75, 0.125};
    auto const values = solver.predict(coefficients, 2, new_points);
    typename decltype(problem)::Block at("at", 2, 2), predicted("predicted", 2, 2);
    auto at_host = Kokkos::create_mirror_view(at);
    at_host(0, 0) = Scalar(0.25), at_host(0, 1) = Scalar(0.5), at_host(1, 0) = Scalar(0.75),
               at_host(1, 1) = Scalar(0.125);
    Kokkos::deep_copy(at, at_host);
    kernelsolve::predict(problem.op, x, at, predicted);
    EXPECT_EQ(values, kernelsolve::reference::to_host_matrix(predicted).values);
  }
}

TEST(KernelSolverFacade, MixedPrecisionIsTheRefinementOfTheTemplates) {
  // Float32-rounded data, solved in float64 by refinement around float32 inner PCG.
  auto const float_problem = kernelsolve::test::make_problem_with_kernel(
      MPI_COMM_WORLD, kernelsolve::Laplacian<float>::from_sigma(0.3f), 150, 2, 2, 1e-3f);
  using DoubleProblem = kernelsolve::test::DistributedProblem<double, kernelsolve::Laplacian<double>>;
  auto const g = static_cast<double>(float_problem.op.kernel().g);
  auto const kernel = kernelsolve::Laplacian<double>::from_g(g);
  DoubleProblem const problem(MPI_COMM_WORLD, float_problem.points, float_problem.right_hand_sides, kernel,
                              kernelsolve::test::reference_kernel(kernel), 1e-3);
  KernelSolverOptions options;
  options.kernel = {kernelsolve::KernelFamily::laplacian, g};
  options.precision = kernelsolve::Precision::mixed;
  options.alpha = 1e-3;
  options.nystrom.rank = 40;
  KernelSolver solver(MPI_COMM_WORLD, options, local_rows(problem, problem.points), 2);
  std::vector<double> coefficients;
  auto const criteria = with_rtol(1e-10);
  auto const result = solver.solve(local_rows(problem, problem.right_hand_sides), 2, coefficients, criteria);
  EXPECT_TRUE(result.converged());
  EXPECT_FALSE(result.refinement_steps.empty());

  kernelsolve::IterativeRefinement<DoubleProblem::Operator, decltype(float_problem.op)> templates(problem.op,
                                                                                                  float_problem.op);
  kernelsolve::NystromPreconditioner<decltype(float_problem.op)> const nystrom(float_problem.op, options.nystrom);
  auto x = problem.new_block(2);
  auto const expected = templates.solve(problem.b, x, criteria, nystrom);
  EXPECT_EQ(result.iterations, expected.iterations);
  EXPECT_EQ(coefficients, kernelsolve::reference::to_host_matrix(x).values);
  // The gradient's adjoint solve is refined too, with the same preconditioner.
  auto const gradient = solver.gradient(coefficients, std::vector<double>(coefficients.size(), 1.0), 2, criteria);
  EXPECT_TRUE(gradient.adjoint.converged());
  EXPECT_FALSE(gradient.adjoint.refinement_steps.empty());
  EXPECT_EQ(kernelsolve::precision_from_name("mixed"), kernelsolve::Precision::mixed);
  EXPECT_EQ(kernelsolve::to_string(kernelsolve::Precision::mixed), "mixed");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::precision_from_name("half"), kernelsolve::InvalidArgument,
                            "unknown precision 'half' (known: float, double, mixed)");
}

TEST(KernelSolverFacadeErrors, BadArraysAndNamesOnEveryRank) {
  KernelSolverOptions options;
  options.kernel = {kernelsolve::KernelFamily::gaussian, 2.0};
  std::vector<double> points(2 * 10);
  for (std::size_t i = 0; i < points.size(); ++i) points[i] = 0.01 * static_cast<double>(i);
  KernelSolver solver(MPI_COMM_WORLD, options, points, 2);
  std::vector<double> coefficients;
  bool const wrong_here = kernelsolve::test::world_rank() == kernelsolve::test::world_size() - 1;
  std::vector<double> right_hand_sides(wrong_here ? 11 : 10, 1.0);
  EXPECT_THROW_WITH_MESSAGE(solver.solve(right_hand_sides, 1, coefficients), kernelsolve::DimensionMismatch,
                            "must both have the operator's");
  EXPECT_THROW_WITH_MESSAGE(solver.solve(std::vector<double>(wrong_here ? 7 : 10, 1.0), 2, coefficients),
                            kernelsolve::InvalidArgument, "not a whole number of rows of 2 columns");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::preconditioner_kind_from_name("jacobi"), kernelsolve::InvalidArgument,
                            "unknown preconditioner 'jacobi' (known: none, nystrom)");
  options.kernel.g = -1;
  EXPECT_THROW_WITH_MESSAGE(KernelSolver(MPI_COMM_WORLD, options, points, 2), kernelsolve::InvalidArgument, "g");
}

}  // namespace
