// A kernel test problem split over the ranks of a communicator, with its global data kept on every rank for the
// dense references.
#pragma once

#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/operator/distributed_operator.hpp>
#include <kernelsolve/reference/dense.hpp>
#include <kernelsolve/reference/host_blocks.hpp>
#include <kernelsolve/solver/convergence.hpp>

#include <cmath>
#include <random>

namespace kernelsolve::test {

/// The kernel in double on the host, for the dense references: phi(g r2) of the kernel's family.
template <class Kernel>
reference::RadialFunction reference_kernel(Kernel const& kernel) {
  return [family = Kernel::family, g = static_cast<double>(kernel.g)](double r2) {
    return evaluate_profile(family, g * r2);
  };
}

template <class Scalar, class Kernel = Gaussian<Scalar>>
struct DistributedProblem {
  using Operator = DistributedOperator<Kernel>;
  using Block = typename Operator::block_type;

  reference::HostMatrix points;            ///< all N x D points
  reference::HostMatrix right_hand_sides;  ///< all N x Dv right-hand sides
  Operator op;
  Block b;  ///< this rank's rows of right_hand_sides

  /// Rows split with RowPartition::balanced over comm; `kernel_in_double` is k(r2) for the dense references.
  DistributedProblem(MPI_Comm comm, reference::HostMatrix all_points, reference::HostMatrix all_right_hand_sides,
                     Kernel const& kernel, reference::RadialFunction kernel_in_double, Scalar alpha)
      : points(std::move(all_points)),
        right_hand_sides(std::move(all_right_hand_sides)),
        op(comm, Kokkos::DefaultExecutionSpace(), kernel, local_rows_of(comm, points), alpha),
        b(reference::to_block<Block>("b", right_hand_sides, op.first_row(), op.local_rows())),
        kernel_in_double_(std::move(kernel_in_double)) {}

  /// A radial kernel of length scale sigma.
  DistributedProblem(MPI_Comm comm, reference::HostMatrix all_points, reference::HostMatrix all_right_hand_sides,
                     Scalar sigma, Scalar alpha)
      : DistributedProblem(comm, std::move(all_points), std::move(all_right_hand_sides), Kernel::from_sigma(sigma),
                           reference_kernel(Kernel::from_sigma(sigma)), alpha) {}

  /// The dense K + alpha I in double, from the same (Scalar-rounded) points and parameters.
  reference::HostMatrix dense_operator() const {
    return reference::kernel_matrix(kernel_in_double_, points, points, static_cast<double>(op.ridge()));
  }

  /// All ranks' rows of a block, on every rank.
  reference::HostMatrix gather(Block const& local) const {
    Block global("gathered", op.global_rows(), local.extent(1));
    op.allgather_rows(local, global);
    return reference::to_host_matrix(global);
  }

  Block new_block(int columns) const { return op.allocate_block("block", columns); }

 private:
  reference::RadialFunction kernel_in_double_;

  static Block local_rows_of(MPI_Comm comm, reference::HostMatrix const& all_points) {
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    auto const partition = RowPartition::balanced(all_points.rows, size);
    return reference::to_block<Block>("points", all_points, partition.begin(rank), partition.local_rows(rank));
  }
};

/// N x D points and N x Dv right-hand sides, uniform in [0, 1), the same on every rank, for a radial kernel.
template <class Kernel, class Scalar = typename Kernel::value_type>
DistributedProblem<Scalar, Kernel> make_problem_with_kernel(MPI_Comm comm, Kernel const& kernel, std::int64_t n,
                                                            int dimension, int columns, Scalar alpha,
                                                            std::uint64_t seed = 5) {
  std::mt19937_64 generator(seed);
  auto points = reference::uniform_matrix<Scalar>(n, dimension, generator);
  auto right_hand_sides = reference::uniform_matrix<Scalar>(n, columns, generator);
  return DistributedProblem<Scalar, Kernel>(comm, std::move(points), std::move(right_hand_sides), kernel,
                                            reference_kernel(kernel), alpha);
}

/// The Gaussian problem of length scale sigma (g = 1 / (2 sigma^2)).
template <class Scalar>
DistributedProblem<Scalar> make_problem(MPI_Comm comm, std::int64_t n, int dimension, int columns, Scalar sigma,
                                        Scalar alpha, std::uint64_t seed = 5) {
  return make_problem_with_kernel(comm, Gaussian<Scalar>::from_sigma(sigma), n, dimension, columns, alpha, seed);
}

/// Default stopping criteria with relative tolerance rtol (and max_iterations).
inline StoppingCriteria with_rtol(double rtol, int max_iterations = 10000) {
  StoppingCriteria criteria;
  criteria.relative_tolerance = rtol;
  criteria.max_iterations = max_iterations;
  return criteria;
}

inline int world_size() {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

inline int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

/// The coordinates of N x D points column-major (d * N + i), as overlapping_cells and spatial_order take them.
inline std::vector<double> column_major(reference::HostMatrix const& points) {
  std::vector<double> values(static_cast<std::size_t>(points.rows * points.columns));
  for (std::int64_t i = 0; i < points.rows; ++i)
    for (std::int64_t d = 0; d < points.columns; ++d)
      values[static_cast<std::size_t>(d * points.rows + i)] = points(i, d);
  return values;
}

/// This rank's rows of `all` on an uneven split over comm (rank r starts at N r^2 / P^2), row-major: what the
/// run-time facade takes, in a split unlike the balanced one.
inline std::vector<double> uneven_rows(reference::HostMatrix const& all, MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  auto const start = [&](int r) { return all.rows * r * r / (size * size); };
  return std::vector<double>(all.values.begin() + start(rank) * all.columns,
                             all.values.begin() + start(rank + 1) * all.columns);
}

/// This rank's rows of `all` on the balanced split of comm (RowPartition::balanced), as a Block.
template <class Block>
Block balanced_rows(char const* label, reference::HostMatrix const& all, MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  auto const partition = RowPartition::balanced(all.rows, size);
  return reference::to_block<Block>(label, all, partition.begin(rank), partition.local_rows(rank));
}

/// max |a - b| / max |b|.
inline double max_relative_difference(reference::HostMatrix const& a, reference::HostMatrix const& b) {
  double difference = 0, scale = 0;
  for (std::size_t k = 0; k < a.values.size(); ++k) {
    difference = std::max(difference, std::abs(a.values[k] - b.values[k]));
    scale = std::max(scale, std::abs(b.values[k]));
  }
  return difference / scale;
}

}  // namespace kernelsolve::test
