// LAPACK Cholesky factorization and solve of small matrices (the Nystrom preconditioner's cores, Schwarz blocks).
#include <kernelsolve/error.hpp>
#include <kernelsolve/solver/detail/host_cholesky.hpp>

extern "C" void dpotrf_(char const* uplo, int const* n, double* a, int const* lda, int* info);
extern "C" void dpotrs_(char const* uplo, int const* n, int const* nrhs, double const* a, int const* lda, double* b,
                        int const* ldb, int* info);

namespace kernelsolve {
namespace detail {

int cholesky_factor_in_place(std::vector<double>& matrix, int n) {
  KS_REQUIRE(matrix.size() == static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
  return cholesky_factor_in_place(matrix.data(), n);
}

int cholesky_factor_in_place(double* matrix, int n) {
  if (n == 0) return 0;
  int info = 0;
  dpotrf_("L", &n, matrix, &n, &info);
  KS_REQUIRE(info >= 0);
  for (int column = 1; column < n; ++column)
    for (int row = 0; row < column; ++row) matrix[static_cast<std::size_t>(column) * n + row] = 0;
  return info;
}

void cholesky_solve_in_place(std::vector<double> const& factor, int n, std::vector<double>& right_hand_sides,
                             int columns) {
  KS_REQUIRE(factor.size() == static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
  KS_REQUIRE(right_hand_sides.size() == static_cast<std::size_t>(n) * static_cast<std::size_t>(columns));
  if (n == 0 || columns == 0) return;
  int info = 0;
  dpotrs_("L", &n, &columns, factor.data(), &n, right_hand_sides.data(), &n, &info);
  KS_REQUIRE(info == 0);
}

}  // namespace detail
}  // namespace kernelsolve
