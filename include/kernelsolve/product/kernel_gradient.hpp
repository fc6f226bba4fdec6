// The gradient of the kernel bilinear form B = sum_ij k(|t_i - s_j|^2) (u_i . v_j) with respect to the points and
// the kernel parameter, matrix-free: the building block of the derivatives of a solve (gradient/solve_gradient.hpp).
#pragma once

#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/kernels/kernel_traits.hpp>
#include <kernelsolve/product/detail/precompiled_loops.hpp>
#include <kernelsolve/product/detail/row_gradient.hpp>
#include <kernelsolve/product/kernel_product.hpp>

#include <Kokkos_Core.hpp>

namespace kernelsolve {

namespace detail {

/// The compile-time and run-time checks of kernel_gradient's arguments.
template <class ExecutionSpace, class Kernel, class Targets, class Sources, class TargetWeights, class SourceWeights,
          class Gradient, class ParameterRows>
void check_gradient_arguments(Targets const& targets, Sources const& sources, TargetWeights const& target_weights,
                              SourceWeights const& source_weights, Gradient const& gradient,
                              ParameterRows const& parameter_rows) {
  static_assert(is_differentiable_kernel<Kernel>::value,
                "kernel_gradient: Kernel must provide value_type derivative(value_type r2) const = dk/d(r2)");
  check_product_operand<ExecutionSpace, Kernel, Targets>();
  check_product_operand<ExecutionSpace, Kernel, Sources>();
  check_product_operand<ExecutionSpace, Kernel, TargetWeights>();
  check_product_operand<ExecutionSpace, Kernel, SourceWeights>();
  check_product_operand<ExecutionSpace, Kernel, Gradient>();
  static_assert(Kokkos::is_view<ParameterRows>::value && ParameterRows::rank == 1,
                "kernel_gradient: parameter_rows must be a rank-1 View (possibly empty)");

  KS_REQUIRE_EQUAL_EXTENTS("targets.extent(1)", targets.extent(1), "sources.extent(1)", sources.extent(1));
  KS_REQUIRE_EQUAL_EXTENTS("target_weights.extent(0)", target_weights.extent(0), "targets.extent(0)",
                           targets.extent(0));
  KS_REQUIRE_EQUAL_EXTENTS("source_weights.extent(0)", source_weights.extent(0), "sources.extent(0)",
                           sources.extent(0));
  KS_REQUIRE_EQUAL_EXTENTS("target_weights.extent(1)", target_weights.extent(1), "source_weights.extent(1)",
                           source_weights.extent(1));
  KS_REQUIRE_EQUAL_EXTENTS("gradient.extent(0)", gradient.extent(0), "targets.extent(0)", targets.extent(0));
  KS_REQUIRE_EQUAL_EXTENTS("gradient.extent(1)", gradient.extent(1), "targets.extent(1)", targets.extent(1));
  KS_USER_REQUIRE(targets.extent(1) >= 1, "points must have dimension D >= 1, got ", targets.extent(1));
  KS_USER_REQUIRE(target_weights.extent(1) >= 1, "weights must have Dv >= 1 columns, got ", target_weights.extent(1));
  if (parameter_rows.extent(0) > 0) {
    KS_REQUIRE_EQUAL_EXTENTS("parameter_rows.extent(0)", parameter_rows.extent(0), "targets.extent(0)",
                             targets.extent(0));
    KS_USER_REQUIRE(has_parameter_derivative<Kernel>::value,
                    "the kernel has no parameter_derivative(r2): its parameter gradient cannot be computed");
  }
}

}  // namespace detail

/// \brief Gradient of B = sum_ij k(|t_i - s_j|^2) (u_i . v_j) with respect to the targets t:
///   gradient(i, d)    = dB/dt_id = sum_j 2 k'(|t_i - s_j|^2) (u_i . v_j) (t_id - s_jd),
///   parameter_rows(i) = sum_j dk/dg(|t_i - s_j|^2) (u_i . v_j), so that dB/dg = sum_i parameter_rows(i).
/// The gradient with respect to the sources is the same call with the roles swapped: dB/ds = kernel_gradient(space,
/// kernel, s, t, v, u, ...). Runs asynchronously on `space`, like kernel_product.
///
/// \param targets M x D, sources N x D, target_weights (u) M x Dv, source_weights (v) N x Dv, gradient M x D (out).
/// \param parameter_rows M (out), or an empty View to skip; needs a kernel with parameter_derivative(r2).
/// \throws DimensionMismatch when extents disagree; InvalidArgument when D or Dv is 0, or parameter_rows is
///         requested from a kernel without parameter_derivative.
template <class ExecutionSpace, class Kernel, class Targets, class Sources, class TargetWeights, class SourceWeights,
          class Gradient, class ParameterRows>
void kernel_gradient(ExecutionSpace const& space, Kernel const& kernel, Targets const& targets, Sources const& sources,
                     TargetWeights const& target_weights, SourceWeights const& source_weights, Gradient const& gradient,
                     ParameterRows const& parameter_rows) {
  detail::check_gradient_arguments<ExecutionSpace, Kernel>(targets, sources, target_weights, source_weights, gradient,
                                                           parameter_rows);
  detail::ProfilingRegion region("kernelsolve::kernel_gradient");
  detail::row_gradient(space, kernel, targets, sources, target_weights, source_weights, gradient, parameter_rows);
}

/// \brief The cutoff gradient: kernel_gradient over only the source tiles that `pattern` keeps for each target tile
/// (the pairs of the cutoff product). What it drops is bounded per row by pattern.summary():
///   |dropped part of gradient(i, d)|  <= dropped_gradient_row_sum  max_j |u_i . v_j|,
///   |dropped part of parameter_rows(i)| <= dropped_parameter_row_sum max_j |u_i . v_j|   (cutoff_summary.hpp);
/// exact for a compactly supported kernel. The same bits on any split of the pattern's rows, and the bits of
/// kernel_gradient for make_full_pattern.
/// \param pattern make_cutoff_pattern(kernel, ..., sources, truncation) (or make_full_pattern) for these targets
///                and sources.
/// \throws as kernel_gradient, and DimensionMismatch when the pattern was made for other row counts.
template <class ExecutionSpace, class Kernel, class Targets, class Sources, class TargetWeights, class SourceWeights,
          class Gradient, class ParameterRows, class MemorySpace>
void kernel_gradient(ExecutionSpace const& space, Kernel const& kernel, Targets const& targets, Sources const& sources,
                     TargetWeights const& target_weights, SourceWeights const& source_weights, Gradient const& gradient,
                     ParameterRows const& parameter_rows, CutoffPattern<MemorySpace> const& pattern) {
  static_assert(Kokkos::SpaceAccessibility<ExecutionSpace, MemorySpace>::accessible,
                "kernel_gradient: the cutoff pattern must be accessible from the execution space");
  detail::check_gradient_arguments<ExecutionSpace, Kernel>(targets, sources, target_weights, source_weights, gradient,
                                                           parameter_rows);
  KS_REQUIRE_EQUAL_EXTENTS("targets.extent(0)", targets.extent(0), "pattern.rows()", pattern.rows());
  KS_REQUIRE_EQUAL_EXTENTS("sources.extent(0)", sources.extent(0), "pattern.source_rows()", pattern.source_rows());
  detail::ProfilingRegion region("kernelsolve::kernel_gradient");
  detail::row_gradient(space, kernel, targets, sources, target_weights, source_weights, gradient, parameter_rows,
                       pattern.source_ranges());
}

}  // namespace kernelsolve
