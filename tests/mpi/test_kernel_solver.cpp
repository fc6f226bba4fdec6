// The run-time facade: KernelSolver with the family, precision and preconditioner as values gives the same bits as
// the templates it wraps, for solves, gradients and predictions; its errors are agreed on by all ranks.
#include "harness/distributed_problem.hpp"
#include "harness/expect_error.hpp"
#include "harness/rank_counts.hpp"

#include <kernelsolve/gradient/solve_gradient.hpp>
#include <kernelsolve/operator/predict.hpp>
#include <kernelsolve/runtime/kernel_solver.hpp>
#include <kernelsolve/solver/cg.hpp>
#include <kernelsolve/solver/iterative_refinement.hpp>
#include <kernelsolve/solver/nystrom_preconditioner.hpp>
#include <kernelsolve/solver/preconditioner_choice.hpp>
#include <kernelsolve/solver/schwarz_preconditioner.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace {

using kernelsolve::KernelSolver;
using kernelsolve::KernelSolverOptions;
using kernelsolve::reference::HostMatrix;
using kernelsolve::test::uneven_rows;
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
  for (auto kind : {kernelsolve::PreconditionerKind::none, kernelsolve::PreconditionerKind::nystrom,
                    kernelsolve::PreconditionerKind::schwarz}) {
    KernelSolverOptions options;
    options.spatial_order = false;  // the templates' rows are in the caller's order
    options.schwarz.cell_points = 40;
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
    EXPECT_EQ(solver.schwarz_summary().has_value(), kind == kernelsolve::PreconditionerKind::schwarz);
    EXPECT_EQ(solver.preconditioner_choice()->kind, kind);

    // The same through the templates.
    auto x = problem.new_block(2);
    kernelsolve::ConjugateGradient<typename decltype(problem)::Operator> templates(problem.op);
    std::optional<kernelsolve::NystromPreconditioner<typename decltype(problem)::Operator>> nystrom;
    if (kind == kernelsolve::PreconditionerKind::nystrom) nystrom.emplace(problem.op, options.nystrom);
    std::optional<kernelsolve::SchwarzPreconditioner<typename decltype(problem)::Operator>> schwarz;
    if (kind == kernelsolve::PreconditionerKind::schwarz) schwarz.emplace(problem.op, options.schwarz);
    auto const expected = nystrom   ? templates.solve(problem.b, x, criteria, *nystrom)
                          : schwarz ? templates.solve(problem.b, x, criteria, *schwarz)
                                    : templates.solve(problem.b, x, criteria);
    EXPECT_EQ(result.iterations, expected.iterations);
    auto const x_host = kernelsolve::reference::to_host_matrix(x);
    EXPECT_EQ(coefficients, x_host.values);

    // Gradient and prediction.
    std::vector<double> ones(coefficients.size(), 1.0);
    auto const gradient = solver.gradient(coefficients, ones, 2, criteria);
    auto e = problem.new_block(2);
    Kokkos::deep_copy(e, Scalar(1));
    auto const expected_gradient =
        nystrom   ? kernelsolve::solve_gradient(templates, *nystrom, x, e, criteria)
        : schwarz ? kernelsolve::solve_gradient(templates, *schwarz, x, e, criteria)
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
  options.preconditioner = kernelsolve::PreconditionerKind::nystrom;
  options.nystrom.rank = 40;
  options.spatial_order = false;  // the templates' rows are in the caller's order
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
                            "unknown precision 'half' (known: float32, float64, mixed, float, double)");
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
                            "this rank's rows must be 10 x 1, got 11 values");
  EXPECT_THROW_WITH_MESSAGE(solver.solve(std::vector<double>(wrong_here ? 7 : 10, 1.0), 2, coefficients),
                            kernelsolve::InvalidArgument, "not a whole number of rows of 2 columns");
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::preconditioner_kind_from_name("jacobi"), kernelsolve::InvalidArgument,
                            "unknown preconditioner 'jacobi' (known: none, nystrom, schwarz, auto, two_level)");
  options.kernel.g = -1;
  EXPECT_THROW_WITH_MESSAGE(KernelSolver(MPI_COMM_WORLD, options, points, 2), kernelsolve::InvalidArgument, "g");
}

}  // namespace

namespace {

KernelSolverOptions narrow_gaussian(double g, kernelsolve::PreconditionerKind kind) {
  KernelSolverOptions options;
  options.kernel = {kernelsolve::KernelFamily::gaussian, g};
  options.alpha = 1e-3;
  options.preconditioner = kind;
  options.schwarz.cell_points = 32;
  return options;
}

TEST(KernelSolverFacade, SpatialOrderKeepsTheCallersRowsAndTheSameSolution) {
  std::mt19937_64 generator(17);
  auto const points = kernelsolve::reference::uniform_matrix<double>(400, 2, generator);
  auto const right_hand_sides = kernelsolve::reference::uniform_matrix<double>(400, 2, generator);
  auto const local_points = uneven_rows(points, MPI_COMM_WORLD);
  auto const local_rhs = uneven_rows(right_hand_sides, MPI_COMM_WORLD);
  auto const criteria = with_rtol(1e-11);
  std::vector<std::vector<double>> coefficients(2), gradients(2), predictions(2);
  for (int sorted : {0, 1}) {
    auto options = narrow_gaussian(800.0, kernelsolve::PreconditionerKind::schwarz);
    options.precision = kernelsolve::Precision::float64;
    options.spatial_order = sorted == 1;
    KernelSolver solver(MPI_COMM_WORLD, options, local_points, 2);
    EXPECT_EQ(solver.local_rows(), static_cast<std::int64_t>(local_rhs.size() / 2));
    auto const result = solver.solve(local_rhs, 2, coefficients[sorted], criteria);
    ASSERT_TRUE(result.converged());
    gradients[sorted] = solver.gradient(coefficients[sorted], local_rhs, 2, criteria).points;
    predictions[sorted] = solver.predict(coefficients[sorted], 2, {0.5, 0.5, 0.1, 0.9});
    // gather_rows gives the caller's rows in the caller's order.
    EXPECT_EQ(solver.gather_rows(local_rhs, 2), right_hand_sides.values);
  }
  auto const dense = kernelsolve::reference::solve_symmetric_positive_definite(
      kernelsolve::reference::kernel_matrix([](double r2) { return std::exp(-800.0 * r2); }, points, points, 1e-3),
      right_hand_sides);
  auto const expected = uneven_rows(dense, MPI_COMM_WORLD);
  for (int sorted : {0, 1}) {
    ASSERT_EQ(coefficients[sorted].size(), expected.size());
    double error = 0, scale = 0;
    for (std::size_t k = 0; k < expected.size(); ++k)
      error = std::max(error, std::abs(coefficients[sorted][k] - expected[k])),
      scale = std::max(scale, std::abs(expected[k]));
    EXPECT_LE(error, 1e-9 * scale) << (sorted ? "sorted" : "caller's order");
  }
  for (std::size_t k = 0; k < gradients[0].size(); ++k)
    EXPECT_NEAR(gradients[1][k], gradients[0][k], 1e-7 * (1 + std::abs(gradients[0][k])));
  for (std::size_t k = 0; k < predictions[0].size(); ++k)
    EXPECT_NEAR(predictions[1][k], predictions[0][k], 1e-9 * (1 + std::abs(predictions[0][k])));
}

TEST(KernelSolverFacade, SpatialOrderGivesTheSameBitsOnEveryRankCount) {
  std::mt19937_64 generator(23);
  auto const points = kernelsolve::reference::uniform_matrix<double>(301, 2, generator);
  auto const right_hand_sides = kernelsolve::reference::uniform_matrix<double>(301, 1, generator);
  auto const results = kernelsolve::test::on_each_rank_count([&](MPI_Comm comm) {
    auto options = narrow_gaussian(600.0, kernelsolve::PreconditionerKind::automatic);
    options.precision = kernelsolve::Precision::mixed;
    KernelSolver solver(comm, options, uneven_rows(points, comm), 2);
    std::vector<double> coefficients;
    auto const result = solver.solve(uneven_rows(right_hand_sides, comm), 1, coefficients, with_rtol(1e-10));
    auto packed = solver.gather_rows(coefficients, 1);
    packed.push_back(result.iterations);
    packed.push_back(static_cast<double>(solver.preconditioner_choice()->kind));
    return packed;
  });
  EXPECT_EQ(results[0].back(), static_cast<double>(kernelsolve::PreconditionerKind::schwarz));
  for (std::size_t k = 1; k < results.size(); ++k) EXPECT_EQ(results[k], results[0]) << k + 1 << " ranks";
}

TEST(KernelSolverFacade, AutomaticPreconditionerIsSchwarzForNarrowKernelsAndNystromForWideOnes) {
  std::mt19937_64 generator(29);
  auto const points = kernelsolve::reference::uniform_matrix<double>(600, 2, generator);
  auto const local_points = uneven_rows(points, MPI_COMM_WORLD);
  for (double g : {2000.0, 5.0}) {
    auto options = narrow_gaussian(g, kernelsolve::PreconditionerKind::automatic);
    KernelSolver solver(MPI_COMM_WORLD, options, local_points, 2);
    EXPECT_FALSE(solver.preconditioner_choice().has_value());
    solver.setup_preconditioner();
    auto const choice = solver.preconditioner_choice();
    ASSERT_TRUE(choice.has_value());
    bool const narrow = g > 100;
    EXPECT_EQ(choice->kind,
              narrow ? kernelsolve::PreconditionerKind::schwarz : kernelsolve::PreconditionerKind::nystrom);
    EXPECT_NE(choice->reason.find(narrow ? "<= 0.2" : "> 0.2"), std::string::npos) << choice->reason;
    EXPECT_EQ(solver.schwarz_summary().has_value(), narrow);
    EXPECT_EQ(solver.preconditioner_summary().has_value(), !narrow);

    // The same choice from the library's function, which a template user calls on an operator of the same rows.
    options.spatial_order = false;
    KernelSolver unsorted(MPI_COMM_WORLD, options, local_points, 2);
    unsorted.setup_preconditioner();
    using Operator = kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>;
    std::int64_t const rows = static_cast<std::int64_t>(local_points.size()) / 2;
    std::int64_t begin = 0;  // this rank's first row in uneven_rows' split: the rows of the ranks before it
    MPI_Exscan(&rows, &begin, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (kernelsolve::test::world_rank() == 0) begin = 0;  // MPI_Exscan leaves rank 0's undefined
    Operator const op(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernelsolve::Gaussian<double>::from_g(g),
                      kernelsolve::reference::to_block<Operator::block_type>("points", points, begin, rows),
                      options.alpha);
    auto const library = kernelsolve::choose_preconditioner(op, options.schwarz, options.schwarz_reach_fraction);
    EXPECT_EQ(library.kind, unsorted.preconditioner_choice()->kind);
    EXPECT_EQ(library.reason, unsorted.preconditioner_choice()->reason);
  }
  EXPECT_EQ(kernelsolve::preconditioner_kind_from_name("auto"), kernelsolve::PreconditionerKind::automatic);
  EXPECT_EQ(kernelsolve::to_string(kernelsolve::PreconditionerKind::schwarz), "schwarz");
}

}  // namespace
