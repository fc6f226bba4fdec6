// Truncated operators (cutoff products) over MPI: within the stated bound of the dense operator, the same bits on
// every rank count, symmetric, errors on every rank; truncated solves of the facade whose verdicts come from the
// untruncated operator, against dense solves, in float64, mixed and float32, with predictions and gradients; the
// cutoff pair sums of solve_gradient within their bounds and with the same bits on every rank count.
#include "harness/distributed_problem.hpp"
#include "harness/expect_error.hpp"
#include "harness/rank_counts.hpp"

#include <kernelsolve/geometry/spatial_order.hpp>
#include <kernelsolve/gradient/solve_gradient.hpp>
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/operator/cutoff_operator.hpp>
#include <kernelsolve/operator/distributed_operator.hpp>
#include <kernelsolve/operator/predict.hpp>
#include <kernelsolve/operator/truncation.hpp>
#include <kernelsolve/reference/dense.hpp>
#include <kernelsolve/reference/host_blocks.hpp>
#include <kernelsolve/runtime/kernel_solver.hpp>
#include <kernelsolve/solver/iterative_refinement.hpp>
#include <kernelsolve/solver/schwarz_preconditioner.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace {

using kernelsolve::KernelSolver;
using kernelsolve::KernelSolverOptions;
using kernelsolve::reference::HostMatrix;
using kernelsolve::test::balanced_rows;
using kernelsolve::test::uneven_rows;
using Operator = kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>;

/// N uniform points of the unit square (D = 2) or cube, in their spatial order.
HostMatrix sorted_points(std::int64_t count, int dimension, std::uint64_t seed) {
  std::mt19937_64 generator(seed);
  auto const points = kernelsolve::reference::uniform_matrix<double>(count, dimension, generator);
  auto const coordinates = kernelsolve::test::column_major(points);
  auto const order = kernelsolve::spatial_order(coordinates.data(), count, dimension);
  HostMatrix sorted(count, dimension);
  for (std::int64_t k = 0; k < count; ++k)
    for (int d = 0; d < dimension; ++d) sorted(k, d) = points(order[static_cast<std::size_t>(k)], d);
  return sorted;
}

TEST(CutoffOperator, StaysWithinTheBoundOfTheDenseOperatorWithTheSameBitsOnEveryRankCount) {
  for (int dimension : {1, 2, 3}) {
    std::int64_t const count = dimension == 3 ? 3000 : 1500;
    auto const points = sorted_points(count, dimension, 41 + dimension);
    std::mt19937_64 generator(5);
    auto weights = kernelsolve::reference::uniform_matrix<double>(count, 2, generator);
    for (auto& w : weights.values) w -= 0.5;
    auto const kernel = kernelsolve::Gaussian<double>::from_sigma(dimension == 3 ? 0.01 : 0.02);
    auto const results = kernelsolve::test::on_each_rank_count([&](MPI_Comm comm) {
      Operator const exact(comm, Kokkos::DefaultExecutionSpace(), kernel,
                           balanced_rows<Operator::block_type>("points", points, comm), 0.5);
      kernelsolve::CutoffOperator<Operator> const op(exact, 1e-9);
      auto const in = balanced_rows<Operator::block_type>("in", weights, comm);
      auto const out = op.allocate_block("out", 2);
      op.apply(in, out);
      Operator::block_type all("all", count, 2);
      op.allgather_rows(out, all);
      auto packed = kernelsolve::reference::to_host_matrix(all).values;
      auto const& summary = *op.cutoff_summary();
      packed.insert(packed.end(), {summary.dropped_row_sum, static_cast<double>(summary.kept_pairs),
                                   static_cast<double>(summary.pairs)});
      return packed;
    });
    for (std::size_t k = 1; k < results.size(); ++k)
      EXPECT_EQ(results[k], results[0]) << "D=" << dimension << ", " << k + 1 << " ranks";
    auto const& result = results[0];
    double const dropped_row_sum = result[result.size() - 3];
    EXPECT_LT(result[result.size() - 2], 0.6 * result.back()) << "D=" << dimension << ": the cutoff must drop pairs";
    EXPECT_EQ(result.back(), static_cast<double>(count * count));
    EXPECT_GT(dropped_row_sum, 0);
    EXPECT_LE(dropped_row_sum, 1e-9 * static_cast<double>(count));
    auto const dense =
        kernelsolve::reference::kernel_matrix([&](double r2) { return kernel(r2); }, points, points, 0.5);
    auto const expected = kernelsolve::reference::multiply(dense, weights);
    for (std::int64_t i = 0; i < count; ++i) {
      for (int c = 0; c < 2; ++c) {
        // max |w| <= 0.5; the kept sum's rounding is a few eps of at most N terms of size <= 0.5.
        ASSERT_LE(std::abs(result[static_cast<std::size_t>(i * 2 + c)] - expected(i, c)), 0.5 * dropped_row_sum + 1e-12)
            << "D=" << dimension << " row " << i;
      }
    }
  }
}

// solve_gradient's pair sums at a truncation against the same call without one: the adjoint solve is the same (the
// operator is the full one), so the difference is what the cutoff drops, within
//   dL/dx_m,d: dropped_gradient_row_sum (max_j |a_m . c_j| + max_j |c_m . a_j|),
//   dL/dg:     dropped_parameter_row_sum sum_m max_j |a_m . c_j|,
// and the truncated gradients have the same bits on 1, 2, 3 ranks.
TEST(CutoffGradient, PairSumsStayWithinTheirBoundsWithTheSameBitsOnEveryRankCount) {
  std::int64_t const count = 1500;
  auto const points = sorted_points(count, 2, 17);
  std::mt19937_64 generator(23);
  auto solution = kernelsolve::reference::uniform_matrix<double>(count, 2, generator);
  auto cotangent = kernelsolve::reference::uniform_matrix<double>(count, 2, generator);
  for (auto& v : solution.values) v -= 0.5;
  for (auto& v : cotangent.values) v -= 0.5;
  auto const kernel = kernelsolve::Gaussian<double>::from_sigma(0.02);
  double const truncation = 1e-7;
  auto const results = kernelsolve::test::on_each_rank_count([&](MPI_Comm comm) {
    Operator op(comm, Kokkos::DefaultExecutionSpace(), kernel,
                balanced_rows<Operator::block_type>("points", points, comm), 0.5);
    kernelsolve::ConjugateGradient<Operator> solver(op);
    auto const c = balanced_rows<Operator::block_type>("c", solution, comm);
    auto const e = balanced_rows<Operator::block_type>("e", cotangent, comm);
    auto const criteria = kernelsolve::test::with_rtol(1e-13);
    auto const cut =
        kernelsolve::solve_gradient(solver, kernelsolve::IdentityPreconditioner{}, c, e, criteria, nullptr, truncation);
    auto const all = kernelsolve::solve_gradient(solver, kernelsolve::IdentityPreconditioner{}, c, e, criteria);
    EXPECT_FALSE(all.cutoff.has_value());
    EXPECT_TRUE(cut.adjoint.converged());
    auto const gathered = [&](Operator::block_type const& local, int columns) {
      Operator::block_type whole("whole", count, columns);
      op.allgather_rows(local, whole);
      return kernelsolve::reference::to_host_matrix(whole).values;
    };
    auto packed = gathered(cut.points, 2);
    for (double v : gathered(all.points, 2)) packed.push_back(v);
    for (double v : gathered(cut.right_hand_sides, 2)) packed.push_back(v);
    packed.insert(packed.end(), {cut.kernel_parameter, all.kernel_parameter, cut.cutoff->dropped_gradient_row_sum,
                                 cut.cutoff->dropped_parameter_row_sum, static_cast<double>(cut.cutoff->kept_pairs),
                                 static_cast<double>(cut.cutoff->pairs)});
    return packed;
  });
  auto const size = static_cast<std::size_t>(count * 2);
  for (std::size_t k = 1; k < results.size(); ++k) {
    // The truncated gradient's bits (the first block and its parameter) on every rank count.
    EXPECT_TRUE(
        std::equal(results[0].begin(), results[0].begin() + static_cast<std::ptrdiff_t>(size), results[k].begin()))
        << k + 1 << " ranks";
    EXPECT_EQ(results[k][3 * size], results[0][3 * size]) << k + 1 << " ranks";
  }
  auto const& r = results[0];
  double const gradient_bound = r[3 * size + 2], parameter_bound = r[3 * size + 3];
  EXPECT_GT(gradient_bound, 0);
  EXPECT_GT(parameter_bound, 0);
  EXPECT_LT(r[3 * size + 4], 0.5 * r[3 * size + 5]) << "the cutoff must drop pairs";
  auto const adjoint = [&](std::int64_t i, int c) { return r[2 * size + static_cast<std::size_t>(i * 2 + c)]; };
  double parameter_allowed = 0;
  double parameter_scale = 0;
  for (std::int64_t m = 0; m < count; ++m) {
    double a_c = 0, c_a = 0;   // max_j |a_m . c_j|, max_j |c_m . a_j|
    double scale[2] = {0, 0};  // sum_j |terms| (the rounding of the kept sums)
    for (std::int64_t j = 0; j < count; ++j) {
      double const ac = std::abs(adjoint(m, 0) * solution(j, 0) + adjoint(m, 1) * solution(j, 1));
      double const ca = std::abs(solution(m, 0) * adjoint(j, 0) + solution(m, 1) * adjoint(j, 1));
      a_c = std::max(a_c, ac);
      c_a = std::max(c_a, ca);
      double r2 = 0;
      for (int d = 0; d < 2; ++d) r2 += (points(m, d) - points(j, d)) * (points(m, d) - points(j, d));
      for (int d = 0; d < 2; ++d)
        scale[d] += 2 * std::abs(kernel.derivative(r2) * (points(m, d) - points(j, d))) * (ac + ca);
      parameter_scale += std::abs(kernel.parameter_derivative(r2)) * ac;
    }
    parameter_allowed += parameter_bound * a_c;
    for (int d = 0; d < 2; ++d) {
      auto const k = static_cast<std::size_t>(m * 2 + d);
      ASSERT_LE(std::abs(r[k] - r[size + k]), gradient_bound * (a_c + c_a) + 1e-13 * scale[d]) << "row " << m;
    }
  }
  EXPECT_LE(std::abs(r[3 * size] - r[3 * size + 1]), parameter_allowed + 1e-13 * parameter_scale);
}

TEST(CutoffOperator, IsSymmetric) {
  auto const points = sorted_points(2000, 2, 7);
  std::mt19937_64 generator(11);
  auto const x = kernelsolve::reference::uniform_matrix<double>(2000, 1, generator);
  auto const y = kernelsolve::reference::uniform_matrix<double>(2000, 1, generator);
  Operator const exact(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernelsolve::Gaussian<double>::from_sigma(0.01),
                       balanced_rows<Operator::block_type>("points", points, MPI_COMM_WORLD), 0.1);
  kernelsolve::CutoffOperator<Operator> const op(exact, 1e-4);
  ASSERT_LT(op.cutoff_summary()->kept_pairs, op.cutoff_summary()->pairs / 2);
  auto const apply = [&](HostMatrix const& v) {
    auto const out = op.allocate_block("out", 1);
    op.apply(balanced_rows<Operator::block_type>("in", v, MPI_COMM_WORLD), out);
    Operator::block_type all("all", 2000, 1);
    op.allgather_rows(out, all);
    return kernelsolve::reference::to_host_matrix(all);
  };
  auto const ax = apply(x), ay = apply(y);
  double x_ay = 0, y_ax = 0, scale = 0;
  for (std::int64_t i = 0; i < 2000; ++i)
    x_ay += x(i, 0) * ay(i, 0), y_ax += y(i, 0) * ax(i, 0), scale += std::abs(x(i, 0) * ay(i, 0));
  EXPECT_NEAR(x_ay, y_ax, 1e-13 * scale);
}

// The library's policy for the operator whose products decide the verdicts (what the facade's truncated solves use).
TEST(CutoffOperator, TruncateBelowRoundingDropsLessThanTheRoundingOfTheFullProduct) {
  auto const points = sorted_points(1500, 2, 7);
  auto const kernel = kernelsolve::Gaussian<double>::from_g(4000.0);
  Operator const exact(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernel,
                       balanced_rows<Operator::block_type>("points", points, MPI_COMM_WORLD), 1e-3);
  auto const op = kernelsolve::truncate_below_rounding(exact);
  ASSERT_TRUE(op.cutoff_summary().has_value());
  double const unit = std::numeric_limits<double>::epsilon() / 2;
  EXPECT_LE(op.cutoff_summary()->dropped_row_sum, unit);  // k(0) = 1
  EXPECT_LE(*op.truncation(), unit);
  EXPECT_LT(op.cutoff_summary()->kept_pairs, op.cutoff_summary()->pairs / 2);  // and it does skip pairs
  // Its product is the dense one to rounding.
  std::mt19937_64 generator(8);
  auto const weights = kernelsolve::reference::uniform_matrix<double>(1500, 1, generator);
  auto const in = balanced_rows<Operator::block_type>("in", weights, MPI_COMM_WORLD);
  auto out = op.allocate_block("out", 1);
  op.apply(in, out);
  auto const dense = kernelsolve::reference::multiply(
      kernelsolve::reference::kernel_matrix([](double r2) { return std::exp(-4000.0 * r2); }, points, points, 1e-3),
      weights);
  auto const partition = kernelsolve::RowPartition::balanced(1500, kernelsolve::test::world_size());
  auto const mine = kernelsolve::reference::to_host_matrix(out);
  double error = 0, scale = 0;
  for (std::int64_t i = 0; i < mine.rows; ++i) {
    double const expected = dense(partition.begin(kernelsolve::test::world_rank()) + i, 0);
    error = std::max(error, std::abs(mine(i, 0) - expected));
    scale = std::max(scale, std::abs(expected));
  }
  EXPECT_LE(error, 1e-13 * scale);
}

static_assert(kernelsolve::is_kernel_operator<kernelsolve::CutoffOperator<Operator>>::value);

// Truncation as an operator: the exact operator left exact (before and after the cutoff's products), the untruncated
// cutoff operator the exact product bit for bit, and the pair through refinement (exact outside, cutoff inside,
// Schwarz on the cutoff) to the dense solution.
TEST(CutoffOperator, WrapsTheExactOneAndLeavesItExact) {
  auto const points = sorted_points(1500, 2, 9);
  auto const kernel = kernelsolve::Gaussian<double>::from_g(4000.0);
  auto const local = balanced_rows<Operator::block_type>("points", points, MPI_COMM_WORLD);
  Operator const exact(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernel, local, 1e-3);
  kernelsolve::CutoffOperator<Operator> const cutoff(exact, 1e-6);
  kernelsolve::CutoffOperator<Operator> const uncut(exact);
  EXPECT_FALSE(exact.cutoff_summary().has_value());
  EXPECT_FALSE(uncut.truncation().has_value());
  ASSERT_TRUE(cutoff.cutoff_summary().has_value());
  EXPECT_EQ(*cutoff.truncation(), 1e-6);
  EXPECT_LT(cutoff.cutoff_summary()->kept_pairs, cutoff.cutoff_summary()->pairs / 2);

  std::mt19937_64 generator(10);
  auto const b_all = kernelsolve::reference::uniform_matrix<double>(1500, 2, generator);
  auto const b = balanced_rows<Operator::block_type>("b", b_all, MPI_COMM_WORLD);
  auto from_cutoff = exact.allocate_block("w", 2), from_uncut = exact.allocate_block("u", 2);
  auto full = exact.allocate_block("f", 2), full_again = exact.allocate_block("g", 2);
  exact.apply(b, full);
  cutoff.apply(b, from_cutoff);
  uncut.apply(b, from_uncut);
  EXPECT_EQ(kernelsolve::reference::to_host_matrix(from_uncut).values,
            kernelsolve::reference::to_host_matrix(full).values);
  Operator::block_type cut_all("cut_all", 1500, 2), full_all("full_all", 1500, 2);  // some rank's rows differ
  exact.allgather_rows(from_cutoff, cut_all);
  exact.allgather_rows(full, full_all);
  EXPECT_NE(kernelsolve::reference::to_host_matrix(cut_all).values,
            kernelsolve::reference::to_host_matrix(full_all).values);
  Operator const untouched(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernel, local, 1e-3);
  untouched.apply(b, full_again);
  EXPECT_EQ(kernelsolve::reference::to_host_matrix(full).values,
            kernelsolve::reference::to_host_matrix(full_again).values);

  kernelsolve::SchwarzOptions schwarz;
  schwarz.cell_points = 64;
  kernelsolve::SchwarzPreconditioner<kernelsolve::CutoffOperator<Operator>> const preconditioner(cutoff, schwarz);
  kernelsolve::IterativeRefinement<Operator, kernelsolve::CutoffOperator<Operator>> refinement(
      exact, cutoff, kernelsolve::truncated_refinement({}, true));
  auto c = exact.allocate_block("c", 2);
  auto const result = refinement.solve(b, c, kernelsolve::test::with_rtol(1e-10), preconditioner);
  ASSERT_TRUE(result.converged());
  auto const dense = kernelsolve::reference::solve_symmetric_positive_definite(
      kernelsolve::reference::kernel_matrix([](double r2) { return std::exp(-4000.0 * r2); }, points, points, 1e-3),
      b_all);
  Operator::block_type all("all", 1500, 2);
  exact.allgather_rows(c, all);
  EXPECT_LE(kernelsolve::reference::relative_error(kernelsolve::reference::to_host_matrix(all), dense), 1e-8);
}

TEST(CutoffOperatorErrors, TruncationOutsideZeroOneOnEveryRank) {
  auto const points = sorted_points(50, 2, 3);
  Operator op(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernelsolve::Gaussian<double>::from_sigma(0.1),
              balanced_rows<Operator::block_type>("points", points, MPI_COMM_WORLD), 0.1);
  // Only rank 0 asks for a bad one: every rank throws, none waits in a collective.
  double const truncation = kernelsolve::test::world_rank() == 0 ? 1.5 : 1e-6;
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::CutoffOperator<Operator>(op, truncation), kernelsolve::InvalidArgument,
                            "truncation tolerance must be in (0, 1), got 1.5");
  auto const coefficients = op.allocate_block("c", 1);
  Operator::block_type at("at", 1, 2), values("values", 1, 1);
  EXPECT_THROW_WITH_MESSAGE(kernelsolve::predict(op, coefficients, at, values, truncation),
                            kernelsolve::InvalidArgument, "truncation tolerance must be in (0, 1), got 1.5");
}

KernelSolverOptions truncated_gaussian(kernelsolve::Precision precision, double truncation) {
  KernelSolverOptions options;
  options.kernel = {kernelsolve::KernelFamily::gaussian, 4000.0};  // sigma = 0.011
  options.alpha = 1e-3;
  options.precision = precision;
  options.preconditioner = kernelsolve::PreconditionerKind::schwarz;
  options.schwarz.cell_points = 64;
  options.truncation = truncation;
  return options;
}

// A truncation far coarser than the tolerance: the inner solves alone would stall near it, the refinement on the
// full operator still converges, and converged means the untruncated system's true residual.
TEST(CutoffKernelSolver, TruncatedSolvesConvergeOnTheUntruncatedSystem) {
  std::mt19937_64 generator(31);
  std::int64_t const count = 1500;
  auto const points = kernelsolve::reference::uniform_matrix<double>(count, 2, generator);
  auto const right_hand_sides = kernelsolve::reference::uniform_matrix<double>(count, 2, generator);
  auto const dense_matrix =
      kernelsolve::reference::kernel_matrix([](double r2) { return std::exp(-4000.0 * r2); }, points, points, 1e-3);
  auto const dense = kernelsolve::reference::solve_symmetric_positive_definite(dense_matrix, right_hand_sides);
  auto const expected = uneven_rows(dense, MPI_COMM_WORLD);
  for (auto precision : {kernelsolve::Precision::float64, kernelsolve::Precision::mixed}) {
    for (double rtol : {1e-8, 1e-10}) {
      KernelSolver solver(MPI_COMM_WORLD, truncated_gaussian(precision, 1e-4), uneven_rows(points, MPI_COMM_WORLD), 2);
      auto const cutoff = solver.cutoff_summary();
      ASSERT_TRUE(cutoff.has_value());
      EXPECT_LT(cutoff->kept_pairs, cutoff->pairs / 2);
      std::vector<double> coefficients;
      auto const result = solver.solve(uneven_rows(right_hand_sides, MPI_COMM_WORLD), 2, coefficients,
                                       kernelsolve::test::with_rtol(rtol));
      std::string const where = std::string(kernelsolve::to_string(precision)) + " rtol " + std::to_string(rtol);
      ASSERT_TRUE(result.converged()) << where;
      EXPECT_GE(result.refinement_steps.size(), 2u) << where;  // the first true residual could not have been it
      // The true residual of the untruncated system, from the dense matrix.
      auto const all = solver.gather_rows(coefficients, 2);
      for (int c = 0; c < 2; ++c) {
        double residual = 0, norm = 0;
        for (std::int64_t i = 0; i < count; ++i) {
          double row = right_hand_sides(i, c);
          for (std::int64_t j = 0; j < count; ++j) row -= dense_matrix(i, j) * all[static_cast<std::size_t>(j * 2 + c)];
          residual += row * row, norm += right_hand_sides(i, c) * right_hand_sides(i, c);
        }
        EXPECT_LE(std::sqrt(residual / norm), rtol) << where << " column " << c;
        EXPECT_NEAR(result.relative_residuals[static_cast<std::size_t>(c)], std::sqrt(residual / norm), 1e-3 * rtol)
            << where;
      }
      double error = 0, rhs_norm = 0;
      for (std::size_t k = 0; k < expected.size(); ++k)
        error = std::max(error, std::abs(coefficients[k] - expected[k]));
      for (double b : right_hand_sides.values) rhs_norm += b * b;
      EXPECT_LE(error, 1e3 * rtol * std::sqrt(rhs_norm)) << where;  // ||A^{-1}|| <= 1 / alpha
    }
  }
}

TEST(CutoffKernelSolver, FloatTruncatedSolvesAreHonestAndPredictionsKeepTheBound) {
  std::mt19937_64 generator(37);
  std::int64_t const count = 1200;
  auto const points = kernelsolve::reference::uniform_matrix<double>(count, 2, generator);
  auto const right_hand_sides = kernelsolve::reference::uniform_matrix<double>(count, 1, generator);
  auto const local_points = uneven_rows(points, MPI_COMM_WORLD);
  auto const local_rhs = uneven_rows(right_hand_sides, MPI_COMM_WORLD);
  // float32: the float32 floor is reached, never a tolerance the full operator does not meet.
  {
    KernelSolver solver(MPI_COMM_WORLD, truncated_gaussian(kernelsolve::Precision::float32, 1e-3), local_points, 2);
    std::vector<double> coefficients;
    auto const result = solver.solve(local_rhs, 1, coefficients, kernelsolve::test::with_rtol(1e-4));
    EXPECT_TRUE(result.converged()) << kernelsolve::to_string(result.reasons[0]);
    auto const strict = solver.solve(local_rhs, 1, coefficients, kernelsolve::test::with_rtol(1e-9));
    EXPECT_EQ(strict.reasons[0], kernelsolve::ConvergenceReason::diverged_stagnation);
  }
  // Predictions of a truncated solver: the cutoff product at new points in any order, within the bound.
  KernelSolver truncated(MPI_COMM_WORLD, truncated_gaussian(kernelsolve::Precision::float64, 1e-8), local_points, 2);
  auto full_options = truncated_gaussian(kernelsolve::Precision::float64, 1e-8);
  full_options.truncation.reset();
  KernelSolver full(MPI_COMM_WORLD, full_options, local_points, 2);
  std::vector<double> coefficients;
  ASSERT_TRUE(truncated.solve(local_rhs, 1, coefficients, kernelsolve::test::with_rtol(1e-10)).converged());
  std::vector<double> new_points;
  for (int m = 0; m < 300; ++m)
    new_points.insert(new_points.end(), {std::fmod(0.37 * m, 1.0), std::fmod(0.61 * m + 0.1, 1.0)});
  auto const cut = truncated.predict(coefficients, 1, new_points);
  auto const exact = full.predict(coefficients, 1, new_points);
  double max_coefficient = 0;
  for (double c : truncated.gather_rows(coefficients, 1)) max_coefficient = std::max(max_coefficient, std::abs(c));
  ASSERT_EQ(cut.size(), exact.size());
  double worst = 0;
  for (std::size_t m = 0; m < cut.size(); ++m) worst = std::max(worst, std::abs(cut[m] - exact[m]));
  EXPECT_LE(worst, 1e-8 * static_cast<double>(count) * max_coefficient + 1e-12);
  // The gradient goes through the same truncated refinement (its adjoint solve is honest too), its pair sums cut at
  // the same truncation: close to the full solver's gradient.
  auto const gradient = truncated.gradient(coefficients, local_rhs, 1, kernelsolve::test::with_rtol(1e-10));
  EXPECT_TRUE(gradient.adjoint.converged());
  ASSERT_TRUE(gradient.cutoff.has_value());
  EXPECT_GT(gradient.cutoff->dropped_gradient_row_sum, 0);
  EXPECT_EQ(gradient.cutoff->truncation, 1e-8);
  auto const full_gradient = full.gradient(coefficients, local_rhs, 1, kernelsolve::test::with_rtol(1e-10));
  EXPECT_FALSE(full_gradient.cutoff.has_value());
  double gradient_scale = 0, gradient_difference = 0;
  for (std::size_t k = 0; k < gradient.points.size(); ++k) {
    gradient_scale = std::max(gradient_scale, std::abs(full_gradient.points[k]));
    gradient_difference = std::max(gradient_difference, std::abs(gradient.points[k] - full_gradient.points[k]));
  }
  EXPECT_LE(gradient_difference, 1e-6 * gradient_scale);
}

TEST(CutoffKernelSolverErrors, TruncationOutsideZeroOneOnEveryRank) {
  std::mt19937_64 generator(43);
  auto const points = kernelsolve::reference::uniform_matrix<double>(100, 2, generator);
  for (double bad : {0.0, 1.0, -0.5}) {
    EXPECT_THROW_WITH_MESSAGE(KernelSolver(MPI_COMM_WORLD, truncated_gaussian(kernelsolve::Precision::mixed, bad),
                                           uneven_rows(points, MPI_COMM_WORLD), 2),
                              kernelsolve::InvalidArgument, "truncation tolerance must be in (0, 1)");
  }
}

}  // namespace
