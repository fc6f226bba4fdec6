// Column dot products that give the same double on any number of ranks and threads: every partial sum is kept in
// double-double (TwoSum, about 106 bits), so the order in which ranks and threads add up no longer shows in the
// rounded result. This makes a distributed CG take the same iterations and give the same solution on 1, 2 or 64
// ranks (a plain allreduce of doubles does not: CG amplifies the last-bit differences of its dot products).
#pragma once

#include <kernelsolve/core/communicator.hpp>
#include <kernelsolve/core/phase_timings.hpp>
#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/simd_doubles.hpp>

#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace kernelsolve {
namespace detail {

/// The rounding error of sum = a + b (Knuth's TwoSum, branch-free): a + b = sum + two_sum_error(a, b, sum) exactly.
/// T is double or a SIMD register of doubles (simd_doubles.hpp), so that every double-double sum here is this one
/// sequence of operations and gives the same bits lane by lane.
template <class T>
KOKKOS_FORCEINLINE_FUNCTION T two_sum_error(T a, T b, T sum) {
  T const b_part = sum - a;
  return (a - (sum - b_part)) + (b - b_part);
}

/// hi + lo, |lo| <= ulp(hi) / 2: an unevaluated sum of two doubles.
struct DoubleDouble {
  double hi = 0;
  double lo = 0;

  /// *this += value, with the rounding error of hi + value kept in lo (Knuth's TwoSum).
  KOKKOS_INLINE_FUNCTION void add(double value) {
    double const sum = hi + value;
    lo += two_sum_error(hi, value, sum);
    hi = sum;
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

/// \brief The partial sums of the reproducible reductions, kept between calls: grown to the largest size asked for
/// and then reused, so that a solver that keeps one allocates nothing per dot product.
template <class MemorySpace>
class ReductionScratch {
 public:
  /// At least `count` doubles in MemorySpace (reallocated only when more than ever before).
  double* device(std::size_t count) {
    if (device_.extent(0) < count)
      device_ = Kokkos::View<double*, MemorySpace>(
          Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::reduction_scratch"), count);
    return device_.data();
  }
  /// The first `count` doubles of device(), readable on the host (fences `space` first).
  template <class ExecutionSpace>
  double const* on_host(ExecutionSpace const& space, std::size_t count) {
    space.fence();
    if constexpr (Kokkos::SpaceAccessibility<Kokkos::HostSpace, MemorySpace>::accessible) {
      return device_.data();
    } else {
      host_.resize(std::max(host_.size(), count));
      Kokkos::deep_copy(
          Kokkos::View<double*, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>(host_.data(), count),
          Kokkos::subview(device_, Kokkos::make_pair(std::size_t(0), count)));
      return host_.data();
    }
  }

 private:
  Kokkos::View<double*, MemorySpace> device_;
  std::vector<double> host_;
};

/// dots[c] = sum_i x(i, c) y(i, c) over the local rows of all ranks of `communicator` (collective), each product
/// exact in double for float data and the sums in double-double; the same value on every rank and rank count.
/// \param scratch partial sums kept by the caller (nothing: allocated for this call).
/// \param timings where the exchange over the ranks is charged (Phase::reductions), or nullptr.
template <class ExecutionSpace, class Block>
std::vector<double> reproducible_column_dots(ExecutionSpace const& space, Communicator const& communicator,
                                             Block const& x, Block const& y,
                                             ReductionScratch<typename Block::memory_space>* scratch = nullptr,
                                             PhaseTimings* timings = nullptr) {
  int const rows = static_cast<int>(x.extent(0));
  int const columns = static_cast<int>(x.extent(1));
  int const chunks = (rows + reproducible_dot_chunk_rows - 1) / reproducible_dot_chunk_rows;
  ReductionScratch<typename Block::memory_space> own_scratch;
  auto& buffer = scratch ? *scratch : own_scratch;
  std::size_t const count = static_cast<std::size_t>(chunks) * 2 * static_cast<std::size_t>(columns);
  Kokkos::View<double**, Kokkos::LayoutRight, typename Block::memory_space, Kokkos::MemoryTraits<Kokkos::Unmanaged>>
      chunk_sums(buffer.device(count), chunks, 2 * columns);
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
  Kokkos::View<double const**, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>> const
      chunk_sums_host(buffer.on_host(space, count), chunks, 2 * columns);

  // This rank's double-double sums, then every rank's, added in rank order.
  std::vector<double> local(static_cast<std::size_t>(2 * columns), 0.0);
  for (int c = 0; c < columns; ++c) {
    DoubleDouble sum;
    for (int chunk = 0; chunk < chunks; ++chunk)
      sum.add(DoubleDouble{chunk_sums_host(chunk, 2 * c), chunk_sums_host(chunk, 2 * c + 1)});
    local[static_cast<std::size_t>(2 * c)] = sum.hi;
    local[static_cast<std::size_t>(2 * c + 1)] = sum.lo;
  }
  auto const all_ranks = [&] {
    ScopedPhase timed(timings, Phase::reductions);
    return communicator.gather_from_all(local);
  }();
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

#if KS_SIMD_DOUBLES && !KS_DEVICE_COMPILATION_PASS
/// sum_i left[i] right[i] over `count` floats in double-double, into (high, low): float products are exact in
/// double, so only the sums round; two registers of double-double lanes (rows i and i + simd_doubles of each block
/// of 2 simd_doubles) keep the TwoSum chains independent and in registers, then the lanes are added in order. No
/// FMA can change a bit: every multiplication is exact.
inline void exact_float_dot(float const* left, float const* right, int count, double& high, double& low) {
  constexpr int width = 2 * simd_doubles;
  simd_double lane_high[2] = {}, lane_low[2] = {};
  auto const add = [](simd_double& sum_high, simd_double& sum_low, simd_double product) {
    simd_double const sum = sum_high + product;
    sum_low += two_sum_error(sum_high, product, sum);
    sum_high = sum;
  };
  int const blocked = count - count % width;
  for (int i = 0; i < blocked; i += width) {
    for (int half = 0; half < 2; ++half) {
      int const at = i + half * simd_doubles;
      add(lane_high[half], lane_low[half], load_as_doubles(left + at) * load_as_doubles(right + at));
    }
  }
  double highs[width], lows[width];
  std::memcpy(highs, lane_high, sizeof lane_high);
  std::memcpy(lows, lane_low, sizeof lane_low);
  for (int i = blocked; i < count; ++i) {
    DoubleDouble lane{highs[i - blocked], lows[i - blocked]};
    lane.add(static_cast<double>(left[i]) * static_cast<double>(right[i]));
    highs[i - blocked] = lane.hi;
    lows[i - blocked] = lane.lo;
  }
  DoubleDouble sum;
  for (int lane = 0; lane < width; ++lane) sum.add(DoubleDouble{highs[lane], lows[lane]});
  high = sum.hi;
  low = sum.lo;
}
#endif

#if !KS_DEVICE_COMPILATION_PASS
/// sum_i left[i] right[i] over `count` doubles in double-double, into (high, low): each product exact as its rounded
/// part fma(l, r, 0) and its error fma(l, r, -part) (explicit FMAs: nothing left for the compiler to contract), the
/// sums by TwoSum in four SIMD registers' worth of independent lanes (a fixed-size lane loop, vectorized by the
/// compiler; with two registers GCC 12 left the AVX2 loop scalar), then the lanes added in order. One chain per
/// column, as the generic loop of reproducible_cross_products ran it, waits on the latency of each TwoSum: 3.5x
/// slower with AVX-512 and 2.1x with AVX2 at 2500 rows, k = 215, Dv = 2.
inline void exact_double_dot(double const* left, double const* right, int count, double& high, double& low) {
  constexpr int width = 4 * simd_register_bytes / int(sizeof(double));
  double highs[width] = {}, lows[width] = {};
  auto const add = [&](int lane, double l, double r) {
    double const product = ::fma(l, r, 0.0);
    double const product_error = ::fma(l, r, -product);
    double const sum = highs[lane] + product;
    lows[lane] += two_sum_error(highs[lane], product, sum) + product_error;
    highs[lane] = sum;
  };
  int const blocked = count - count % width;
  for (int i = 0; i < blocked; i += width) {
    for (int lane = 0; lane < width; ++lane) add(lane, left[i + lane], right[i + lane]);
  }
  for (int i = blocked; i < count; ++i) add(i - blocked, left[i], right[i]);
  DoubleDouble sum;
  for (int lane = 0; lane < width; ++lane) sum.add(DoubleDouble{highs[lane], lows[lane]});
  high = sum.hi;
  low = sum.lo;
}
#endif

/// Columns of `right` that one thread of reproducible_cross_products reduces at once: independent double-double
/// chains, so that the loop waits on throughput rather than on the latency of one chain.
inline constexpr int cross_product_column_tile = 8;

/// Whether both blocks hold Scalar columns as host arrays (LayoutLeft in a host execution space): then
/// reproducible_cross_products sums each pair of columns with exact_float_dot / exact_double_dot.
template <class ExecutionSpace, class Left, class Right, class Scalar>
inline constexpr bool contiguous_host_columns_v =
    is_host_execution_space_v<ExecutionSpace>&& std::is_same_v<typename Left::non_const_value_type, Scalar>&&
        std::is_same_v<typename Right::non_const_value_type, Scalar>&&
            std::is_same_v<typename Left::array_layout, Kokkos::LayoutLeft>&&
                std::is_same_v<typename Right::array_layout, Kokkos::LayoutLeft>;

/// \brief products[a + p b] = sum_i left(i, a) right(i, b) over the local rows of all ranks (collective): left^T
/// right, p x q column-major, each product exact (rounded part + FMA error) and summed in double-double, so that the
/// result is the same double on every rank and rank count (F^T r in the Nystrom apply: p = k, q = Dv; the k x k
/// Gram F^T F has its own BLAS-3 kernel, reproducible_gram.hpp).
/// Memory: chunks x p x q double-doubles of partial sums, at most about 256 MiB (fewer chunks for large p q).
template <class ExecutionSpace, class Left, class Right>
std::vector<double> reproducible_cross_products(ExecutionSpace const& space, Communicator const& communicator,
                                                Left const& left, Right const& right,
                                                ReductionScratch<typename Left::memory_space>* scratch = nullptr,
                                                PhaseTimings* timings = nullptr) {
  int const rows = static_cast<int>(left.extent(0));
  int const p = static_cast<int>(left.extent(1));
  int const q = static_cast<int>(right.extent(1));
  constexpr int tile = cross_product_column_tile;
  int const tiles = (q + tile - 1) / tile;
  std::size_t const pairs = static_cast<std::size_t>(p) * static_cast<std::size_t>(q);
  std::size_t const chunk_budget = pairs == 0 ? 1 : std::max<std::size_t>(1, (std::size_t(256) << 20) / (16 * pairs));
  int const natural_chunks = (rows + reproducible_dot_chunk_rows - 1) / reproducible_dot_chunk_rows;
  int const chunks = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(natural_chunks), chunk_budget));
  int const chunk_rows = chunks == 0 ? 0 : (rows + chunks - 1) / chunks;
  ReductionScratch<typename Left::memory_space> own_scratch;
  auto& buffer = scratch ? *scratch : own_scratch;
  std::size_t const count = static_cast<std::size_t>(chunks) * pairs * 2;
  Kokkos::View<double***, Kokkos::LayoutRight, typename Left::memory_space, Kokkos::MemoryTraits<Kokkos::Unmanaged>>
      chunk_sums(buffer.device(count), chunks, pairs, 2);
  // chunk_sums(k, a + p b, :) = sum over the rows of chunk k of left(i, a) right(i, b), in double-double.
  Kokkos::parallel_for(
      "kernelsolve::reproducible_cross_products::chunks",
      Kokkos::RangePolicy<ExecutionSpace>(space, 0, static_cast<std::int64_t>(chunks) * tiles * p),
      KOKKOS_LAMBDA(std::int64_t item) {
        int const a = static_cast<int>(item % p);
        int const column_tile = static_cast<int>((item / p) % tiles);
        int const chunk = static_cast<int>(item / (static_cast<std::int64_t>(p) * tiles));
        int const first = column_tile * tile;
        int const last = first + tile < q ? first + tile : q;
        int const begin = chunk * chunk_rows;
        int const end = begin + chunk_rows < rows ? begin + chunk_rows : rows;
        // nvcc's extended lambdas may not capture a variable first inside an if constexpr: name them here
        (void)left, (void)right, (void)chunk_sums;
#if KS_SIMD_DOUBLES && !KS_DEVICE_COMPILATION_PASS
        // float columns (the float32 Nystrom apply): exact products, one vectorized pass per column
        if constexpr (contiguous_host_columns_v<ExecutionSpace, Left, Right, float>) {
          for (int b = first; b < last; ++b) {
            std::size_t const pair = static_cast<std::size_t>(a) + static_cast<std::size_t>(p) * b;
            exact_float_dot(&left(begin, a), &right(begin, b), end - begin, chunk_sums(chunk, pair, 0),
                            chunk_sums(chunk, pair, 1));
          }
          return;
        }
#endif
#if !KS_DEVICE_COMPILATION_PASS
        // double columns (the float64 Nystrom apply): the same, products split exactly by two FMAs
        if constexpr (contiguous_host_columns_v<ExecutionSpace, Left, Right, double>) {
          for (int b = first; b < last; ++b) {
            std::size_t const pair = static_cast<std::size_t>(a) + static_cast<std::size_t>(p) * b;
            exact_double_dot(&left(begin, a), &right(begin, b), end - begin, chunk_sums(chunk, pair, 0),
                             chunk_sums(chunk, pair, 1));
          }
          return;
        }
#endif
        double high[tile];
        double low[tile];
        for (int t = 0; t < tile; ++t) high[t] = low[t] = 0;
        int const width = last - first;
        for (int i = begin; i < end; ++i) {
          double const value = static_cast<double>(left(i, a));
          // product = round(value y) + its exact error (two explicit FMAs, which no compiler contracts further),
          // added to high + low by TwoSum: independent chains over t, vectorized.
          for (int t = 0; t < width; ++t) {
            double const factor = static_cast<double>(right(i, first + t));
            double const product = ::fma(value, factor, 0.0);
            double const product_error = ::fma(value, factor, -product);
            double const sum = high[t] + product;
            low[t] += two_sum_error(high[t], product, sum) + product_error;
            high[t] = sum;
          }
        }
        for (int t = 0; t < width; ++t) {
          std::size_t const pair = static_cast<std::size_t>(a) + static_cast<std::size_t>(p) * (first + t);
          chunk_sums(chunk, pair, 0) = high[t];
          chunk_sums(chunk, pair, 1) = low[t];
        }
      });
  Kokkos::View<double const***, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>> const
      chunk_sums_host(buffer.on_host(space, count), chunks, pairs, 2);

  std::vector<double> local(2 * pairs, 0.0);
  for (std::size_t pair = 0; pair < pairs; ++pair) {
    DoubleDouble sum;
    for (int chunk = 0; chunk < chunks; ++chunk)
      sum.add(DoubleDouble{chunk_sums_host(chunk, pair, 0), chunk_sums_host(chunk, pair, 1)});
    local[2 * pair] = sum.hi;
    local[2 * pair + 1] = sum.lo;
  }
  // The ranks' sums added in rank order by a reduction (O(p q) per rank and log P steps; a gather of every rank's
  // sums would need P p q values on every rank: 2 MB per iteration from 64 ranks at k = 1000, Dv = 2).
  {
    ScopedPhase timed(timings, Phase::reductions);
    communicator.sum_double_doubles_in_rank_order(local);
  }
  std::vector<double> products(pairs);
  for (std::size_t pair = 0; pair < pairs; ++pair)
    products[pair] = DoubleDouble{local[2 * pair], local[2 * pair + 1]}.rounded();
  return products;
}

}  // namespace detail
}  // namespace kernelsolve
