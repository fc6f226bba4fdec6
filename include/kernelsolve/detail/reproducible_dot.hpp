// Column dot products that give the same double on any number of ranks and threads: every partial sum is kept in
// double-double (TwoSum, about 106 bits), so the order in which ranks and threads add up no longer shows in the
// rounded result. This makes a distributed CG take the same iterations and give the same solution on 1, 2 or 64
// ranks (a plain allreduce of doubles does not: CG amplifies the last-bit differences of its dot products).
#pragma once

#include <kernelsolve/operator/communicator.hpp>

#include <Kokkos_Core.hpp>

#include <vector>

namespace kernelsolve {
namespace detail {

/// hi + lo, |lo| <= ulp(hi) / 2: an unevaluated sum of two doubles.
struct DoubleDouble {
  double hi = 0;
  double lo = 0;

  /// *this += value, with the rounding error of hi + value kept in lo (Knuth's TwoSum).
  KOKKOS_INLINE_FUNCTION void add(double value) {
    double const sum = hi + value;
    double const value_part = sum - hi;
    double const error = (hi - (sum - value_part)) + (value - value_part);
    hi = sum;
    lo += error;
  }

  KOKKOS_INLINE_FUNCTION void add(DoubleDouble const& other) {
    add(other.hi);
    lo += other.lo;
  }

  KOKKOS_INLINE_FUNCTION double rounded() const { return hi + lo; }
};

/// a * b rounded to double, never fused with the next addition (FMA contraction), which would make the sum depend on
/// where a rank's rows start. On the host a volatile store prevents the fusion. In CUDA/HIP device code a volatile
/// local lives in a register (NVVM emits plain mul.f64 / add.f64, which ptxas may contract into an FMA), so there
/// the product is rounded by the intrinsic __dmul_rn (mul.rn.f64, which is never contracted).
KOKKOS_INLINE_FUNCTION double rounded_product(double a, double b) {
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
  return __dmul_rn(a, b);
#else
  volatile double product = a * b;
  return product;
#endif
}

/// Rows per chunk of the local sums: each chunk is summed by one thread, in order.
inline constexpr int reproducible_dot_chunk_rows = 512;

/// dots[c] = sum_i x(i, c) y(i, c) over the local rows of all ranks of `communicator` (collective), each product
/// exact in double for float data and the sums in double-double; the same value on every rank and rank count.
template <class ExecutionSpace, class Block>
std::vector<double> reproducible_column_dots(ExecutionSpace const& space, Communicator const& communicator,
                                             Block const& x, Block const& y) {
  int const rows = static_cast<int>(x.extent(0));
  int const columns = static_cast<int>(x.extent(1));
  int const chunks = (rows + reproducible_dot_chunk_rows - 1) / reproducible_dot_chunk_rows;
  Kokkos::View<double**, Kokkos::LayoutRight, typename Block::memory_space> chunk_sums(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::reproducible_dot::chunk_sums"), chunks,
      2 * columns);
  // chunk_sums(k, 2c : 2c+1) = sum over the rows of chunk k of x(i, c) y(i, c), in double-double.
  Kokkos::parallel_for(
      "kernelsolve::reproducible_dot::chunks", Kokkos::RangePolicy<ExecutionSpace>(space, 0, chunks),
      KOKKOS_LAMBDA(int chunk) {
        int const begin = chunk * reproducible_dot_chunk_rows;
        int const end = begin + reproducible_dot_chunk_rows < rows ? begin + reproducible_dot_chunk_rows : rows;
        for (int c = 0; c < columns; ++c) {
          DoubleDouble sum;
          for (int i = begin; i < end; ++i) sum.add(rounded_product(x(i, c), y(i, c)));
          chunk_sums(chunk, 2 * c) = sum.hi;
          chunk_sums(chunk, 2 * c + 1) = sum.lo;
        }
      });
  auto const chunk_sums_host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), chunk_sums);

  // This rank's double-double sums, then every rank's, added in rank order.
  std::vector<double> local(static_cast<std::size_t>(2 * columns), 0.0);
  for (int c = 0; c < columns; ++c) {
    DoubleDouble sum;
    for (int chunk = 0; chunk < chunks; ++chunk)
      sum.add(DoubleDouble{chunk_sums_host(chunk, 2 * c), chunk_sums_host(chunk, 2 * c + 1)});
    local[static_cast<std::size_t>(2 * c)] = sum.hi;
    local[static_cast<std::size_t>(2 * c + 1)] = sum.lo;
  }
  auto const all_ranks = communicator.gather_from_all(local);
  std::vector<double> dots(static_cast<std::size_t>(columns));
  for (int c = 0; c < columns; ++c) {
    DoubleDouble sum;
    for (int r = 0; r < communicator.size(); ++r) {
      std::size_t const at = static_cast<std::size_t>(r * 2 * columns + 2 * c);
      sum.add(DoubleDouble{all_ranks[at], all_ranks[at + 1]});
    }
    dots[static_cast<std::size_t>(c)] = sum.rounded();
  }
  return dots;
}

}  // namespace detail
}  // namespace kernelsolve
