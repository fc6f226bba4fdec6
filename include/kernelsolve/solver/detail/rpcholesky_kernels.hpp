// The row-parallel kernels of the distributed randomly pivoted Cholesky: residual kernel columns at candidate
// pivots, new factor columns by forward substitution, and the Woodbury apply. Each row is computed by one thread in
// a fixed order that does not depend on which rank owns it, so the factor is the same bits on any rank count.
#pragma once

#include <Kokkos_Core.hpp>

#include <cstdint>

namespace kernelsolve {
namespace detail {

/// Candidates per round of the block RPCholesky, at most (the per-row accumulators live in a fixed-size array).
inline constexpr int rpcholesky_max_block = 128;

/// \brief residual(i, t) = k(|x_i - x_{c_t}|^2) - sum_{j < rank} factor(i, j) candidate_factor(t, j): the columns of
/// the residual K - F F^T at the candidate pivots c_t, on this rank's rows.
/// \param local_points  this rank's points (rows x D).  \param points all N points (N x D).
/// \param candidates    the global rows c_t of the candidates (b <= rpcholesky_max_block).
/// \param candidate_factor b x rank: row c_t of F as row t, in double (column-major: contiguous over t).
template <class ExecutionSpace, class Kernel, class LocalPoints, class Points, class Candidates, class Factor,
          class CandidateFactor, class Residual>
void rpcholesky_residual_columns(ExecutionSpace const& space, Kernel const& kernel, LocalPoints const& local_points,
                                 Points const& points, Candidates const& candidates, Factor const& factor, int rank,
                                 CandidateFactor const& candidate_factor, Residual const& residual) {
  using scalar_type = typename Kernel::value_type;
  int const block = static_cast<int>(candidates.extent(0));
  int const dimension = static_cast<int>(points.extent(1));
  Kokkos::parallel_for(
      "kernelsolve::rpcholesky::residual_columns",
      Kokkos::RangePolicy<ExecutionSpace>(space, 0, local_points.extent(0)), KOKKOS_LAMBDA(std::size_t i) {
        double explained[rpcholesky_max_block];
        for (int t = 0; t < block; ++t) explained[t] = 0;
        // explained(t) = F(i, :) . F(c_t, :), vectorized over the candidates t
        for (int j = 0; j < rank; ++j) {
          double const value = static_cast<double>(factor(i, j));
          for (int t = 0; t < block; ++t) explained[t] += value * candidate_factor(t, j);
        }
        for (int t = 0; t < block; ++t) {
          auto const pivot = candidates(t);
          scalar_type squared_distance = 0;
          for (int d = 0; d < dimension; ++d) {
            scalar_type const difference = local_points(i, d) - points(pivot, d);
            squared_distance += difference * difference;
          }
          residual(i, t) = static_cast<double>(kernel(squared_distance)) - explained[t];
        }
      });
}

/// \brief factor(i, rank + m) = f_m with L f = (residual(i, accepted(m)))_m (forward substitution with the
/// accepted pivots' lower Cholesky factor L, a x a), and diagonal(i) -= |f|^2 (clamped at 0): the new columns
/// G(:, A) L^{-T} of F and the new residual diagonal diag(K - F F^T).
template <class ExecutionSpace, class Residual, class Accepted, class Lower, class Factor, class Diagonal>
void rpcholesky_append_columns(ExecutionSpace const& space, Residual const& residual, Accepted const& accepted,
                               Lower const& lower, Factor const& factor, int rank, Diagonal const& diagonal) {
  using scalar_type = typename Factor::non_const_value_type;
  int const count = static_cast<int>(accepted.extent(0));
  Kokkos::parallel_for(
      "kernelsolve::rpcholesky::append_columns", Kokkos::RangePolicy<ExecutionSpace>(space, 0, residual.extent(0)),
      KOKKOS_LAMBDA(std::size_t i) {
        double column[rpcholesky_max_block];
        double remaining = diagonal(i);
        for (int m = 0; m < count; ++m) {
          double value = residual(i, accepted(m));
          for (int l = 0; l < m; ++l) value -= lower(m, l) * column[l];
          column[m] = value / lower(m, m);
          auto const stored = static_cast<scalar_type>(column[m]);
          factor(i, rank + m) = stored;
          remaining -= static_cast<double>(stored) * static_cast<double>(stored);
        }
        diagonal(i) = remaining > 0 ? remaining : 0.0;
      });
}

/// \brief out(i, c) = (r(i, c) - sum_j factor(i, j) y(j, c)) / shift: the last step of the Woodbury apply
/// (F F^T + shift I)^{-1} r = (r - F (shift I + F^T F)^{-1} F^T r) / shift, with y = (shift I + F^T F)^{-1} F^T r.
template <class ExecutionSpace, class Factor, class Coefficients, class Block>
void nystrom_woodbury_rows(ExecutionSpace const& space, Factor const& factor, Coefficients const& y, double shift,
                           Block const& residual, Block const& out) {
  using scalar_type = typename Block::non_const_value_type;
  int const rank = static_cast<int>(factor.extent(1));
  int const columns = static_cast<int>(residual.extent(1));
  double const inverse_shift = 1.0 / shift;
  Kokkos::parallel_for(
      "kernelsolve::nystrom::woodbury_rows", Kokkos::RangePolicy<ExecutionSpace>(space, 0, residual.extent(0)),
      KOKKOS_LAMBDA(std::size_t i) {
        for (int c = 0; c < columns; ++c) {
          double explained = 0;
          for (int j = 0; j < rank; ++j) explained += static_cast<double>(factor(i, j)) * y(j, c);
          out(i, c) = static_cast<scalar_type>((static_cast<double>(residual(i, c)) - explained) * inverse_shift);
        }
      });
}

/// rows(t, j) = factor(c_t - first_row, j) for the candidates this rank owns, 0 for the others: summed over the
/// ranks (exactly: one term is not 0), every rank has the candidates' rows.
template <class ExecutionSpace, class Factor, class Candidates, class Rows>
void rpcholesky_owned_rows(ExecutionSpace const& space, Factor const& factor, int columns, Candidates const& candidates,
                           std::int64_t first_row, Rows const& rows) {
  auto const local_rows = static_cast<std::int64_t>(factor.extent(0));
  Kokkos::parallel_for(
      "kernelsolve::rpcholesky::owned_rows",
      Kokkos::MDRangePolicy<ExecutionSpace, Kokkos::Rank<2>>(
          space, {0, 0}, {static_cast<std::int64_t>(candidates.extent(0)), static_cast<std::int64_t>(columns)}),
      KOKKOS_LAMBDA(std::int64_t t, std::int64_t j) {
        std::int64_t const row = candidates(t) - first_row;
        rows(t, j) = row >= 0 && row < local_rows ? static_cast<double>(factor(row, j)) : 0.0;
      });
}

}  // namespace detail
}  // namespace kernelsolve
