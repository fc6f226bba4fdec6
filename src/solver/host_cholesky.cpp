// LAPACK Cholesky factorization and solve, and symmetric eigendecomposition, of small matrices (the Nystrom
// preconditioner's cores, the two-level coarse space, Schwarz blocks).
#include <kernelsolve/error.hpp>
#include <kernelsolve/solver/detail/host_cholesky.hpp>

extern "C" void dpotrf_(char const* uplo, int const* n, double* a, int const* lda, int* info);
extern "C" void dsyev_(char const* jobz, char const* uplo, int const* n, double* a, int const* lda, double* w,
                       double* work, int const* lwork, int* info);
extern "C" void dsyrk_(char const* uplo, char const* trans, int const* n, int const* k, double const* alpha,
                       double const* a, int const* lda, double const* beta, double* c, int const* ldc);
extern "C" void dpotrs_(char const* uplo, int const* n, int const* nrhs, double const* a, int const* lda, double* b,
                        int const* ldb, int* info);

// OpenBLAS's threaded dpotrf and dpotrs split the work by their thread count (OMP_NUM_THREADS when
// OPENBLAS_NUM_THREADS is unset), and with it the rounding: a Nystrom core or Schwarz block factored on 2 threads
// differs from the same one factored on 1 in the last bits, and so do the iterations after it. These factors are
// small next to the kernel products, so they run on one thread: the solves give the same bits on any number of
// OpenMP threads, as on any number of ranks. Found as weak symbols, so that any other LAPACK links unchanged (a
// threaded MKL would need its own pinning: MKL_NUM_THREADS=1 or its CNR mode).
extern "C" int openblas_get_num_threads() __attribute__((weak));
extern "C" void openblas_set_num_threads(int threads) __attribute__((weak));

namespace kernelsolve {
namespace detail {

namespace {

/// OpenBLAS on one thread for its lifetime, then back to what it was (nothing without OpenBLAS).
class OneLapackThread {
 public:
  OneLapackThread() {
    if (openblas_get_num_threads && openblas_set_num_threads) {
      threads_ = openblas_get_num_threads();
      if (threads_ != 1) openblas_set_num_threads(1);
    }
  }
  ~OneLapackThread() {
    if (threads_ > 1) openblas_set_num_threads(threads_);
  }
  OneLapackThread(OneLapackThread const&) = delete;
  OneLapackThread& operator=(OneLapackThread const&) = delete;

 private:
  int threads_ = 1;
};

}  // namespace

int cholesky_factor_in_place(std::vector<double>& matrix, int n) {
  KS_REQUIRE(matrix.size() == static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
  return cholesky_factor_in_place(matrix.data(), n);
}

int cholesky_factor_in_place(double* matrix, int n) {
  if (n == 0) return 0;
  int info = 0;
  OneLapackThread const one_thread;
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
  OneLapackThread const one_thread;
  dpotrs_("L", &n, &columns, factor.data(), &n, right_hand_sides.data(), &n, &info);
  KS_REQUIRE(info == 0);
}

std::vector<double> factor_times_transpose(std::vector<double> const& factor, int n) {
  KS_REQUIRE(factor.size() == static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
  std::vector<double> product(factor.size(), 0.0);
  if (n == 0) return product;
  double const one = 1.0, zero = 0.0;
  OneLapackThread const one_thread;
  dsyrk_("L", "N", &n, &n, &one, factor.data(), &n, &zero, product.data(), &n);
  for (int column = 1; column < n; ++column)
    for (int row = 0; row < column; ++row)
      product[static_cast<std::size_t>(column) * n + row] = product[static_cast<std::size_t>(row) * n + column];
  return product;
}

int symmetric_eigen_in_place(std::vector<double>& matrix, int n, std::vector<double>& eigenvalues) {
  KS_REQUIRE(matrix.size() == static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
  eigenvalues.assign(static_cast<std::size_t>(n), 0.0);
  if (n == 0) return 0;
  int info = 0;
  OneLapackThread const one_thread;
  int query = -1;
  double optimal = 0;
  dsyev_("V", "L", &n, matrix.data(), &n, eigenvalues.data(), &optimal, &query, &info);
  KS_REQUIRE(info == 0);
  int work_size = static_cast<int>(optimal);
  std::vector<double> work(static_cast<std::size_t>(work_size));
  dsyev_("V", "L", &n, matrix.data(), &n, eigenvalues.data(), work.data(), &work_size, &info);
  KS_REQUIRE(info >= 0);
  return info;
}

}  // namespace detail
}  // namespace kernelsolve
