// A Gaussian test problem split over the ranks of a communicator, with its global data kept on every rank for the
// dense references.
#pragma once

#include <kernelsolve/kernels/gaussian.hpp>
#include <kernelsolve/operator/distributed_operator.hpp>
#include <kernelsolve/reference/dense.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <cmath>
#include <random>

namespace kernelsolve::test {

template <class Scalar>
struct DistributedProblem {
  using Operator = DistributedOperator<Gaussian<Scalar>>;
  using Block = typename Operator::block_type;

  reference::HostMatrix points;            ///< all N x D points
  reference::HostMatrix right_hand_sides;  ///< all N x Dv right-hand sides
  Operator op;
  Block b;  ///< this rank's rows of right_hand_sides

  /// Rows split with RowPartition::balanced over comm.
  DistributedProblem(MPI_Comm comm, reference::HostMatrix all_points, reference::HostMatrix all_right_hand_sides,
                     Scalar sigma, Scalar alpha)
      : points(std::move(all_points)),
        right_hand_sides(std::move(all_right_hand_sides)),
        op(comm, Kokkos::DefaultExecutionSpace(), Gaussian<Scalar>::from_sigma(sigma), local_rows_of(comm, points),
           alpha),
        b(reference::to_block<Block>("b", right_hand_sides, op.first_row(), op.local_rows())) {}

  /// The dense K + alpha I in double, from the same (Scalar-rounded) points and parameters.
  reference::HostMatrix dense_operator() const {
    double const g = static_cast<double>(op.kernel().g);
    return reference::kernel_matrix([g](double r2) { return std::exp(-g * r2); }, points, points,
                                    static_cast<double>(op.ridge()));
  }

  /// All ranks' rows of a block, on every rank.
  reference::HostMatrix gather(Block const& local) const {
    Block global("gathered", op.global_rows(), local.extent(1));
    op.allgather_rows(local, global);
    return reference::to_host_matrix(global);
  }

  Block new_block(int columns) const { return op.allocate_block("block", columns); }

 private:
  static Block local_rows_of(MPI_Comm comm, reference::HostMatrix const& all_points) {
    int rank = 0, size = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    auto const partition = RowPartition::balanced(all_points.rows, size);
    return reference::to_block<Block>("points", all_points, partition.begin(rank), partition.local_rows(rank));
  }
};

/// N x D points and N x Dv right-hand sides, uniform in [0, 1), the same on every rank.
template <class Scalar>
DistributedProblem<Scalar> make_problem(MPI_Comm comm, std::int64_t n, int dimension, int columns, Scalar sigma,
                                        Scalar alpha, std::uint64_t seed = 5) {
  std::mt19937_64 generator(seed);
  auto points = reference::uniform_matrix<Scalar>(n, dimension, generator);
  auto right_hand_sides = reference::uniform_matrix<Scalar>(n, columns, generator);
  return DistributedProblem<Scalar>(comm, std::move(points), std::move(right_hand_sides), sigma, alpha);
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
