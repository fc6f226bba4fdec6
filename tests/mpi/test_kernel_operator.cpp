// A user's own kernel operator (operator/kernel_operator.hpp) through everything that needs one: the Nystrom and
// Schwarz preconditioners, mixed-precision refinement, predict and the gradient, against dense references and
// against the same work on DistributedOperator. The operator here is deliberately different from the library's:
// one MPI_Allgatherv per product and a plain double loop over all points, no SIMD lanes, no overlapped gather.
#include "harness/distributed_problem.hpp"
#include "harness/honest_solve.hpp"

#include <kernelsolve/gradient/solve_gradient.hpp>
#include <kernelsolve/operator/kernel_operator.hpp>
#include <kernelsolve/operator/predict.hpp>
#include <kernelsolve/solver/iterative_refinement.hpp>
#include <kernelsolve/solver/nystrom_preconditioner.hpp>
#include <kernelsolve/solver/schwarz_preconditioner.hpp>

#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using kernelsolve::reference::HostMatrix;
using kernelsolve::test::with_rtol;

/// A = K(x, x) + ridge I with all points on every rank, the product a plain loop over them.
template <class Kernel>
class ReplicatedKernelOperator {
 public:
  using kernel_type = Kernel;
  using scalar_type = typename Kernel::value_type;
  using execution_space = Kokkos::DefaultExecutionSpace;
  using memory_space = execution_space::memory_space;
  using block_type = Kokkos::View<scalar_type**, Kokkos::LayoutLeft, memory_space>;

  ReplicatedKernelOperator(MPI_Comm comm, Kernel const& kernel, HostMatrix const& all_points, double ridge)
      : communicator_(comm),
        partition_(kernelsolve::RowPartition::balanced(all_points.rows, communicator_.size())),
        kernel_(kernel),
        points_(kernelsolve::reference::to_block<block_type>("user::points", all_points, 0, all_points.rows)),
        ridge_(static_cast<scalar_type>(ridge)) {}

  void apply(block_type const& in, block_type const& out) const {
    block_type all("user::all", global_rows(), in.extent(1));
    allgather_rows(in, all);
    auto const kernel = kernel_;
    auto const points = points_;
    auto const ridge = ridge_;
    auto const first = first_row();
    auto const n = global_rows();
    int const dimension = this->dimension();
    int const columns = static_cast<int>(in.extent(1));
    Kokkos::parallel_for(
        "user::apply", Kokkos::RangePolicy<execution_space>(0, local_rows()), KOKKOS_LAMBDA(int i) {
          for (int c = 0; c < columns; ++c) {
            double sum = 0;
            for (std::int64_t j = 0; j < n; ++j) {
              scalar_type r2 = 0;
              for (int d = 0; d < dimension; ++d) {
                scalar_type const t = points(first + i, d) - points(j, d);
                r2 += t * t;
              }
              sum += static_cast<double>(kernel(r2)) * static_cast<double>(all(j, c));
            }
            out(i, c) = static_cast<scalar_type>(sum) + ridge * in(i, c);
          }
        });
    Kokkos::fence();
  }

  /// One MPI_Allgatherv per column, through host copies; column-major blocks of any scalar type and memory space (the
  /// Nystrom setup gathers double host columns with it too).
  template <class LocalBlock, class GlobalBlock>
  void allgather_rows(LocalBlock const& local, GlobalBlock const& all) const {
    using value_type = typename GlobalBlock::non_const_value_type;
    auto const host_local = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), local);
    auto host_all = Kokkos::create_mirror_view(all);
    std::vector<int> counts(static_cast<std::size_t>(communicator_.size()));
    std::vector<int> offsets(counts.size());
    for (int r = 0; r < communicator_.size(); ++r) {
      counts[static_cast<std::size_t>(r)] = partition_.local_rows(r);
      offsets[static_cast<std::size_t>(r)] = static_cast<int>(partition_.begin(r));
    }
    for (std::size_t c = 0; c < local.extent(1); ++c) {
      MPI_Allgatherv(host_local.data() + c * host_local.stride(1), local_rows(),
                     kernelsolve::mpi_type<value_type>::get(), host_all.data() + c * host_all.stride(1), counts.data(),
                     offsets.data(), kernelsolve::mpi_type<value_type>::get(), communicator_.get());
    }
    Kokkos::deep_copy(all, host_all);
  }

  block_type allocate_block(std::string const& label, int columns) const {
    return block_type("user::" + label, local_rows(), columns);
  }

  [[nodiscard]] kernelsolve::Communicator const& communicator() const { return communicator_; }
  [[nodiscard]] execution_space const& space() const { return space_; }
  [[nodiscard]] Kernel const& kernel() const { return kernel_; }
  [[nodiscard]] block_type const& points() const { return points_; }
  [[nodiscard]] auto local_points() const {
    return Kokkos::subview(points_, Kokkos::make_pair(first_row(), first_row() + local_rows()), Kokkos::ALL);
  }
  [[nodiscard]] std::int64_t first_row() const { return partition_.begin(communicator_.rank()); }
  [[nodiscard]] int local_rows() const { return partition_.local_rows(communicator_.rank()); }
  [[nodiscard]] std::int64_t global_rows() const { return partition_.global_rows(); }
  [[nodiscard]] int dimension() const { return static_cast<int>(points_.extent(1)); }
  [[nodiscard]] scalar_type ridge() const { return ridge_; }

 private:
  kernelsolve::Communicator communicator_;
  kernelsolve::RowPartition partition_;
  execution_space space_{};
  Kernel kernel_;
  block_type points_;
  scalar_type ridge_;
};

using UserOperator = ReplicatedKernelOperator<kernelsolve::Gaussian<double>>;
using UserFloatOperator = ReplicatedKernelOperator<kernelsolve::Gaussian<float>>;
static_assert(kernelsolve::is_kernel_operator<UserOperator>::value);
static_assert(kernelsolve::is_kernel_operator<kernelsolve::DistributedOperator<kernelsolve::Gaussian<float>>>::value);
static_assert(!kernelsolve::is_kernel_operator<int>::value);
static_assert(kernelsolve::is_solver_for<kernelsolve::ConjugateGradient<UserOperator>, UserOperator>::value);
static_assert(
    kernelsolve::is_solver_for<kernelsolve::IterativeRefinement<UserOperator, UserFloatOperator>, UserOperator>::value);
static_assert(!kernelsolve::is_solver_for<kernelsolve::ConjugateGradient<UserFloatOperator>, UserOperator>::value);

/// The seed's problem at N = 400 on both operators: the library's, and the user's over the same points.
struct TwoOperators {
  kernelsolve::test::DistributedProblem<double> problem =
      kernelsolve::test::make_problem<double>(MPI_COMM_WORLD, 400, 2, 2, 0.1, 0.01);
  UserOperator user{MPI_COMM_WORLD, problem.op.kernel(), problem.points, 0.01};

  UserOperator::block_type user_block(HostMatrix const& values) const {
    return kernelsolve::reference::to_block<UserOperator::block_type>("b", values, user.first_row(), user.local_rows());
  }
  HostMatrix gather(UserOperator::block_type const& local) const {
    UserOperator::block_type all("all", user.global_rows(), local.extent(1));
    user.allgather_rows(local, all);
    return kernelsolve::reference::to_host_matrix(all);
  }
};

TEST(UserKernelOperator, PreconditionedSolvesMatchTheDenseSolve) {
  TwoOperators two;
  auto const expected = kernelsolve::reference::solve_symmetric_positive_definite(two.problem.dense_operator(),
                                                                                  two.problem.right_hand_sides);
  auto const b = two.user_block(two.problem.right_hand_sides);
  kernelsolve::NystromPreconditioner<UserOperator> const nystrom(two.user);
  EXPECT_GT(nystrom.summary().rank, 10);
  kernelsolve::SchwarzOptions schwarz_options;
  schwarz_options.cell_points = 100;
  kernelsolve::SchwarzPreconditioner<UserOperator> const schwarz(two.user, schwarz_options);
  EXPECT_GT(schwarz.summary().cells, 1);
  auto plain = two.user.allocate_block("plain", 2);
  auto const plain_result = kernelsolve::test::conjugate_gradient(two.user, b, plain, with_rtol(1e-10));
  for (bool use_nystrom : {true, false}) {
    auto x = two.user.allocate_block("x", 2);
    auto const result =
        use_nystrom ? kernelsolve::test::preconditioned_conjugate_gradient(two.user, nystrom, b, x, with_rtol(1e-10))
                    : kernelsolve::test::preconditioned_conjugate_gradient(two.user, schwarz, b, x, with_rtol(1e-10));
    ASSERT_TRUE(result.converged()) << (use_nystrom ? "nystrom" : "schwarz");
    EXPECT_LT(result.iterations, plain_result.iterations) << (use_nystrom ? "nystrom" : "schwarz");
    EXPECT_LE(kernelsolve::reference::relative_error(two.gather(x), expected), 1e-8);
  }
}

TEST(UserKernelOperator, MixedPrecisionRefinementOverTwoUserOperators) {
  TwoOperators two;
  UserFloatOperator const inner(MPI_COMM_WORLD, kernelsolve::Gaussian<float>::from_sigma(0.1f), two.problem.points,
                                0.01);
  kernelsolve::NystromPreconditioner<UserFloatOperator> const nystrom(inner);
  // The inner Krylov method named explicitly: any model of is_solver_for would do.
  kernelsolve::IterativeRefinement<UserOperator, UserFloatOperator, kernelsolve::ConjugateGradient<UserFloatOperator>>
      refinement(two.user, inner);
  auto const b = two.user_block(two.problem.right_hand_sides);
  auto x = two.user.allocate_block("x", 2);
  auto const result = refinement.solve(b, x, with_rtol(1e-10), nystrom);
  ASSERT_TRUE(result.converged());
  EXPECT_GE(result.refinement_steps.size(), 2u);
  auto const expected = kernelsolve::reference::solve_symmetric_positive_definite(two.problem.dense_operator(),
                                                                                  two.problem.right_hand_sides);
  EXPECT_LE(kernelsolve::reference::relative_error(two.gather(x), expected), 1e-8);
}

TEST(UserKernelOperator, TheTrueResidualCheckIsAPublicChoice) {
  TwoOperators two;
  auto const b = two.user_block(two.problem.right_hand_sides);
  kernelsolve::ConjugateGradient<UserOperator> solver(two.user);
  auto criteria = with_rtol(1e-8);
  auto x = two.user.allocate_block("x", 2);
  auto const verified = solver.solve(b, x, criteria);
  EXPECT_TRUE(verified.converged());
  EXPECT_GE(verified.true_residual_checks, 1);
  criteria.true_residual = kernelsolve::TrueResidualCheck::skip;  // what refinement asks of its inner solves
  auto const skipped = solver.solve(b, x, criteria);
  EXPECT_EQ(skipped.true_residual_checks, 0);
  for (std::size_t c = 0; c < 2; ++c) {
    EXPECT_EQ(skipped.relative_residuals[c], skipped.recursive_residuals[c]);  // no true residual to report
    EXPECT_LE(skipped.recursive_residuals[c], 1e-8);
  }
}

TEST(UserKernelOperator, GradientAndPredictMatchTheLibrarysOperator) {
  TwoOperators two;
  // c and e as the library's operator solves them, then the gradient through both operators.
  auto const c_host = kernelsolve::reference::solve_symmetric_positive_definite(two.problem.dense_operator(),
                                                                                two.problem.right_hand_sides);
  HostMatrix e_host(c_host.rows, c_host.columns);
  for (std::int64_t i = 0; i < e_host.rows; ++i)
    for (std::int64_t k = 0; k < e_host.columns; ++k) e_host(i, k) = std::sin(3.0 * static_cast<double>(i + k));
  auto const c_user = two.user_block(c_host);
  auto const e_user = two.user_block(e_host);
  using Block = kernelsolve::test::DistributedProblem<double>::Block;
  auto const c_lib =
      kernelsolve::reference::to_block<Block>("c", c_host, two.problem.op.first_row(), two.problem.op.local_rows());
  auto const e_lib =
      kernelsolve::reference::to_block<Block>("e", e_host, two.problem.op.first_row(), two.problem.op.local_rows());
  auto const ours = kernelsolve::solve_gradient(two.user, c_user, e_user, with_rtol(1e-12));
  auto const library = kernelsolve::solve_gradient(two.problem.op, c_lib, e_lib, with_rtol(1e-12));
  ASSERT_TRUE(ours.adjoint.converged());
  EXPECT_FALSE(ours.cutoff.has_value());  // no pattern(): all pairs
  EXPECT_LE(kernelsolve::reference::relative_error(two.gather(ours.points), two.problem.gather(library.points)), 1e-8);
  EXPECT_LE(kernelsolve::reference::relative_error(two.gather(ours.points_as_sources),
                                                   two.problem.gather(library.points_as_sources)),
            1e-8);
  EXPECT_NEAR(ours.ridge, library.ridge, 1e-8 * std::abs(library.ridge));
  EXPECT_NEAR(ours.kernel_parameter, library.kernel_parameter, 1e-8 * std::abs(library.kernel_parameter));

  // predict at 30 new points, split over the ranks like anything else, against the dense product.
  HostMatrix new_points(30, 2);
  for (std::int64_t i = 0; i < 30; ++i) {
    new_points(i, 0) = 0.03 * static_cast<double>(i);
    new_points(i, 1) = 1.0 - 0.02 * static_cast<double>(i);
  }
  auto const split = kernelsolve::RowPartition::balanced(30, two.user.communicator().size());
  int const rank = two.user.communicator().rank();
  auto const at = kernelsolve::reference::to_block<UserOperator::block_type>("at", new_points, split.begin(rank),
                                                                             split.local_rows(rank));
  UserOperator::block_type values("values", at.extent(0), 2);
  kernelsolve::predict(two.user, c_user, at, values);
  auto const dense = kernelsolve::reference::kernel_matrix(kernelsolve::test::reference_kernel(two.user.kernel()),
                                                           new_points, two.problem.points, 0.0);
  auto const host_values = kernelsolve::reference::to_host_matrix(values);
  for (int i = 0; i < split.local_rows(rank); ++i) {
    for (int k = 0; k < 2; ++k) {
      double expected = 0;
      for (std::int64_t j = 0; j < c_host.rows; ++j) expected += dense(split.begin(rank) + i, j) * c_host(j, k);
      EXPECT_NEAR(host_values(i, k), expected, 1e-10 * (1 + std::abs(expected)));
    }
  }
}

}  // namespace
