// The local kernel product out = K(targets, sources) weights, K_ij = k(|x_i - y_j|^2), without MPI and without
// ever forming K: one Kokkos parallel loop over target rows that reduces over all sources in registers.
#pragma once

#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/kernels/kernel_traits.hpp>
#include <kernelsolve/product/cutoff_pattern.hpp>
#include <kernelsolve/product/detail/precompiled_loops.hpp>
#include <kernelsolve/product/detail/row_product.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <limits>
#include <type_traits>

namespace kernelsolve {

namespace detail {

template <class ExecutionSpace, class Kernel, class View>
constexpr void check_product_operand() {
  static_assert(Kokkos::is_view<View>::value, "kernel_product: every operand must be a Kokkos::View");
  static_assert(View::rank == 2, "kernel_product: every operand must be a rank-2 View (rows x columns)");
  static_assert(std::is_same_v<typename View::non_const_value_type, typename Kernel::value_type>,
                "kernel_product: the Views' scalar type must be the kernel's value_type");
  static_assert(Kokkos::SpaceAccessibility<ExecutionSpace, typename View::memory_space>::accessible,
                "kernel_product: the Views must be accessible from the execution space");
}

/// The compile-time and run-time checks of kernel_product's arguments.
template <class ExecutionSpace, class Kernel, class Targets, class Sources, class Weights, class Out>
void check_product_arguments(Targets const& targets, Sources const& sources, Weights const& weights, Out const& out) {
  static_assert(Kokkos::is_execution_space<ExecutionSpace>::value,
                "kernel_product: the first argument must be a Kokkos execution space instance");
  static_assert(is_kernel<Kernel>::value,
                "kernel_product: Kernel must provide value_type and value_type operator()(value_type r2) const");
  detail::check_product_operand<ExecutionSpace, Kernel, Targets>();
  detail::check_product_operand<ExecutionSpace, Kernel, Sources>();
  detail::check_product_operand<ExecutionSpace, Kernel, Weights>();
  detail::check_product_operand<ExecutionSpace, Kernel, Out>();
  static_assert(!std::is_const_v<typename Out::value_type>, "kernel_product: out must be a non-const View");

  KS_REQUIRE_EQUAL_EXTENTS("targets.extent(1)", targets.extent(1), "sources.extent(1)", sources.extent(1));
  KS_REQUIRE_EQUAL_EXTENTS("sources.extent(0)", sources.extent(0), "weights.extent(0)", weights.extent(0));
  KS_REQUIRE_EQUAL_EXTENTS("out.extent(0)", out.extent(0), "targets.extent(0)", targets.extent(0));
  KS_REQUIRE_EQUAL_EXTENTS("out.extent(1)", out.extent(1), "weights.extent(1)", weights.extent(1));
  KS_USER_REQUIRE(targets.extent(1) >= 1, "points must have dimension D >= 1, got ", targets.extent(1));
  KS_USER_REQUIRE(weights.extent(1) >= 1, "weights must have Dv >= 1 columns, got ", weights.extent(1));
  constexpr auto int_max = static_cast<std::size_t>(std::numeric_limits<int>::max());
  KS_USER_REQUIRE(targets.extent(0) <= int_max && sources.extent(0) <= int_max, "at most ", int_max,
                  " targets and sources per call, got ", targets.extent(0), " and ", sources.extent(0));
}

}  // namespace detail

/// \brief out(i, c) = sum_j k(|targets(i, :) - sources(j, :)|^2) weights(j, c): the kernel matrix K(targets, sources)
/// times weights, computed matrix-free on the execution space instance `space` (asynchronous, like Kokkos kernels).
///
/// \param space   execution space instance the loop runs on (the user's stream/instance).
/// \param kernel  a kernel functor (see kernel_traits.hpp), e.g. Gaussian<float>::from_sigma(0.1).
/// \param targets M x D points x_i.      \param sources N x D points y_j.
/// \param weights N x Dv weights b_j.    \param out     M x Dv result (overwritten).
/// Any Kokkos layout works; LayoutLeft sources and weights (contiguous per coordinate) are the fastest on CPUs.
/// \throws DimensionMismatch when extents disagree, InvalidArgument when D or Dv is 0 or a size exceeds int.
template <class ExecutionSpace, class Kernel, class Targets, class Sources, class Weights, class Out>
void kernel_product(ExecutionSpace const& space, Kernel const& kernel, Targets const& targets, Sources const& sources,
                    Weights const& weights, Out const& out) {
  detail::check_product_arguments<ExecutionSpace, Kernel>(targets, sources, weights, out);
  detail::ProfilingRegion region("kernelsolve::kernel_product");
  detail::row_product(space, kernel, targets, sources, weights, out);
}

/// \brief The cutoff product: kernel_product over only the source tiles that `pattern` keeps for each target tile
/// (cutoff_pattern.hpp), i.e. out = K_cutoff weights with |(K - K_cutoff) weights|_i <= dropped_row_sum max |w_j|,
/// exactly K weights for a compactly supported kernel. The same bits on any split of the pattern's rows.
/// \param pattern make_cutoff_pattern(kernel, ..., sources, truncation) for these targets and sources.
/// \throws as kernel_product, and DimensionMismatch when the pattern was made for other row counts.
template <class ExecutionSpace, class Kernel, class Targets, class Sources, class Weights, class Out, class MemorySpace>
void kernel_product(ExecutionSpace const& space, Kernel const& kernel, Targets const& targets, Sources const& sources,
                    Weights const& weights, Out const& out, CutoffPattern<MemorySpace> const& pattern) {
  static_assert(Kokkos::SpaceAccessibility<ExecutionSpace, MemorySpace>::accessible,
                "kernel_product: the cutoff pattern must be accessible from the execution space");
  detail::check_product_arguments<ExecutionSpace, Kernel>(targets, sources, weights, out);
  KS_REQUIRE_EQUAL_EXTENTS("targets.extent(0)", targets.extent(0), "pattern.rows()", pattern.rows());
  KS_REQUIRE_EQUAL_EXTENTS("sources.extent(0)", sources.extent(0), "pattern.source_rows()", pattern.source_rows());
  detail::ProfilingRegion region("kernelsolve::kernel_product::cutoff");
  detail::row_product(space, kernel, targets, sources, weights, out, pattern.source_ranges());
}

namespace detail {

/// \brief One phase of the cutoff product summed in phases in source order (DistributedOperator's overlapped gather):
/// kernel_product(..., pattern) over the sources [phase_begin, phase_end) only, each row's running lane sums taken
/// from `running` (unless first) and left there (unless last, which writes out instead).
/// Phases that begin and end on multiples of phase_alignment_v (the last at the sources' end) give the bits of the
/// one-pass product: every lane takes the same terms in the same order, and the same chunk sums.
/// \param running targets x Dv x source_lanes_v values in the execution space's memory (any content for the first).
/// \throws DimensionMismatch for a running block of other extents, InvalidArgument for a phase off that grid.
template <class ExecutionSpace, class Kernel, class Targets, class Sources, class Weights, class Out, class MemorySpace,
          class Running>
void kernel_product_phase(ExecutionSpace const& space, Kernel const& kernel, Targets const& targets,
                          Sources const& sources, Weights const& weights, Out const& out,
                          CutoffPattern<MemorySpace> const& pattern, std::int64_t phase_begin, std::int64_t phase_end,
                          Running const& running, bool first, bool last) {
  using scalar_type = typename Kernel::value_type;
  constexpr int alignment = phase_alignment_v<ExecutionSpace, scalar_type>;
  constexpr int lanes = source_lanes_v<ExecutionSpace, scalar_type>;
  check_product_arguments<ExecutionSpace, Kernel>(targets, sources, weights, out);
  KS_REQUIRE_EQUAL_EXTENTS("targets.extent(0)", targets.extent(0), "pattern.rows()", pattern.rows());
  KS_REQUIRE_EQUAL_EXTENTS("sources.extent(0)", sources.extent(0), "pattern.source_rows()", pattern.source_rows());
  KS_REQUIRE_EQUAL_EXTENTS("running.extent(0)", running.extent(0), "targets.extent(0)", targets.extent(0));
  KS_REQUIRE_EQUAL_EXTENTS("running.extent(1)", running.extent(1), "weights.extent(1)", weights.extent(1));
  KS_REQUIRE_EQUAL_EXTENTS("running.extent(2)", running.extent(2), "source lanes", lanes);
  auto const source_count = static_cast<std::int64_t>(sources.extent(0));
  KS_USER_REQUIRE(0 <= phase_begin && phase_begin <= phase_end && phase_end <= source_count &&
                      phase_begin % alignment == 0 && (phase_end % alignment == 0 || phase_end == source_count),
                  "a product phase must lie in [0, ", source_count, "] on multiples of ", alignment, ", got [",
                  phase_begin, ", ", phase_end, ")");
  ProfilingRegion region("kernelsolve::kernel_product::phase");
  using Ranges = std::decay_t<decltype(pattern.source_ranges())>;
  row_product(space, kernel, targets, sources, weights, out,
              SourcePhase<Ranges>{pattern.source_ranges(), static_cast<int>(phase_begin), static_cast<int>(phase_end)},
              CarryBetweenPhases<Running>{running, !first, !last});
}

}  // namespace detail

/// \brief kernel_product on a default-constructed instance of the Views' execution space.
template <class Kernel, class Targets, class Sources, class Weights, class Out>
void kernel_product(Kernel const& kernel, Targets const& targets, Sources const& sources, Weights const& weights,
                    Out const& out) {
  kernel_product(typename Out::execution_space{}, kernel, targets, sources, weights, out);
}

}  // namespace kernelsolve
