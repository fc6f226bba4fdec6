// Small dense symmetric factorizations on the host (LAPACK dpotrf / dpotrs / dsyev), in double: the k x k cores of
// the Nystrom preconditioner and the two-level coarse space, replicated on every rank, and the Schwarz blocks. Every
// rank gets the same bits from the same input.
#pragma once

#include <vector>

namespace kernelsolve {
namespace detail {

/// \brief Overwrites the lower triangle of the n x n column-major `matrix` with its Cholesky factor L (matrix =
/// L L^T; the strict upper triangle is set to 0).
/// \return 0 on success, or the order j > 0 of the first leading minor that is not positive definite (LAPACK info).
int cholesky_factor_in_place(std::vector<double>& matrix, int n);
/// The same on n x n column-major values at `matrix` (the Schwarz blocks, stored one after another).
int cholesky_factor_in_place(double* matrix, int n);

/// \brief Solves L L^T x = b in place for `columns` right-hand sides (n x columns, column-major), L from
/// cholesky_factor_in_place.
void cholesky_solve_in_place(std::vector<double> const& factor, int n, std::vector<double>& right_hand_sides,
                             int columns);

/// \brief L L^T (n x n, column-major, both triangles) of a Cholesky factor from cholesky_factor_in_place (BLAS
/// dsyrk): the matrix it factored, to rounding (n^3 / 3 flops, no pass over the rows that made it).
std::vector<double> factor_times_transpose(std::vector<double> const& factor, int n);

/// \brief Overwrites the n x n column-major symmetric `matrix` (lower triangle read) with its orthonormal eigenvectors
/// (column j for eigenvalues[j], ascending; LAPACK dsyev). \return 0 on success, else LAPACK's info > 0.
int symmetric_eigen_in_place(std::vector<double>& matrix, int n, std::vector<double>& eigenvalues);

}  // namespace detail
}  // namespace kernelsolve
