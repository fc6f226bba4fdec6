// Cutoff products for a narrow kernel: points in spatial order, tiles of 64 that skip the tiles the kernel reaches
// only below truncation k(0), and the stated bound |((K - K_cutoff) w)_i| <= dropped_row_sum max |w| checked.
#include <kernelsolve/kernelsolve.hpp>
#include <kernelsolve/reference/host_blocks.hpp>

#include <mpi.h>
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <random>
#include <vector>

namespace {

namespace reference = kernelsolve::reference;

/// Applies the full and the truncated operator to the same vector; 0 when they differ within the bound, else 3.
int compare_products(int rank, int ranks) {
  // N = 2000 points in [0, 1]^2, sorted along their kd-tree leaves so that tiles of consecutive points are compact.
  std::int64_t const n = 2000;
  std::mt19937_64 generator(17);
  auto const drawn = reference::uniform_matrix<double>(n, 2, generator);
  reference::HostMatrix points(n, 2);
  points.values = kernelsolve::rows_in_order(drawn.values, 2, kernelsolve::spatial_order_of_rows(drawn.values, 2));
  auto const w = reference::uniform_matrix<double>(n, 1, generator);
  auto const partition = kernelsolve::RowPartition::balanced(n, ranks);
  using Operator = kernelsolve::DistributedOperator<kernelsolve::Gaussian<double>>;
  auto const my_points =
      reference::to_block<Operator::block_type>("points", points, partition.begin(rank), partition.local_rows(rank));
  auto const my_w =
      reference::to_block<Operator::block_type>("w", w, partition.begin(rank), partition.local_rows(rank));
  auto const kernel = kernelsolve::Gaussian<double>::from_sigma(0.01);  // narrower than the spacing, 0.022

  Operator const full(MPI_COMM_WORLD, Kokkos::DefaultExecutionSpace(), kernel, my_points, 0.0);
  // Its apply() skips what the kernel reaches only below 1e-10 k(0); `full` stays the exact product.
  kernelsolve::CutoffOperator<Operator> const cut(full, 1e-10);
  kernelsolve::CutoffSummary const summary = *cut.cutoff_summary();  // over all ranks
  auto const full_w = full.allocate_block("full_w", 1), cut_w = cut.allocate_block("cut_w", 1);
  full.apply(my_w, full_w);
  cut.apply(my_w, cut_w);

  auto const full_host = reference::to_host_matrix(full_w), cut_host = reference::to_host_matrix(cut_w);
  double difference = 0;
  for (std::int64_t i = 0; i < full_host.rows; ++i)
    difference = std::max(difference, std::abs(full_host(i, 0) - cut_host(i, 0)));
  MPI_Allreduce(MPI_IN_PLACE, &difference, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  double const max_w = *std::max_element(w.values.begin(), w.values.end());
  double const kept = static_cast<double>(summary.kept_pairs) / static_cast<double>(summary.pairs);

  if (rank == 0) {
    std::printf(
        "cutoff_product: N = %lld on %d ranks, truncation %.0e: %.1f%% of the pairs kept, max |(K - K_cutoff) w| = "
        "%.2e <= dropped_row_sum max |w| = %.2e\n",
        static_cast<long long>(n), ranks, summary.truncation, 100 * kept, difference, summary.dropped_row_sum * max_w);
  }
  // The row sums of the full product round at about N eps: the bound holds up to that.
  bool const correct = kept < 0.6 && difference <= summary.dropped_row_sum * max_w + 1e-12;
  return correct ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int exit_code = 0;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    try {
      exit_code = compare_products(rank, ranks);
    } catch (std::exception const& error) {
      std::fprintf(stderr, "cutoff_product: error on rank %d: %s\n", rank, error.what());
      exit_code = 1;
    }
  }
  MPI_Finalize();
  return exit_code;
}
