// The host hot loops of the kernel products and gradients, instantiated for every built-in family and both
// precisions as extern "C" functions, so that check_vectorized.cmake can find each one in the assembly the compiler
// writes for a given -march and count its packed and scalar floating-point instructions. Compiled with -S only
// (never run), so it is checked for ISAs this machine does not have.
#include <kernelsolve/kernels/radial_kernels.hpp>
#include <kernelsolve/product/cutoff_pattern.hpp>
#include <kernelsolve/product/detail/row_gradient.hpp>
#include <kernelsolve/product/detail/row_product.hpp>

#include <Kokkos_Core.hpp>

namespace {

template <class Scalar>
using Block = Kokkos::View<Scalar**, Kokkos::LayoutLeft, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;
template <class Scalar>
using Column = Kokkos::View<Scalar*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;

// The seed's shape: D = 2 (compile-time), Dv = 2 columns, lanes from the target's SIMD width (simd_width.hpp).
constexpr int dimension = 2;
constexpr int columns = 2;

/// out = K(points, points) weights for rows [0, rows): the loop row_product runs on each thread.
// always_inline: the loop must sit in the ks_probe_* function whose assembly is checked (Clang would not inline it).
template <class Kernel>
[[gnu::always_inline]] inline void product_rows(Kernel kernel, Block<typename Kernel::value_type> points,
                                                Block<typename Kernel::value_type> weights,
                                                Block<typename Kernel::value_type> out) {
  using Scalar = typename Kernel::value_type;
  using Functor = kernelsolve::detail::RowProduct<dimension, columns, kernelsolve::detail::simd_lanes_v<Scalar>, Kernel,
                                                  Block<Scalar>, Block<Scalar>, Block<Scalar>, Block<Scalar>>;
  Functor const functor{kernel, points, points,    weights,
                        out,    0,      dimension, kernelsolve::detail::AllSources{static_cast<int>(points.extent(0))},
                        {}};
  for (int i = 0; i < static_cast<int>(points.extent(0)); ++i) functor(i);
}

/// The same over the source ranges of a cutoff pattern (what DistributedOperator::apply runs, truncated or not).
template <class Kernel>
[[gnu::always_inline]] inline void tiled_product_rows(Kernel kernel, Block<typename Kernel::value_type> points,
                                                      Block<typename Kernel::value_type> weights,
                                                      Block<typename Kernel::value_type> out, int const* offsets,
                                                      int const* begins, int const* ends, int tiles, int ranges) {
  using Scalar = typename Kernel::value_type;
  using Ranges = kernelsolve::detail::TileSourceRanges<Kokkos::HostSpace>;
  using Functor = kernelsolve::detail::RowProduct<dimension, columns, kernelsolve::detail::simd_lanes_v<Scalar>, Kernel,
                                                  Block<Scalar>, Block<Scalar>, Block<Scalar>, Block<Scalar>, Ranges>;
  Ranges const source_ranges{Kokkos::View<int const*, Kokkos::HostSpace>(offsets, tiles + 1),
                             Kokkos::View<int const*, Kokkos::HostSpace>(begins, ranges),
                             Kokkos::View<int const*, Kokkos::HostSpace>(ends, ranges), 0, 0};
  Functor const functor{kernel, points, points, weights, out, 0, dimension, source_ranges, {}};
  for (int i = 0; i < static_cast<int>(points.extent(0)); ++i) functor(i);
}

/// The same over one phase [phase_begin, phase_end) of the sources, the running sums carried in `running` (what
/// DistributedOperator::apply runs on several ranks, its gather overlapped).
template <class Kernel>
[[gnu::always_inline]] inline void phased_product_rows(Kernel kernel, Block<typename Kernel::value_type> points,
                                                       Block<typename Kernel::value_type> weights,
                                                       Block<typename Kernel::value_type> out,
                                                       typename Kernel::value_type* running, int const* offsets,
                                                       int const* begins, int const* ends, int tiles, int ranges,
                                                       int phase_begin, int phase_end, bool resume, bool keep) {
  using Scalar = typename Kernel::value_type;
  constexpr int lanes = kernelsolve::detail::simd_lanes_v<Scalar>;
  using Ranges = kernelsolve::detail::SourcePhase<kernelsolve::detail::TileSourceRanges<Kokkos::HostSpace>>;
  using Running = Kokkos::View<Scalar***, Kokkos::LayoutRight, Kokkos::HostSpace, Kokkos::MemoryUnmanaged>;
  using Carry = kernelsolve::detail::CarryBetweenPhases<Running>;
  using Functor = kernelsolve::detail::RowProduct<dimension, columns, lanes, Kernel, Block<Scalar>, Block<Scalar>,
                                                  Block<Scalar>, Block<Scalar>, Ranges, Carry>;
  Ranges const source_ranges{{Kokkos::View<int const*, Kokkos::HostSpace>(offsets, tiles + 1),
                              Kokkos::View<int const*, Kokkos::HostSpace>(begins, ranges),
                              Kokkos::View<int const*, Kokkos::HostSpace>(ends, ranges), 0, 0},
                             phase_begin,
                             phase_end};
  Carry const carry{Running(running, points.extent(0), columns, lanes), resume, keep};
  Functor const functor{kernel, points, points, weights, out, 0, dimension, source_ranges, carry};
  for (int i = 0; i < static_cast<int>(points.extent(0)); ++i) functor(i);
}

/// dB/dt and dB/dg of B = sum_ij k(t_i, s_j) (u_i . v_j) for rows [0, rows) over the source ranges of a cutoff
/// pattern: the loop row_gradient runs for solve_gradient (truncated or not).
template <class Kernel>
[[gnu::always_inline]] inline void gradient_rows(Kernel kernel, Block<typename Kernel::value_type> points,
                                                 Block<typename Kernel::value_type> u,
                                                 Block<typename Kernel::value_type> gradient,
                                                 Column<typename Kernel::value_type> parameter, int const* offsets,
                                                 int const* begins, int const* ends, int tiles, int ranges) {
  using Scalar = typename Kernel::value_type;
  using Ranges = kernelsolve::detail::TileSourceRanges<Kokkos::HostSpace>;
  using Functor =
      kernelsolve::detail::RowGradient<dimension, dimension, columns, true, kernelsolve::detail::simd_lanes_v<Scalar>,
                                       false, Kernel, Block<Scalar>, Block<Scalar>, Block<Scalar>, Block<Scalar>,
                                       Block<Scalar>, Column<Scalar>, Ranges>;
  Ranges const source_ranges{Kokkos::View<int const*, Kokkos::HostSpace>(offsets, tiles + 1),
                             Kokkos::View<int const*, Kokkos::HostSpace>(begins, ranges),
                             Kokkos::View<int const*, Kokkos::HostSpace>(ends, ranges), 0, 0};
  Functor const functor{kernel, points, points, u, u, gradient, parameter, 0, dimension, source_ranges};
  for (int i = 0; i < static_cast<int>(points.extent(0)); ++i) functor(i);
}

}  // namespace

// ks_probe_<product|gradient>_<family>_<float|double>: the names check_vectorized.cmake looks for.
#define KS_PROBE(family, Kernel, Scalar)                                                                               \
  extern "C" __attribute__((noinline)) void ks_probe_product_##family##_##Scalar(                                      \
      Scalar const* points, Scalar const* weights, Scalar* out, int rows) {                                            \
    product_rows(kernelsolve::Kernel<Scalar>{Scalar(2)}, Block<Scalar>(const_cast<Scalar*>(points), rows, dimension),  \
                 Block<Scalar>(const_cast<Scalar*>(weights), rows, columns), Block<Scalar>(out, rows, columns));       \
  }                                                                                                                    \
  extern "C" __attribute__((noinline)) void ks_probe_tiled_##family##_##Scalar(                                        \
      Scalar const* points, Scalar const* weights, Scalar* out, int rows, int const* offsets, int const* begins,       \
      int const* ends, int ranges) {                                                                                   \
    tiled_product_rows(kernelsolve::Kernel<Scalar>{Scalar(2)},                                                         \
                       Block<Scalar>(const_cast<Scalar*>(points), rows, dimension),                                    \
                       Block<Scalar>(const_cast<Scalar*>(weights), rows, columns), Block<Scalar>(out, rows, columns),  \
                       offsets, begins, ends, (rows + 63) / 64, ranges);                                               \
  }                                                                                                                    \
  extern "C" __attribute__((noinline)) void ks_probe_phased_##family##_##Scalar(                                       \
      Scalar const* points, Scalar const* weights, Scalar* out, Scalar* running, int rows, int const* offsets,         \
      int const* begins, int const* ends, int ranges, int phase_begin, int phase_end, bool resume, bool keep) {        \
    phased_product_rows(                                                                                               \
        kernelsolve::Kernel<Scalar>{Scalar(2)}, Block<Scalar>(const_cast<Scalar*>(points), rows, dimension),           \
        Block<Scalar>(const_cast<Scalar*>(weights), rows, columns), Block<Scalar>(out, rows, columns), running,        \
        offsets, begins, ends, (rows + 63) / 64, ranges, phase_begin, phase_end, resume, keep);                        \
  }                                                                                                                    \
  extern "C" __attribute__((noinline)) void ks_probe_gradient_##family##_##Scalar(                                     \
      Scalar const* points, Scalar const* u, Scalar* gradient, Scalar* parameter, int rows, int const* offsets,        \
      int const* begins, int const* ends, int ranges) {                                                                \
    gradient_rows(kernelsolve::Kernel<Scalar>{Scalar(2)}, Block<Scalar>(const_cast<Scalar*>(points), rows, dimension), \
                  Block<Scalar>(const_cast<Scalar*>(u), rows, columns), Block<Scalar>(gradient, rows, dimension),      \
                  Column<Scalar>(parameter, rows), offsets, begins, ends, (rows + 63) / 64, ranges);                   \
  }

#define KS_PROBE_BOTH(family, Kernel) \
  KS_PROBE(family, Kernel, float)     \
  KS_PROBE(family, Kernel, double)

// One pair of probes per line of kernel_family_list.hpp.
KERNELSOLVE_KERNEL_FAMILIES(KS_PROBE_BOTH)
