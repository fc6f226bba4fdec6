// Prediction at new points, values = K(x_new, x) c: the rectangular product with the solved coefficients, with the
// new points split across ranks like the points are (each rank computes the values at its own new points).
#pragma once

#include <kernelsolve/detail/kokkos_ext.hpp>
#include <kernelsolve/detail/non_finite.hpp>
#include <kernelsolve/error.hpp>
#include <kernelsolve/operator/kernel_operator.hpp>
#include <kernelsolve/product/kernel_product.hpp>

#include <Kokkos_Core.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace kernelsolve {

/// \brief values(m, :) = sum_j k(|new_points(m, :) - x_j|^2) c_j over all N points x_j of `op` (collective).
///
/// The kernel ridge regression / GP mean / RBF interpolant at M new points: K(x_new, x) c, matrix-free. Each rank
/// passes its own rows of the new points (any split, also empty) and of the coefficients (op's partition); the
/// coefficients are gathered once (O(N Dv) per rank) and every rank computes its rows of the values. The ridge of
/// `op` plays no part (x_new are not the points). A truncated `op` (a CutoffOperator) predicts with the
/// cutoff product at the same truncation, tiles of 64 new points in the order given: pass them spatially sorted.
/// \param coefficients op.local_rows() x Dv, this rank's rows of c (e.g. the solution of conjugate_gradient).
/// \param new_points   this rank's M_r x D new points, in op's memory space, any layout.
/// \param values       M_r x Dv, overwritten.
/// \param truncation   the cutoff product at this truncation (cutoff_pattern.hpp) instead of op's own (none: op's).
/// \throws InvalidArgument (on every rank) when D, Dv or the row counts disagree, when the new points hold NaN or
///         Inf, or when the truncation is outside (0, 1).
template <class Operator, class NewPoints, class Values>
void predict(Operator const& op, typename Operator::block_type const& coefficients, NewPoints const& new_points,
             Values const& values, std::optional<double> const& truncation = std::nullopt) {
  detail::check_kernel_operator<Operator>();
  using MemorySpace = typename Operator::memory_space;
  static_assert(Kokkos::is_view<NewPoints>::value && NewPoints::rank == 2,
                "predict: new_points must be a rank-2 Kokkos::View (rows x D)");
  detail::ProfilingRegion region("kernelsolve::predict");
  auto const& comm = op.communicator();
  // Agreed on by all ranks before anyone throws: a rank that threw alone would leave the others in the gather.
  bool const shapes_agree = static_cast<int>(new_points.extent(1)) == op.dimension() &&
                            values.extent(0) == new_points.extent(0) && values.extent(1) == coefficients.extent(1) &&
                            static_cast<std::int64_t>(coefficients.extent(0)) == op.local_rows();
  comm.throw_if_any_rank_failed(
      !shapes_agree,
      detail::concatenate("kernelsolve::predict: shapes disagree: new points ", new_points.extent(0), " x ",
                          new_points.extent(1), " (D must be ", op.dimension(), "), coefficients ",
                          coefficients.extent(0), " x ", coefficients.extent(1), " (rows must be ", op.local_rows(),
                          "), values ", values.extent(0), " x ", values.extent(1)));
  auto const columns = static_cast<std::int64_t>(coefficients.extent(1));
  KS_USER_REQUIRE(comm.min_over_ranks(columns) == comm.max_over_ranks(columns),
                  "the coefficients must have the same number of columns Dv on every rank");
  comm.throw_if_any_rank_failed(detail::count_non_finite(op.space(), new_points) > 0,
                                "kernelsolve::predict: the new points contain NaN or Inf values");
  auto const problem = detail::invalid_truncation_for<typename Operator::kernel_type>(truncation);
  comm.throw_if_any_rank_failed(problem.has_value(), "kernelsolve::predict: " + problem.value_or(std::string()));

  typename Operator::block_type all_coefficients(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "kernelsolve::predict::coefficients"), op.global_rows(),
      coefficients.extent(1));
  op.allgather_rows(coefficients, all_coefficients);
  if (new_points.extent(0) == 0) return;
  auto const count = static_cast<std::int64_t>(new_points.extent(0));
  // Tiles of the new points in their given order; without a truncation the full product as the pattern of all
  // sources (the operator's one product loop, see apply).
  auto const pattern = make_pattern<MemorySpace>(op.kernel(), new_points, 0, count, op.points(),
                                                 truncation ? truncation : detail::operator_truncation(op));
  ScopedPhase timed(detail::operator_timings(op), Phase::kernel_product);
  kernel_product(op.space(), op.kernel(), new_points, op.points(), all_coefficients, values, pattern);
}

}  // namespace kernelsolve
