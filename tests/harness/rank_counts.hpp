// Running the same computation on the first 1, 2, ..., P ranks of MPI_COMM_WORLD, to check that results do not
// depend on the rank count.
#pragma once

#include <mpi.h>

#include <vector>

namespace kernelsolve::test {

/// For k = 1 .. world size: calls compute(communicator of world ranks 0..k-1) on those ranks, and returns what world
/// rank 0 computed for each k, on every rank. compute returns a std::vector<double> of the same size for every k.
template <class Compute>
std::vector<std::vector<double>> on_each_rank_count(Compute&& compute) {
  int rank = 0, world = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world);
  std::vector<std::vector<double>> results;
  for (int ranks = 1; ranks <= world; ++ranks) {
    MPI_Comm sub;
    MPI_Comm_split(MPI_COMM_WORLD, rank < ranks ? 0 : MPI_UNDEFINED, rank, &sub);
    std::vector<double> result;
    if (sub != MPI_COMM_NULL) {
      result = compute(sub);
      MPI_Comm_free(&sub);
    }
    int size = static_cast<int>(result.size());
    MPI_Bcast(&size, 1, MPI_INT, 0, MPI_COMM_WORLD);
    result.resize(static_cast<std::size_t>(size));
    MPI_Bcast(result.data(), size, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    results.push_back(result);
  }
  return results;
}

}  // namespace kernelsolve::test
